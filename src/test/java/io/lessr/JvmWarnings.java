package io.lessr;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The JVM's own warnings in a process's output: the launcher's and the runtime's {@code WARNING: ...} lines
 * (restricted native access, terminally deprecated {@code sun.misc.Unsafe} methods, missing packages to open)
 * and unified logging's {@code [0.002s][warning][cds] ...} (an archive of another JDK). A
 * {@code java.util.logging} record's level line, e.g. the kernel's own "dropped a message", is not one: it
 * follows its date line.
 */
public final class JvmWarnings {
    private static final Pattern WARNING = Pattern.compile("^WARNING: |^\\[[0-9.]+s\\]\\[(warning|error) *\\]");
    /** java.util.logging's SimpleFormatter: {@code Dec 04, 2026 4:11:56 AM class method}, maybe after other output. */
    private static final Pattern LOG_RECORD = Pattern.compile("\\b[A-Z][a-z]{2} \\d{1,2}, \\d{4} \\d{1,2}:\\d{2}:\\d{2} [AP]M ");

    private JvmWarnings() {}

    public static List<String> in(String output) {
        List<String> found = new ArrayList<>();
        String previous = "";
        for (String line : output.lines().toList()) {
            if (WARNING.matcher(line).find() && !LOG_RECORD.matcher(previous).find()) {
                found.add(line);
            }
            previous = line;
        }
        return found;
    }
}
