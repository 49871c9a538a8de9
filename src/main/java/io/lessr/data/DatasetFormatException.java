package io.lessr.data;

import java.nio.file.Path;

/** Bad dataset input, with the file and (where there is one) the 1-based line it was found on. */
public class DatasetFormatException extends IllegalArgumentException {
    private final String location;
    private final long line;
    private final String problem;

    public DatasetFormatException(Path file, long line, String problem) {
        this(file.toString(), line, problem);
    }

    /** For files named by a URI that is not a local path ({@code hdfs://...}, {@code s3a://...}). */
    public DatasetFormatException(String location, long line, String problem) {
        super(location + (line > 0 ? ":" + line : "") + ": " + problem);
        this.location = location;
        this.line = line;
        this.problem = problem;
    }

    /** What is wrong, without the file and line. */
    public String problem() {
        return problem;
    }

    public Path file() {
        return Path.of(location);
    }

    /** The file as it was named: a path or a URI. */
    public String location() {
        return location;
    }

    /** The 1-based line number, or 0 when the problem concerns the whole file. */
    public long line() {
        return line;
    }
}
