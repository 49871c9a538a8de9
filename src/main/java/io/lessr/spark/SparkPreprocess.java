package io.lessr.spark;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.last;
import static org.apache.spark.sql.functions.lag;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.when;

import io.lessr.data.DatasetFormatException;
import io.lessr.data.preprocess.NumpyArgsort;
import io.lessr.data.preprocess.Preprocessing.Summary;
import io.lessr.data.preprocess.RawClick;
import io.lessr.data.preprocess.RawDataset;
import io.lessr.data.preprocess.RawLogs;

import it.unimi.dsi.fastutil.longs.LongArrayList;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;

/**
 * The preprocessing of {@link RawDataset} ({@code preprocess.py} of twchen/lessr) as Spark jobs, for
 * logs past one machine. It writes the same dataset folder, byte for byte: every step keeps the
 * pandas row order as a column, {@value #ORDER} (the sort key of the table in the original:
 * session or first-appearance user, time, then file line), so that what the original decides by
 * row order (which clicks a truncation keeps, ties among the most clicked items, item numbers,
 * which repeat is dropped) is decided the same way on a cluster.
 *
 * <p>One step is not distributed: NumPy's quicksort breaks ties among equal session end times in
 * an order no distributed sort reproduces, and both the 80/20 split and the session numbers depend
 * on it. The end times (8 bytes a session) are therefore brought to the driver in first-appearance
 * order, argsorted there exactly as NumPy does, and the resulting ranks (4 bytes a session) are
 * broadcast back.
 */
public final class SparkPreprocess {
    /** A line's place in the file, in file order (not its number: see {@link #read}). */
    static final String LINE = "line";
    /** Sessions never span groups: the session itself (Diginetica) or its user; data stays partitioned by group. */
    static final String GROUP = "sessionGroup";
    private static final int SPLIT_SHIFT = 40;
    static final String SESSION = "session";
    static final String USER = "user";
    static final String ITEM = "item";
    static final String TIME = "time";
    static final String ORDER = "tableOrder";
    private static final String ERROR = "error";
    private static final StructType CLICKS = new StructType()
            .add(LINE, DataTypes.LongType, false).add(SESSION, DataTypes.LongType, false)
            .add(USER, DataTypes.StringType, true).add(ITEM, DataTypes.StringType, true)
            .add(TIME, DataTypes.LongType, false).add(ERROR, DataTypes.StringType, true);

    private final SparkSession spark;
    private final JavaSparkContext jsc;
    private final PrintStream log;

    public SparkPreprocess(SparkSession spark, PrintStream log) {
        this.spark = spark;
        this.jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        this.log = log;
    }

    /** Raw log in ({@code .gz} too, any Hadoop file system), dataset folder out, written atomically. */
    public Summary run(RawDataset format, String raw, String datasetDir, int topItems) {
        log.println("reading " + raw + "...");
        Dataset<Row> clicks = read(format, raw);
        try {
            log.println("start preprocessing");
            Dataset<Row>[] trainTest = format == RawDataset.DIGINETICA ? splitDiginetica(clicks) : splitCheckins(format, clicks, topItems);
            return save(datasetDir, trainTest[0], trainTest[1]);
        } finally {
            clicks.unpersist();
        }
    }

    /** The log's clicks with their place in the file; the first bad line is an error with its file and line. */
    Dataset<Row> read(RawDataset format, String raw) {
        Configuration conf = jsc.hadoopConfiguration();
        try {
            Path path = new Path(raw);
            FileSystem fs = path.getFileSystem(conf);
            if (!fs.exists(path)) {
                throw new DatasetFormatException(raw, 0, "no such file");
            }
            if (!fs.getFileStatus(path).isFile()) {
                throw new DatasetFormatException(raw, 0, "not a regular file");
            }
            if (raw.toLowerCase(java.util.Locale.ROOT).endsWith(".zip")) {
                throw new DatasetFormatException(raw, 0, "Spark does not read zip archives: unzip the log, or gzip it");
            }
        } catch (IOException e) {
            throw new DatasetFormatException(raw, 0, "cannot read: " + e.getMessage());
        }
        JavaRDD<Tuple2<Long, String>> lines = jsc.textFile(raw).mapPartitionsWithIndex(SparkPreprocess::placed, true);
        List<Tuple2<Long, String>> first = lines.filter(l -> !l._2().isEmpty()).take(1);
        if (first.isEmpty()) {
            throw new DatasetFormatException(raw, 0, format == RawDataset.DIGINETICA
                    ? "the file is empty (expected the header sessionId;userId;itemId;timeframe;eventdate)"
                    : "the file is empty (expected a tab-separated " + format.id() + " log)");
        }
        long headerKey = first.get(0)._1();
        JavaRDD<Row> rows = lines.flatMap(l -> {
            try {
                // Line numbers are only known on the driver; the parse names key + 1 and the driver corrects it.
                RawClick c = RawLogs.parseLine(format, raw, l._1() + 1, l._2(), l._1() == headerKey);
                return c == null ? List.<Row>of().iterator()
                        : List.of(RowFactory.create(l._1(), c.session(), c.user(), c.item(), c.millis(), null)).iterator();
            } catch (DatasetFormatException e) {
                return List.of(RowFactory.create(l._1(), -1L, null, null, 0L, e.problem())).iterator();
            }
        });
        Dataset<Row> parsed = spark.createDataFrame(rows, CLICKS).persist(StorageLevel.MEMORY_AND_DISK());
        Row firstError = parsed.where(col(ERROR).isNotNull()).agg(min(LINE), expr("min_by(error, line)")).first();
        if (!firstError.isNullAt(0)) {
            parsed.unpersist();
            long key = firstError.getLong(0);
            long splitStart = key >>> SPLIT_SHIFT << SPLIT_SHIFT;
            long linesBefore = lines.filter(l -> l._1() < splitStart).count();
            throw new DatasetFormatException(raw, linesBefore + (key - splitStart) + 1, firstError.getString(1));
        }
        return parsed.drop(ERROR);
    }

    /** Each line with its place in the file, without a pass to count lines: (split << 40) + offset in the split. */
    private static Iterator<Tuple2<Long, String>> placed(int split, Iterator<String> lines) {
        long[] next = {(long) split << SPLIT_SHIFT};
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return lines.hasNext();
            }

            @Override
            public Tuple2<Long, String> next() {
                return new Tuple2<>(next[0]++, lines.next());
            }
        };
    }

    /** Diginetica: sessions as logged; the last 7 days' sessions are the test set. */
    Dataset<Row>[] splitDiginetica(Dataset<Row> clicks) {
        Dataset<Row> t = clicks.select(col(SESSION).as(GROUP), col(SESSION), col(ITEM), col(TIME),
                struct(col(SESSION), col(TIME), col(LINE)).as(ORDER));
        t = filterShortSessions(t, RawDataset.MIN_SESSION_LENGTH);
        t = truncateLongSessions(t, RawDataset.MAX_SESSION_LENGTH);
        t = filterInfrequentItems(t, RawDataset.MIN_ITEM_SUPPORT);
        t = filterShortSessions(t, RawDataset.MIN_SESSION_LENGTH).localCheckpoint(true);
        Row maxTime = t.agg(max(TIME)).first();
        long split = maxTime.isNullAt(0) ? 0 : maxTime.getLong(0) - Duration.ofDays(7).toMillis();
        Dataset<Row> ended = t.withColumn("end", max(TIME).over(Window.partitionBy(GROUP, SESSION)));
        return pair(ended.where(col("end").lt(split)).drop("end"), ended.where(col("end").geq(split)).drop("end"));
    }

    /** Gowalla and Last.fm: a user's clicks split into sessions at gaps; 20% of sessions by end time are tests. */
    Dataset<Row>[] splitCheckins(RawDataset format, Dataset<Row> clicks, int topItems) {
        // pd.factorize numbers users by first appearance, and the table is sorted by that number.
        Dataset<Row> users = clicks.groupBy(USER).agg(min(LINE).as(GROUP));
        Dataset<Row> t = clicks.join(users, USER);
        WindowSpec byUser = Window.partitionBy(GROUP).orderBy(TIME, LINE);
        Column previous = lag(TIME, 1).over(byUser);
        Column starts = previous.isNull().or(col(TIME).minus(previous).gt(format.sessionGap().toMillis()));
        t = t.withColumn("start", when(starts, col(LINE)))
                .withColumn(SESSION, last(col("start"), true).over(byUser.rowsBetween(Window.unboundedPreceding(), Window.currentRow())))
                .select(col(GROUP), col(SESSION), col(ITEM), col(TIME), struct(col(GROUP), col(TIME), col(LINE)).as(ORDER));
        WindowSpec inSession = Window.partitionBy(GROUP, SESSION).orderBy(ORDER);
        t = t.withColumn("before", lag(ITEM, 1).over(inSession))
                .where(col("before").isNull().or(col("before").notEqual(col(ITEM)))).drop("before");
        t = truncateLongSessions(t, RawDataset.MAX_SESSION_LENGTH);
        t = keepTopNItems(t, topItems);
        t = filterUntilAllLongAndFrequent(t, RawDataset.MIN_SESSION_LENGTH, RawDataset.MIN_ITEM_SUPPORT);
        Dataset<Row> ranks = endTimeRanks(sessions(t));
        Dataset<Row> ranked = t.join(ranks, SESSION);
        long numSessions = ranks.count();
        long numTests = (long) (numSessions * 0.2);
        long firstTest = numTests == 0 ? 0 : numSessions - numTests;
        return pair(ranked.where(col("rank").lt(firstTest)).drop("rank"), ranked.where(col("rank").geq(firstTest)).drop("rank"));
    }

    static Dataset<Row> filterShortSessions(Dataset<Row> t, int minLength) {
        return t.withColumn("n", count(lit(1)).over(Window.partitionBy(GROUP, SESSION))).where(col("n").geq(minLength)).drop("n");
    }

    /** Item counts are aggregated and joined back: the clicks are not moved to their items. */
    static Dataset<Row> filterInfrequentItems(Dataset<Row> t, int minSupport) {
        Dataset<Row> frequent = t.groupBy(ITEM).count().where(col("count").geq(minSupport)).select(ITEM);
        return t.join(frequent, ITEM, "left_semi");
    }

    /** The first {@code maxLength} clicks of each session in table order. */
    static Dataset<Row> truncateLongSessions(Dataset<Row> t, int maxLength) {
        return t.withColumn("k", row_number().over(Window.partitionBy(GROUP, SESSION).orderBy(ORDER)))
                .where(col("k").leq(maxLength)).drop("k");
    }

    /** One row per session: its end time and its first click's place in table order. */
    static Dataset<Row> sessions(Dataset<Row> t) {
        return t.groupBy(GROUP, SESSION).agg(max(TIME).as("end"), min(ORDER).as("first"));
    }

    /** The {@code n} most clicked items; ties at the cut go to the item met first in table order (pandas' nlargest). */
    static Dataset<Row> keepTopNItems(Dataset<Row> t, int n) {
        Dataset<Row> support = t.groupBy(ITEM).agg(count(lit(1)).as("n"), min(ORDER).as("first"));
        Dataset<Row> top = support.orderBy(col("n").desc(), col("first")).limit(n).select(ITEM);
        return t.join(top, ITEM, "left_semi");
    }

    /** Alternates the two filters until neither removes a click; each round is cached so the plan stays short. */
    static Dataset<Row> filterUntilAllLongAndFrequent(Dataset<Row> t, int minLength, int minSupport) {
        t = t.persist(StorageLevel.MEMORY_AND_DISK());
        long rows = t.count();
        while (true) {
            Dataset<Row> filtered = filterInfrequentItems(filterShortSessions(t, minLength), minSupport)
                    .localCheckpoint(true);
            long left = filtered.count();
            t.unpersist();
            if (left == rows) {
                return filtered;
            }
            t = filtered;
            rows = left;
        }
    }

    /**
     * Each session's rank by end time, as NumPy's quicksort argsort of the end times in order of the
     * sessions' first appearance ranks them (ties included): columns {@value #SESSION}, {@code rank};
     * {@code sessions} has one row per session with {@code end} and {@code first} ({@link #sessions}).
     */
    Dataset<Row> endTimeRanks(Dataset<Row> sessions) {
        JavaRDD<Row> ordered = sessions.orderBy("first").select(SESSION, "end").javaRDD().persist(StorageLevel.MEMORY_AND_DISK());
        try {
            LongArrayList end = new LongArrayList();
            for (Iterator<Row> it = ordered.toLocalIterator(); it.hasNext(); ) {
                end.add(it.next().getLong(1));
            }
            int[] sorted = NumpyArgsort.quicksort(end.toLongArray());
            int[] rankOf = new int[sorted.length];
            for (int i = 0; i < sorted.length; i++) {
                rankOf[sorted[i]] = i;
            }
            Broadcast<int[]> ranks = jsc.broadcast(rankOf);
            JavaRDD<Row> ranked = ordered.zipWithIndex().map(s -> RowFactory.create(s._1().getLong(0), ranks.value()[(int) (long) s._2()]));
            StructType schema = new StructType().add(SESSION, DataTypes.LongType, false).add("rank", DataTypes.IntegerType, false);
            return spark.createDataFrame(ranked, schema).localCheckpoint(true);
        } finally {
            ordered.unpersist(false);
        }
    }

    /** The original's {@code save_dataset}: test clicks on unseen items dropped, items numbered, sessions ordered, files written. */
    Summary save(String datasetDir, Dataset<Row> train, Dataset<Row> test) {
        train = train.localCheckpoint(true);
        // Training items numbered by first appearance; the same rows are the set test clicks must be in.
        JavaRDD<Row> firstSeen = train.groupBy(ITEM).agg(min(ORDER).as("first")).orderBy("first").select(ITEM).javaRDD();
        Dataset<Row> itemIds = spark.createDataFrame(firstSeen.zipWithIndex().map(i -> RowFactory.create(i._1().getString(0), (int) (long) i._2())),
                new StructType().add(ITEM, DataTypes.StringType, false).add("id", DataTypes.IntegerType, false)).localCheckpoint(true);
        test = filterShortSessions(test.join(itemIds.select(ITEM), ITEM, "left_semi"), RawDataset.MIN_SESSION_LENGTH).localCheckpoint(true);
        long trainClicks = train.count();
        long testClicks = test.count();
        long numItems = itemIds.count();
        log.println("No. of Clicks: " + (trainClicks + testClicks));
        log.println("No. of Items: " + numItems);
        if (trainClicks == 0 || testClicks == 0) {
            throw new IllegalArgumentException("the log is too small: preprocessing leaves " + trainClicks
                    + " training and " + testClicks + " test clicks; LESSR needs both");
        }
        Dataset<Row> trainLines = sessionLines(train, itemIds);
        Dataset<Row> testLines = sessionLines(test, itemIds);
        long[] sessions = new long[2];
        log.println("saving dataset to " + datasetDir);
        AtomicOutput.write(datasetDir, jsc.hadoopConfiguration(), tmp -> {
            FileSystem fs = tmp.getFileSystem(jsc.hadoopConfiguration());
            sessions[0] = writeLines(fs, trainLines, tmp, "train.txt");
            sessions[1] = writeLines(fs, testLines, tmp, "test.txt");
            try (OutputStream out = fs.create(new Path(tmp, "num_items.txt"))) {
                out.write(Long.toString(numItems).getBytes(StandardCharsets.UTF_8));
            }
        });
        return new Summary((int) (trainClicks + testClicks), (int) numItems, (int) sessions[0], (int) sessions[1]);
    }

    /**
     * One line per session in end-time order: its items by time (then table order), renumbered,
     * comma-joined. Sessions are gathered within their group first, so only session rows move.
     */
    private Dataset<Row> sessionLines(Dataset<Row> t, Dataset<Row> itemIds) {
        Dataset<Row> sessions = t.join(itemIds, ITEM).groupBy(GROUP, SESSION)
                .agg(max(TIME).as("end"), min(ORDER).as("first"), expr("sort_array(collect_list(struct(time, tableOrder, id)))").as("clicks"))
                .localCheckpoint(true);
        return sessions.join(endTimeRanks(sessions), SESSION)
                .orderBy("rank")
                .select(expr("concat_ws(',', transform(clicks, c -> cast(c.id as string)))").as("value"));
    }

    private static long writeLines(FileSystem fs, Dataset<Row> lines, Path dir, String name) throws IOException {
        Path parts = new Path(dir, "." + name + ".parts");
        Dataset<Row> one = lines.coalesce(1).persist(StorageLevel.MEMORY_AND_DISK());
        try {
            one.write().text(parts.toString());
            AtomicOutput.moveSinglePart(fs, parts, new Path(dir, name));
            return one.count();
        } finally {
            one.unpersist();
        }
    }

    @SuppressWarnings("unchecked")
    private static Dataset<Row>[] pair(Dataset<Row> a, Dataset<Row> b) {
        return new Dataset[] {a, b};
    }
}
