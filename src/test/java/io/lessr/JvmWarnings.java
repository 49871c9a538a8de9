package io.lessr;

import java.util.List;
import java.util.regex.Pattern;

/**
 * The JVM's own warnings in a process's output: the launcher's and the runtime's {@code WARNING: ...} lines
 * (restricted native access, terminally deprecated {@code sun.misc.Unsafe} methods, missing packages to open)
 * and unified logging's {@code [0.002s][warning][cds] ...} (an archive of another JDK).
 */
public final class JvmWarnings {
    private static final Pattern WARNING = Pattern.compile("^WARNING: |^\\[[0-9.]+s\\]\\[(warning|error) *\\]");

    private JvmWarnings() {}

    public static List<String> in(String output) {
        return output.lines().filter(l -> WARNING.matcher(l).find()).toList();
    }
}
