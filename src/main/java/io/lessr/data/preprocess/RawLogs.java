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
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
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
        try (DelimitedReader in = open(csv, ';', 0, 1, 2, 3, 4)) {
            if (!in.next()) {
                throw new DatasetFormatException(csv, 0, "the file is empty (expected the header " + String.join(";", DIGINETICA_HEADER) + ")");
            }
            for (int i : new int[] {0, 2, 3, 4}) {
                if (!DIGINETICA_HEADER.get(i).contentEquals(in.field(i))) {
                    throw in.error("expected the header " + String.join(";", DIGINETICA_HEADER) + " (';'-separated), found "
                            + describe(in) + ": is this Diginetica's train-item-views.csv?");
                }
            }
            while (in.next()) {
                if (in.fieldCount() < 5) {
                    throw in.error("expected 5 ';'-separated fields (" + String.join(";", DIGINETICA_HEADER) + "), found " + describe(in));
                }
                sessions.add(parseInt(in, 0, "sessionId"));
                items.add(parseInt(in, 2, "itemId"));
                long timeframe = parseLong(in, 3, "timeframe");
                times.add(parseTime(in, 4, "eventdate") + timeframe);
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
                if (in.fieldCount() < needed) {
                    throw in.error("expected at least " + needed + " tab-separated fields (" + layout + "), found " + describe(in));
                }
                CharSequence user = in.field(0);
                CharSequence time = in.field(1);
                CharSequence item = in.field(2);
                if (isMissing(user) || isMissing(time) || isMissing(item)) {
                    continue;
                }
                checkDecoded(in, 0, "user");
                checkDecoded(in, 2, "item");
                long millis = parseTime(in, 1, "time");
                if (lastUser == null || !lastUser.contentEquals(user)) {
                    lastUser = user.toString();
                    lastUserId = userIds.computeIfAbsent(lastUser, k -> userIds.size());
                }
                users.add(lastUserId);
                times.add(millis);
                items.add(itemIds.computeIfAbsent(item.toString(), k -> itemIds.size()));
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
