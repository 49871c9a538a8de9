package io.lessr.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A dataset folder as the walkthrough reads it: {@code num_items.txt} (the item count),
 * {@code train.txt} and {@code test.txt} (one session a line, item ids separated by commas).
 *
 * <p>Every id must be a decimal integer in {@code [0, num_items)}; anything else fails with a
 * {@link DatasetFormatException} naming file and line, so a bad file never trains silently.
 */
public record SessionDataset(int numItems, List<int[]> trainSessions, List<int[]> testSessions) {

    public static final String NUM_ITEMS_FILE = "num_items.txt";
    public static final String TRAIN_FILE = "train.txt";
    public static final String TEST_FILE = "test.txt";

    public SessionDataset {
        trainSessions = List.copyOf(trainSessions);
        testSessions = List.copyOf(testSessions);
    }

    /** Reads and validates a dataset folder. */
    public static SessionDataset read(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new DatasetFormatException(dir, 0, "dataset folder not found");
        }
        int numItems = readNumItems(dir.resolve(NUM_ITEMS_FILE));
        return new SessionDataset(
                numItems,
                readSessions(dir.resolve(TRAIN_FILE), numItems),
                readSessions(dir.resolve(TEST_FILE), numItems));
    }

    /**
     * The walkthrough's {@code --valid-split}: the last {@code fraction} of the training sessions
     * becomes the test set and the original test set is set aside.
     */
    public SessionDataset withValidSplit(double fraction) {
        if (!(fraction > 0 && fraction < 1)) {
            throw new IllegalArgumentException("validSplit must lie in (0, 1), got " + fraction);
        }
        int numValid = (int) (trainSessions.size() * fraction);
        if (numValid == 0 || numValid == trainSessions.size()) {
            throw new IllegalArgumentException(
                    "validSplit " + fraction + " of " + trainSessions.size()
                            + " training sessions leaves an empty training or validation set");
        }
        int cut = trainSessions.size() - numValid;
        return new SessionDataset(
                numItems, trainSessions.subList(0, cut), trainSessions.subList(cut, trainSessions.size()));
    }

    /** The item count of a dataset folder ({@code num_items.txt}), without reading its sessions. */
    public static int numItemsOf(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new DatasetFormatException(dir, 0, "dataset folder not found");
        }
        return readNumItems(dir.resolve(NUM_ITEMS_FILE));
    }

    static int readNumItems(Path file) {
        List<String> lines = readLines(file);
        String first = lines.isEmpty() ? "" : lines.get(0).strip();
        if (first.isEmpty()) {
            throw new DatasetFormatException(file, 1, "expected the number of items, found an empty line");
        }
        long n = parseId(first, 0, first.length(), file, 1);
        if (n <= 0 || n > Integer.MAX_VALUE) {
            throw new DatasetFormatException(file, 1, "the number of items must be a positive int, got " + first);
        }
        return (int) n;
    }

    /** The longest line read: far above any real session, low enough to stop a runaway file early. */
    public static final int MAX_LINE_BYTES = 16 << 20;

    /**
     * Parses one session file, streaming; a trailing newline is fine, a blank line inside the file is
     * not, and a line longer than {@link #MAX_LINE_BYTES} stops the read.
     */
    public static List<int[]> readSessions(Path file, int numItems) {
        List<int[]> sessions = new ArrayList<>();
        byte[] line = new byte[1 << 12];
        int length = 0;
        long lineNo = 1;
        try (InputStream in = Files.newInputStream(file)) {
            byte[] chunk = new byte[1 << 16];
            int n;
            while ((n = in.read(chunk)) > 0) {
                for (int i = 0; i < n; i++) {
                    byte c = chunk[i];
                    if (c == '\n') {
                        sessions.add(parseLine(line, length, numItems, file, lineNo++));
                        length = 0;
                        continue;
                    }
                    if (length == line.length) {
                        if (length >= MAX_LINE_BYTES) {
                            throw new DatasetFormatException(file, lineNo, "the line is longer than "
                                    + (MAX_LINE_BYTES >> 20) + " MiB: not a session of comma-separated item ids");
                        }
                        line = Arrays.copyOf(line, Math.min(MAX_LINE_BYTES, 2 * length));
                    }
                    line[length++] = c;
                }
            }
        } catch (NoSuchFileException e) {
            throw new DatasetFormatException(file, 0, "file not found");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        if (length > 0) {
            sessions.add(parseLine(line, length, numItems, file, lineNo));
        }
        if (sessions.isEmpty()) {
            throw new DatasetFormatException(file, 0, "the file is empty: expected one session a line");
        }
        return sessions;
    }

    private static int[] parseLine(byte[] line, int length, int numItems, Path file, long lineNo) {
        int end = length > 0 && line[length - 1] == '\r' ? length - 1 : length;
        return parseSession(line, 0, end, numItems, file, lineNo);
    }

    private static int[] parseSession(byte[] b, int from, int to, int numItems, Path file, long line) {
        if (new String(b, from, to - from, StandardCharsets.ISO_8859_1).isBlank()) {
            throw new DatasetFormatException(file, line, "empty line: expected a session of comma-separated item ids");
        }
        int count = 1;
        for (int i = from; i < to; i++) {
            if (b[i] == ',') {
                count++;
            }
        }
        int[] session = new int[count];
        int k = 0;
        int start = from;
        for (int i = from; i <= to; i++) {
            if (i == to || b[i] == ',') {
                long id = parseId(b, start, i, file, line);
                if (id < 0 || id >= numItems) {
                    throw new DatasetFormatException(
                            file, line, "item id " + id + " is outside [0, " + numItems + ") (num_items.txt)");
                }
                session[k++] = (int) id;
                start = i + 1;
            }
        }
        return session;
    }

    private static long parseId(String s, int from, int to, Path file, long line) {
        return parseId(s.getBytes(StandardCharsets.ISO_8859_1), from, to, file, line);
    }

    /** Parses a decimal id, allowing surrounding blanks as pandas' int() does. */
    private static long parseId(byte[] b, int from, int to, Path file, long line) {
        while (from < to && (b[from] == ' ' || b[from] == '\t')) {
            from++;
        }
        while (to > from && (b[to - 1] == ' ' || b[to - 1] == '\t')) {
            to--;
        }
        if (from == to) {
            throw new DatasetFormatException(file, line, "empty item id (two commas in a row, or a comma at an end)");
        }
        boolean negative = b[from] == '-';
        int i = negative || b[from] == '+' ? from + 1 : from;
        if (i == to) {
            throw new DatasetFormatException(file, line, "item id '" + text(b, from, to) + "' is not a number");
        }
        long value = 0;
        for (; i < to; i++) {
            int digit = b[i] - '0';
            if (digit < 0 || digit > 9) {
                throw new DatasetFormatException(file, line, "item id '" + text(b, from, to) + "' is not a number");
            }
            value = value * 10 + digit;
            if (value > Integer.MAX_VALUE + 1L) {
                throw new DatasetFormatException(file, line, "item id '" + text(b, from, to) + "' does not fit an int");
            }
        }
        return negative ? -value : value;
    }

    private static String text(byte[] b, int from, int to) {
        String s = new String(b, from, Math.min(to - from, 40), StandardCharsets.UTF_8);
        return to - from > 40 ? s + "..." : s;
    }

    private static byte[] readBytes(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new DatasetFormatException(file, 0, "file not found");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    private static List<String> readLines(Path file) {
        return new String(readBytes(file), StandardCharsets.UTF_8).lines().toList();
    }
}
