package io.lessr.data.preprocess;

import io.lessr.data.DatasetFormatException;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.io.BufferedInputStream;
import java.io.InputStream;
import java.util.Arrays;
import java.util.Locale;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * Streams the records of a delimited text file the way pandas' C parser splits them, keeping only
 * the wanted columns: a field that starts with {@code "} is quoted (it may hold delimiters and line
 * breaks, {@code ""} is a quote), {@code \n}, {@code \r\n} and {@code \r} end a record, blank lines
 * are skipped, missing trailing fields are empty and extra fields are ignored (as with pandas'
 * {@code usecols}). Raw logs can be gigabytes, so nothing but the current record is held.
 */
final class DelimitedReader implements Closeable {
    private static final int MAX_FIELD = 1 << 20;

    private final String file;
    private final Reader in;
    private final char delimiter;
    private final int[] slotOfColumn;
    private final StringBuilder[] fields;
    private final char[] buf;
    private int pos;
    private int len;
    private long line;
    private long recordLine;
    private int fieldCount;

    /** @param columns the 0-based columns to keep, in the order {@link #field} numbers them */
    DelimitedReader(Path file, char delimiter, int... columns) throws IOException {
        // Undecodable bytes become U+FFFD, which the parse of a kept field reports with its line.
        this(file.toString(), new InputStreamReader(decompressed(file), StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPLACE).onUnmappableCharacter(CodingErrorAction.REPLACE)), 1 << 16, 1, delimiter, columns);
    }

    /** Reads {@code in}, whose first character is on line {@code firstLine} of {@code file}. */
    DelimitedReader(String file, Reader in, int bufferSize, long firstLine, char delimiter, int... columns) {
        this.file = file;
        this.buf = new char[bufferSize];
        this.in = in;
        this.line = firstLine;
        this.delimiter = delimiter;
        int max = 0;
        for (int c : columns) {
            max = Math.max(max, c);
        }
        slotOfColumn = new int[max + 1];
        Arrays.fill(slotOfColumn, -1);
        fields = new StringBuilder[columns.length];
        for (int i = 0; i < columns.length; i++) {
            slotOfColumn[columns[i]] = i;
            fields[i] = new StringBuilder();
        }
    }

    /** As pandas infers from the name: {@code .gz} is gzip, {@code .zip} holds one file. */
    private static InputStream decompressed(Path file) throws IOException {
        InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".gz")) {
            return new GZIPInputStream(raw, 1 << 16);
        }
        if (name.endsWith(".zip")) {
            ZipInputStream zip = new ZipInputStream(raw);
            ZipEntry entry = zip.getNextEntry();
            while (entry != null && entry.isDirectory()) {
                entry = zip.getNextEntry();
            }
            if (entry == null) {
                zip.close();
                throw new DatasetFormatException(file, 0, "the zip archive holds no file");
            }
            return zip;
        }
        return raw;
    }

    /** The 1-based line on which the current record starts. */
    long line() {
        return recordLine;
    }

    String file() {
        return file;
    }

    /** How many fields the current record has, kept or not. */
    int fieldCount() {
        return fieldCount;
    }

    /** The kept field {@code slot} of the current record (empty when the record is shorter). */
    CharSequence field(int slot) {
        return fields[slot];
    }

    DatasetFormatException error(String problem) {
        return new DatasetFormatException(file, recordLine, problem);
    }

    /** Advances to the next non-blank record; false at the end of the file. */
    boolean next() throws IOException {
        for (StringBuilder f : fields) {
            f.setLength(0);
        }
        int c = read();
        while (c == '\n' || c == '\r') {
            c = newline(c);
            c = read();
        }
        if (c < 0) {
            return false;
        }
        recordLine = line;
        int column = 0;
        fieldCount = 1;
        while (true) {
            StringBuilder out = column < slotOfColumn.length && slotOfColumn[column] >= 0 ? fields[slotOfColumn[column]] : null;
            if (c == '"') {
                c = quoted(out);
            } else {
                while (c >= 0 && c != delimiter && c != '\n' && c != '\r') {
                    append(out, c);
                    c = read();
                }
            }
            if (c == delimiter) {
                column++;
                fieldCount = column + 1;
                c = read();
                continue;
            }
            if (c >= 0) {
                newline(c);
            }
            return true;
        }
    }

    /** Reads a quoted field whose opening quote was just read; returns the character after it. */
    private int quoted(StringBuilder out) throws IOException {
        while (true) {
            int c = read();
            if (c < 0) {
                throw error("a quoted field (starting with \") is never closed");
            }
            if (c == '"') {
                c = read();
                if (c != '"') {
                    // after the closing quote, pandas keeps reading the rest as part of the field
                    while (c >= 0 && c != delimiter && c != '\n' && c != '\r') {
                        append(out, c);
                        c = read();
                    }
                    return c;
                }
            } else if (c == '\n' || c == '\r') {
                c = newline(c);
            }
            append(out, c);
        }
    }

    /** Counts a line break; returns the character that was read (a \r\n pair counts once). */
    private int newline(int c) throws IOException {
        line++;
        if (c == '\r') {
            if (peek() == '\n') {
                read();
                return '\n';
            }
        }
        return c;
    }

    private void append(StringBuilder out, int c) {
        if (out != null) {
            if (out.length() >= MAX_FIELD) {
                throw error("a field is longer than " + MAX_FIELD + " characters: is this the right file and separator?");
            }
            out.append((char) c);
        }
    }

    private int read() throws IOException {
        if (pos == len && !fill()) {
            return -1;
        }
        return buf[pos++];
    }

    private int peek() throws IOException {
        if (pos == len && !fill()) {
            return -1;
        }
        return buf[pos];
    }

    private boolean fill() throws IOException {
        len = in.read(buf, 0, buf.length);
        pos = 0;
        if (len <= 0) {
            len = 0;
            return false;
        }
        return true;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
