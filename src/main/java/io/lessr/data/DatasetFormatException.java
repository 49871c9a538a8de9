package io.lessr.data;

import java.nio.file.Path;

/** Bad dataset input, with the file and (where there is one) the 1-based line it was found on. */
public class DatasetFormatException extends IllegalArgumentException {
    private final Path file;
    private final long line;

    public DatasetFormatException(Path file, long line, String problem) {
        super(file + (line > 0 ? ":" + line : "") + ": " + problem);
        this.file = file;
        this.line = line;
    }

    public Path file() {
        return file;
    }

    /** The 1-based line number, or 0 when the problem concerns the whole file. */
    public long line() {
        return line;
    }
}
