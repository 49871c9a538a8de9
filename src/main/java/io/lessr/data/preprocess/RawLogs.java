package io.lessr.data.preprocess;

import static io.lessr.data.preprocess.Preprocessing.ITEM;
import static io.lessr.data.preprocess.Preprocessing.SESSION;
import static io.lessr.data.preprocess.Preprocessing.TIME;
import static io.lessr.data.preprocess.Preprocessing.USER;

import io.lessr.data.DatasetFormatException;

import it.unimi.dsi.fastutil.ints.IntArrayList;
import it.unimi.dsi.fastutil.longs.LongArrayList;
import it.unimi.dsi.fastutil.objects.Object2IntOpenHashMap;
import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.LongColumn;
import tech.tablesaw.api.Table;

/**
 * Reads raw click logs into Tablesaw click tables, streaming: only the used columns of each record
 * are kept, as ints and epoch milliseconds. Every problem is reported with the file and line.
 */
public final class RawLogs {
    /** pandas 1.5's default missing-value strings (2.0 added "None"): {@code read_csv} turns them into NaN and {@code dropna} drops the row. */
    private static final Set<String> NA = Set.of("", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan",
            "1.#IND", "1.#QNAN", "<NA>", "N/A", "NA", "NULL", "NaN", "n/a", "nan", "null");
    static final String GOWALLA_LAYOUT = "user, check-in time, latitude, longitude, location id";
    static final String LASTFM_LAYOUT = "user id, timestamp, artist id, artist name, track id, track name";
    private static final int[] DIGINETICA_COLUMNS = {0, 1, 2, 3, 4};
    private static final int[] GOWALLA_COLUMNS = {0, 1, 4};
    private static final int[] LASTFM_COLUMNS = {0, 1, 2};
    private static final List<String> DIGINETICA_HEADER = List.of("sessionId", "userId", "itemId", "timeframe", "eventdate");

    private RawLogs() {}

    /**
     * Diginetica's {@code train-item-views.csv}: {@code ;}-separated with the header
     * {@code sessionId;userId;itemId;timeframe;eventdate}; timestamp = eventdate + timeframe ms.
     * Columns {@value Preprocessing#SESSION}, {@value Preprocessing#ITEM}, {@value Preprocessing#TIME}, in file order.
     */
    public static Table readDiginetica(Path csv) {
        IntArrayList sessions = new IntArrayList();
        IntArrayList items = new IntArrayList();
        LongArrayList times = new LongArrayList();
        try (DelimitedReader in = open(csv, ';', DIGINETICA_COLUMNS)) {
            if (!in.next()) {
                throw new DatasetFormatException(csv, 0, "the file is empty (expected the header " + String.join(";", DIGINETICA_HEADER) + ")");
            }
            checkDigineticaHeader(in);
            while (in.next()) {
                RawClick c = digineticaClick(in);
                sessions.add((int) c.session());
                items.add(Integer.parseInt(c.item()));
                times.add(c.millis());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + csv + ": " + e.getMessage(), e);
        }
        return Table.create(csv.getFileName().toString(), IntColumn.create(SESSION, sessions.toIntArray()),
                IntColumn.create(ITEM, items.toIntArray()), LongColumn.create(TIME, times.toLongArray()));
    }

    /**
     * A tab-separated check-in or listening log without header (Gowalla, Last.fm). Rows with a
     * missing user, time or item are dropped (pandas' {@code dropna}); users and items are numbered
     * in order of appearance ({@code pd.factorize}). Columns {@value Preprocessing#USER},
     * {@value Preprocessing#TIME}, {@value Preprocessing#ITEM}, in file order.
     */
    public static Table readCheckins(Path tsv, int userColumn, int timeColumn, int itemColumn, String layout) {
        int needed = Math.max(userColumn, Math.max(timeColumn, itemColumn)) + 1;
        Object2IntOpenHashMap<String> userIds = new Object2IntOpenHashMap<>();
        Object2IntOpenHashMap<String> itemIds = new Object2IntOpenHashMap<>();
        IntArrayList users = new IntArrayList();
        IntArrayList items = new IntArrayList();
        LongArrayList times = new LongArrayList();
        boolean any = false;
        String lastUser = null;
        int lastUserId = -1;
        try (DelimitedReader in = open(tsv, '\t', userColumn, timeColumn, itemColumn)) {
            while (in.next()) {
                any = true;
                RawClick c = checkinClick(in, needed, layout);
                if (c == null) {
                    continue;
                }
                if (lastUser == null || !lastUser.equals(c.user())) {
                    lastUser = c.user();
                    lastUserId = userIds.computeIfAbsent(lastUser, k -> userIds.size());
                }
                users.add(lastUserId);
                times.add(c.millis());
                items.add(itemIds.computeIfAbsent(c.item(), k -> itemIds.size()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + tsv + ": " + e.getMessage(), e);
        }
        if (!any) {
            throw new DatasetFormatException(tsv, 0, "the file is empty (expected " + layout + ", tab-separated)");
        }
        return Table.create(tsv.getFileName().toString(), IntColumn.create(USER, users.toIntArray()),
                LongColumn.create(TIME, times.toLongArray()), IntColumn.create(ITEM, items.toIntArray()));
    }

    /**
     * One record of a raw log given as one line of text, for engines that split files into lines
     * (Spark): the same parse and the same errors as {@link #readDiginetica} and {@link #readCheckins},
     * except that a quoted field cannot span lines. Returns null for a blank line, Diginetica's header
     * ({@code header}: the file's first non-blank line, which is checked) and a record with a missing
     * user, time or item (Gowalla, Last.fm: pandas' {@code dropna}).
     *
     * @param file the file as the user named it, for error messages
     * @param line the 1-based line number of {@code text} in {@code file}
     */
    public static RawClick parseLine(RawDataset format, String file, long line, String text, boolean header) {
        int[] columns = switch (format) {
            case DIGINETICA -> DIGINETICA_COLUMNS;
            case GOWALLA -> GOWALLA_COLUMNS;
            case LASTFM -> LASTFM_COLUMNS;
        };
        DelimitedReader in = new DelimitedReader(file, new StringReader(text), Math.max(16, text.length()), line,
                format == RawDataset.DIGINETICA ? ';' : '\t', columns);
        try {
            if (!in.next()) {
                return null;
            }
            if (format == RawDataset.DIGINETICA) {
                if (header) {
                    checkDigineticaHeader(in);
                    return null;
                }
                return digineticaClick(in);
            }
            return checkinClick(in, Arrays.stream(columns).max().getAsInt() + 1, format == RawDataset.GOWALLA ? GOWALLA_LAYOUT : LASTFM_LAYOUT);
        } catch (DatasetFormatException e) {
            if (e.getMessage().endsWith("is never closed")) {
                throw new DatasetFormatException(file, line, "a quoted field (starting with \") is never closed on this line: "
                        + "Spark reads one record per line; run preprocess on one machine for this file");
            }
            throw e;
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a StringReader does not fail
        }
    }

    private static void checkDigineticaHeader(DelimitedReader in) {
        for (int i : new int[] {0, 2, 3, 4}) {
            if (!DIGINETICA_HEADER.get(i).contentEquals(in.field(i))) {
                throw in.error("expected the header " + String.join(";", DIGINETICA_HEADER) + " (';'-separated), found "
                        + describe(in) + ": is this Diginetica's train-item-views.csv?");
            }
        }
    }

    private static RawClick digineticaClick(DelimitedReader in) {
        if (in.fieldCount() < 5) {
            throw in.error("expected 5 ';'-separated fields (" + String.join(";", DIGINETICA_HEADER) + "), found " + describe(in));
        }
        int session = parseInt(in, 0, "sessionId");
        int item = parseInt(in, 2, "itemId");
        long timeframe = parseLong(in, 3, "timeframe");
        return new RawClick(session, null, Integer.toString(item), parseTime(in, 4, "eventdate") + timeframe);
    }

    /** Null when the user, time or item is missing. */
    private static RawClick checkinClick(DelimitedReader in, int needed, String layout) {
        if (in.fieldCount() < needed) {
            throw in.error("expected at least " + needed + " tab-separated fields (" + layout + "), found " + describe(in));
        }
        CharSequence user = in.field(0);
        CharSequence time = in.field(1);
        CharSequence item = in.field(2);
        if (isMissing(user) || isMissing(time) || isMissing(item)) {
            return null;
        }
        checkDecoded(in, 0, "user");
        checkDecoded(in, 2, "item");
        long millis = parseTime(in, 1, "time");
        return new RawClick(-1, user.toString(), item.toString(), millis);
    }

    private static DelimitedReader open(Path file, char delimiter, int... columns) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new DatasetFormatException(file, 0, Files.exists(file) ? "not a regular file" : "no such file");
        }
        try {
            return new DelimitedReader(file, delimiter, columns);
        } catch (NoSuchFileException e) {
            throw new DatasetFormatException(file, 0, "no such file");
        }
    }

    private static boolean isMissing(CharSequence s) {
        return s.length() <= 9 && NA.contains(s.toString()); // the longest is "#N/A N/A"
    }

    private static String describe(DelimitedReader in) {
        String first = in.field(0).toString();
        return in.fieldCount() + " field" + (in.fieldCount() == 1 ? "" : "s")
                + (first.length() > 80 ? " starting '" + first.substring(0, 80) + "...'" : " starting '" + first + "'");
    }

    private static void checkDecoded(DelimitedReader in, int slot, String what) {
        if (in.field(slot).toString().indexOf('\uFFFD') >= 0) {
            throw in.error(what + " '" + in.field(slot) + "' is not valid UTF-8");
        }
    }

    private static int parseInt(DelimitedReader in, int slot, String what) {
        long v = parseLong(in, slot, what);
        if (v != (int) v) {
            throw in.error(what + " " + v + " does not fit in a 32-bit integer");
        }
        return (int) v;
    }

    private static long parseLong(DelimitedReader in, int slot, String what) {
        CharSequence s = in.field(slot);
        if (s.length() == 0) {
            throw in.error(what + " is missing");
        }
        try {
            return Long.parseLong(s, 0, s.length(), 10);
        } catch (NumberFormatException e) {
            throw in.error(what + " '" + s + "' is not an integer");
        }
    }

    private static long parseTime(DelimitedReader in, int slot, String what) {
        CharSequence s = in.field(slot);
        if (s.length() == 0) {
            throw in.error(what + " is missing");
        }
        try {
            return Timestamps.parseMillis(s);
        } catch (IllegalArgumentException e) {
            throw in.error(what + ": " + e.getMessage());
        }
    }
}
