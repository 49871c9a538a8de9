package io.lessr.data.preprocess;

import io.lessr.data.AtomicDirectory;

import it.unimi.dsi.fastutil.ints.Int2IntOpenHashMap;
import it.unimi.dsi.fastutil.ints.IntArrays;
import it.unimi.dsi.fastutil.ints.IntOpenHashSet;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.IntPredicate;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.LongColumn;
import tech.tablesaw.api.Table;
import tech.tablesaw.columns.Column;
import tech.tablesaw.selection.Selection;

/**
 * The steps of the original preprocessing ({@code utils/data/preprocess.py} of twchen/lessr) on
 * Tablesaw click tables with int columns {@value #SESSION}, {@value #ITEM} (and {@value #USER}) and
 * a long column {@value #TIME} in epoch milliseconds. Each step returns a new table and keeps the
 * row order pandas keeps, because the order decides item numbers and session order in the output.
 */
public final class Preprocessing {
    public static final String SESSION = "sessionId";
    public static final String USER = "userId";
    public static final String ITEM = "itemId";
    public static final String TIME = "timestamp";

    private Preprocessing() {}

    /** {@code df.sort_values(keys)}: pandas sorts on several columns stably. */
    public static Table sortBy(Table t, String... keys) {
        int[] order = new int[t.rowCount()];
        Arrays.setAll(order, i -> i);
        Column<?>[] cols = Arrays.stream(keys).map(t::column).toArray(Column[]::new);
        IntArrays.mergeSort(order, (a, b) -> {
            for (Column<?> c : cols) {
                int cmp = c instanceof LongColumn l ? Long.compare(l.getLong(a), l.getLong(b))
                        : Integer.compare(((IntColumn) c).getInt(a), ((IntColumn) c).getInt(b));
                if (cmp != 0) {
                    return cmp;
                }
            }
            return 0;
        });
        return permute(t, order);
    }

    public static Table filterShortSessions(Table t, int minLength) {
        Int2IntOpenHashMap length = counts(t.intColumn(SESSION));
        IntColumn sessions = t.intColumn(SESSION);
        return keepRows(t, r -> length.get(sessions.getInt(r)) >= minLength);
    }

    public static Table filterInfrequentItems(Table t, int minSupport) {
        Int2IntOpenHashMap support = counts(t.intColumn(ITEM));
        IntColumn items = t.intColumn(ITEM);
        return keepRows(t, r -> support.get(items.getInt(r)) >= minSupport);
    }

    /** Alternates the two filters until neither removes a click (a fixed point). */
    public static Table filterUntilAllLongAndFrequent(Table t, int minLength, int minSupport) {
        while (true) {
            Table filtered = filterInfrequentItems(filterShortSessions(t, minLength), minSupport);
            if (filtered.rowCount() == t.rowCount()) {
                return t;
            }
            t = filtered;
        }
    }

    /** Keeps the first {@code maxLength} clicks of each session, in the table's (sorted) order. */
    public static Table truncateLongSessions(Table t, int maxLength) {
        IntColumn sessions = t.intColumn(SESSION);
        Int2IntOpenHashMap seen = new Int2IntOpenHashMap();
        return keepRows(t, r -> seen.addTo(sessions.getInt(r), 1) < maxLength);
    }

    /** A new session starts when the user changes or more than {@code gapMillis} passed (rows sorted by user, time). */
    public static Table groupSessions(Table t, long gapMillis) {
        IntColumn users = t.intColumn(USER);
        LongColumn times = t.longColumn(TIME);
        int[] session = new int[t.rowCount()];
        int id = -1;
        for (int r = 0; r < session.length; r++) {
            if (r == 0 || users.getInt(r) != users.getInt(r - 1) || times.getLong(r) - times.getLong(r - 1) > gapMillis) {
                id++;
            }
            session[r] = id;
        }
        Table out = t.copy();
        if (out.containsColumn(SESSION)) {
            out.removeColumns(SESSION);
        }
        return out.addColumns(IntColumn.create(SESSION, session));
    }

    /** Drops a click on the same item as the row before it in the same session. */
    public static Table removeImmediateRepeats(Table t) {
        IntColumn sessions = t.intColumn(SESSION);
        IntColumn items = t.intColumn(ITEM);
        return keepRows(t, r -> r == 0 || sessions.getInt(r) != sessions.getInt(r - 1) || items.getInt(r) != items.getInt(r - 1));
    }

    /**
     * Keeps the {@code n} most clicked items. Ties at the cut go to the items met first in the
     * table, as pandas' {@code nlargest(n, keep='first')} on counts in order of appearance does.
     */
    public static Table keepTopNItems(Table t, int n) {
        IntColumn items = t.intColumn(ITEM);
        Int2IntOpenHashMap support = counts(items);
        int[] inOrder = firstAppearances(items);
        if (n < inOrder.length) {
            int[] byCount = inOrder.clone();
            IntArrays.mergeSort(byCount, (a, b) -> Integer.compare(support.get(b), support.get(a)));
            IntOpenHashSet top = new IntOpenHashSet(Arrays.copyOf(byCount, n));
            return keepRows(t, r -> top.contains(items.getInt(r)));
        }
        return t;
    }

    /** Training sessions end strictly before {@code max(time) - deltaMillis}; the rest are test sessions. */
    public static Table[] splitByTime(Table t, long deltaMillis) {
        long split = t.longColumn(TIME).isEmpty() ? 0 : max(t.longColumn(TIME)) - deltaMillis;
        Int2IntOpenHashMap index = new Int2IntOpenHashMap();
        long[] end = endTimes(t, index);
        IntColumn sessions = t.intColumn(SESSION);
        IntPredicate isTrain = r -> end[index.get(sessions.getInt(r))] < split;
        return new Table[] {keepRows(t, isTrain), keepRows(t, isTrain.negate())};
    }

    /**
     * The last {@code testSplit} of the sessions by end time are test sessions. Ties in end time are
     * broken by NumPy's unstable quicksort, as in the original; and as there, a split of zero
     * sessions ({@code endtime.index[-0:]}) takes them all.
     */
    public static Table[] trainTestSplit(Table t, double testSplit) {
        Int2IntOpenHashMap index = new Int2IntOpenHashMap();
        long[] end = endTimes(t, index);
        int[] sorted = NumpyArgsort.quicksort(end);
        int numTests = (int) (end.length * testSplit);
        boolean[] isTest = new boolean[end.length];
        for (int i = numTests == 0 ? 0 : end.length - numTests; i < end.length; i++) {
            isTest[sorted[i]] = true;
        }
        IntColumn sessions = t.intColumn(SESSION);
        IntPredicate test = r -> isTest[index.get(sessions.getInt(r))];
        return new Table[] {keepRows(t, test.negate()), keepRows(t, test)};
    }

    /** Renumbers sessions 0.. by end time (NumPy quicksort order) and sorts by session, then time. */
    public static Table reorderSessionsByEndTime(Table t) {
        Int2IntOpenHashMap index = new Int2IntOpenHashMap();
        long[] end = endTimes(t, index);
        int[] sorted = NumpyArgsort.quicksort(end);
        int[] newId = new int[sorted.length];
        for (int i = 0; i < sorted.length; i++) {
            newId[sorted[i]] = i;
        }
        IntColumn sessions = t.intColumn(SESSION);
        int[] renumbered = new int[t.rowCount()];
        Arrays.setAll(renumbered, r -> newId[index.get(sessions.getInt(r))]);
        Table out = t.copy();
        out.replaceColumn(SESSION, IntColumn.create(SESSION, renumbered));
        return sortBy(out, SESSION, TIME);
    }

    /** What {@link #saveDataset} wrote. */
    public record Summary(int numClicks, int numItems, int numTrainSessions, int numTestSessions) {}

    /**
     * Drops test clicks on items unseen in training and then test sessions shorter than 2,
     * renumbers items 0.. in order of first appearance in the training table, and writes
     * {@code train.txt}, {@code test.txt} and {@code num_items.txt} into {@code dir} atomically.
     */
    public static Summary saveDataset(Path dir, Table train, Table test, PrintStream log) {
        IntOpenHashSet trainItems = new IntOpenHashSet(train.intColumn(ITEM).asIntArray());
        IntColumn testItems = test.intColumn(ITEM);
        test = filterShortSessions(keepRows(test, r -> trainItems.contains(testItems.getInt(r))), 2);
        int numClicks = train.rowCount() + test.rowCount();
        log.println("No. of Clicks: " + numClicks);
        log.println("No. of Items: " + trainItems.size());
        if (train.isEmpty() || test.isEmpty()) {
            throw new IllegalArgumentException("the log is too small: preprocessing leaves " + train.rowCount()
                    + " training and " + test.rowCount() + " test clicks; LESSR needs both");
        }
        Int2IntOpenHashMap newItem = new Int2IntOpenHashMap();
        for (int item : firstAppearances(train.intColumn(ITEM))) {
            newItem.put(item, newItem.size());
        }
        Table trainOut = reorderSessionsByEndTime(renumber(train, newItem));
        Table testOut = reorderSessionsByEndTime(renumber(test, newItem));
        log.println("saving dataset to " + dir);
        AtomicDirectory.write(dir, tmp -> {
            writeSessions(trainOut, tmp.resolve("train.txt"));
            writeSessions(testOut, tmp.resolve("test.txt"));
            Files.writeString(tmp.resolve("num_items.txt"), Integer.toString(newItem.size()), StandardCharsets.UTF_8);
        });
        return new Summary(numClicks, newItem.size(), countUnique(trainOut.intColumn(SESSION)), countUnique(testOut.intColumn(SESSION)));
    }

    /** One line per session (rows sorted by session), items joined by commas. */
    private static void writeSessions(Table t, Path file) throws IOException {
        IntColumn sessions = t.intColumn(SESSION);
        IntColumn items = t.intColumn(ITEM);
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            for (int r = 0; r < t.rowCount(); r++) {
                boolean continues = r > 0 && sessions.getInt(r) == sessions.getInt(r - 1);
                if (r > 0 && !continues) {
                    w.write('\n');
                }
                if (continues) {
                    w.write(',');
                }
                w.write(Integer.toString(items.getInt(r)));
            }
            if (t.rowCount() > 0) {
                w.write('\n');
            }
        }
    }

    private static Table renumber(Table t, Int2IntOpenHashMap newItem) {
        IntColumn items = t.intColumn(ITEM);
        int[] renumbered = new int[t.rowCount()];
        Arrays.setAll(renumbered, r -> newItem.get(items.getInt(r)));
        Table out = t.copy();
        out.replaceColumn(ITEM, IntColumn.create(ITEM, renumbered));
        return out;
    }

    /** Each session's last click time, indexed by order of first appearance ({@code groupby(sort=False)}). */
    private static long[] endTimes(Table t, Int2IntOpenHashMap index) {
        IntColumn sessions = t.intColumn(SESSION);
        LongColumn times = t.longColumn(TIME);
        index.defaultReturnValue(-1);
        long[] end = new long[t.rowCount()];
        int n = 0;
        for (int r = 0; r < t.rowCount(); r++) {
            int i = index.putIfAbsent(sessions.getInt(r), n);
            if (i < 0) {
                end[n++] = times.getLong(r);
            } else {
                end[i] = Math.max(end[i], times.getLong(r));
            }
        }
        return Arrays.copyOf(end, n);
    }

    private static int[] firstAppearances(IntColumn c) {
        IntOpenHashSet seen = new IntOpenHashSet();
        int[] out = new int[c.size()];
        int n = 0;
        for (int r = 0; r < c.size(); r++) {
            if (seen.add(c.getInt(r))) {
                out[n++] = c.getInt(r);
            }
        }
        return Arrays.copyOf(out, n);
    }

    private static Int2IntOpenHashMap counts(IntColumn c) {
        Int2IntOpenHashMap counts = new Int2IntOpenHashMap();
        for (int r = 0; r < c.size(); r++) {
            counts.addTo(c.getInt(r), 1);
        }
        return counts;
    }

    private static int countUnique(IntColumn c) {
        return counts(c).size();
    }

    private static long max(LongColumn c) {
        long m = Long.MIN_VALUE;
        for (int r = 0; r < c.size(); r++) {
            m = Math.max(m, c.getLong(r));
        }
        return m;
    }

    private static Table keepRows(Table t, IntPredicate keep) {
        int[] rows = new int[t.rowCount()];
        int n = 0;
        for (int r = 0; r < rows.length; r++) {
            if (keep.test(r)) {
                rows[n++] = r;
            }
        }
        return n == rows.length ? t : t.where(Selection.with(Arrays.copyOf(rows, n)));
    }

    private static Table permute(Table t, int[] order) {
        Table out = Table.create(t.name());
        for (Column<?> c : t.columns()) {
            out.addColumns(c.subset(order));
        }
        return out;
    }
}
