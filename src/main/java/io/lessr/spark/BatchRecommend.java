package io.lessr.spark;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.monotonically_increasing_id;
import static org.apache.spark.sql.functions.when;

import io.lessr.data.DatasetFormatException;
import io.lessr.model.SavedModel;
import io.lessr.serve.Recommender;
import io.lessr.serve.Recommender.Recommendation;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.SparkEnv;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.util.LongAccumulator;

/**
 * Top-K next items for many sessions with a saved model, as a Spark job: the model folder is
 * shipped to every executor ({@code SparkContext.addFile}) and loaded there once per JVM
 * ({@link ExecutorModels}); each partition is scored in batches of {@code batch} sessions by
 * {@link Recommender}, so every session gets the answer {@code recommend} gives it.
 *
 * <p>Input: Parquet with columns {@value #SESSION_ID} (any type) and {@value #ITEMS} (an array of
 * integer item ids in click order), or text with one session a line, {@code id<TAB>3,17,5} or
 * just {@code 3,17,5} (the dataset format; the id is then the line number). Output: Parquet with
 * {@value #SESSION_ID}, {@value #ITEMS} and {@value #SCORES} (arrays, best first), or text lines
 * {@code id<TAB>item:score,...} in input order, written atomically ({@link AtomicOutput}).
 */
public final class BatchRecommend {
    public static final String SESSION_ID = "session_id";
    public static final String ITEMS = "items";
    public static final String SCORES = "scores";
    private static final String ORDER = "input_order";
    private static final String ERROR = "error";

    /** What to score and how. {@code inputFormat} and {@code outputFormat}: parquet or text ({@code inputFormat} may be auto). */
    public record Options(String model, String input, String output, int k, boolean excludeSeen, int batch,
            String inputFormat, String outputFormat, String device, int partitions) {
        /** With the input's own partitioning. */
        public Options(String model, String input, String output, int k, boolean excludeSeen, int batch,
                String inputFormat, String outputFormat, String device) {
            this(model, input, output, k, excludeSeen, batch, inputFormat, outputFormat, device, 0);
        }

        public Options {
            if (partitions < 0) {
                throw new IllegalArgumentException("partitions must be at least 1 (or 0: as the input is split), got " + partitions);
            }
            if (k < 1) {
                throw new IllegalArgumentException("k must be at least 1, got " + k);
            }
            if (batch < 1) {
                throw new IllegalArgumentException("batch must be at least 1, got " + batch);
            }
            inputFormat = format(inputFormat, "input", true);
            outputFormat = format(outputFormat, "output", false);
        }

        private static String format(String f, String what, boolean autoAllowed) {
            String n = f == null ? (autoAllowed ? "auto" : "parquet") : f.toLowerCase(Locale.ROOT);
            if (!n.equals("parquet") && !n.equals("text") && !(autoAllowed && n.equals("auto"))) {
                throw new IllegalArgumentException(what + " format must be parquet or text" + (autoAllowed ? " or auto" : "") + ", got " + f);
            }
            return n;
        }
    }

    /** What a run did. */
    public record Summary(long sessions, long modelLoads, int partitions) {}

    private final SparkSession spark;
    private final JavaSparkContext jsc;

    public BatchRecommend(SparkSession spark) {
        this.spark = spark;
        this.jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    }

    public Summary run(Options o) {
        Path modelDir = Path.of(o.model()).toAbsolutePath().normalize();
        int numItems = SavedModel.readConfig(modelDir).numItems();
        if (o.k() > numItems) {
            throw new IllegalArgumentException("k must lie in [1, " + numItems + "], got " + o.k());
        }
        Sessions input = read(o, numItems);
        Dataset<Row> sessions = input.rows();
        if (o.partitions() > 0) {
            sessions = sessions.repartition(o.partitions());
        }
        ShippedModel shipped = ship(modelDir);
        LongAccumulator loads = spark.sparkContext().longAccumulator("lessr model loads");
        StructType schema = new StructType()
                .add(SESSION_ID, sessions.schema().apply(SESSION_ID).dataType(), true)
                .add(ITEMS, DataTypes.createArrayType(DataTypes.IntegerType, false), false)
                .add(SCORES, DataTypes.createArrayType(DataTypes.FloatType, false), false)
                .add(ORDER, DataTypes.LongType, false);
        int k = o.k();
        boolean excludeSeen = o.excludeSeen();
        int batch = o.batch();
        String device = o.device();
        JavaRDD<Row> scored = sessions.select(SESSION_ID, ITEMS, ORDER).javaRDD().mapPartitions(rows -> {
            Recommender r = ExecutorModels.get(shipped, device, executorCores(), batch, loads);
            return scoreInBatches(r, rows, k, excludeSeen, batch);
        });
        // Kept: the text output's sort samples its input before sorting it, which would score twice.
        Dataset<Row> out = spark.createDataFrame(scored, schema).persist(StorageLevel.MEMORY_AND_DISK());
        try {
            AtomicOutput.write(o.output(), jsc.hadoopConfiguration(), tmp -> {
                Dataset<Row> written;
                if (o.outputFormat().equals("text")) {
                    JavaRDD<Row> lines = out.orderBy(ORDER).javaRDD().map(row -> RowFactory.create(row.get(0) + "\t" + Recommendation.toText(
                            recommendations(row.getList(1), row.getList(2)))));
                    written = spark.createDataFrame(lines, new StructType().add("value", DataTypes.StringType, false));
                    written.write().text(tmp.toString());
                } else {
                    written = out.drop(ORDER);
                    written.write().parquet(tmp.toString());
                }
            });
        } finally {
            out.unpersist();
        }
        return new Summary(input.count(), loads.value(), sessions.rdd().getNumPartitions());
    }

    /**
     * Sends the model folder's files to the executors as one broadcast variable, which each
     * executor fetches once ({@code addFile} takes folders only in local mode, and a model is a few
     * megabytes).
     */
    private ShippedModel ship(Path modelDir) {
        Map<String, byte[]> files = new TreeMap<>();
        MessageDigest sha = sha256();
        try (Stream<Path> list = Files.list(modelDir)) {
            for (Path f : list.filter(Files::isRegularFile).sorted().toList()) {
                byte[] bytes = Files.readAllBytes(f);
                files.put(f.getFileName().toString(), bytes);
                sha.update(f.getFileName().toString().getBytes(StandardCharsets.UTF_8));
                sha.update(bytes);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the model in " + modelDir + ": " + e.getMessage(), e);
        }
        // Named by content: a JVM that already loaded the same model (a notebook's local session) reuses it.
        return new ShippedModel("lessr-model-" + HexFormat.of().formatHex(sha.digest(), 0, 8), jsc.broadcast(files));
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<Recommendation> recommendations(List<Integer> items, List<Float> scores) {
        List<Recommendation> top = new ArrayList<>(items.size());
        for (int i = 0; i < items.size(); i++) {
            top.add(new Recommendation(items.get(i), scores.get(i)));
        }
        return top;
    }

    /** The cores of this executor: its task slots, and so the recommender's scoring threads. */
    private static int executorCores() {
        int cores = Runtime.getRuntime().availableProcessors();
        SparkEnv env = SparkEnv.get();
        return env == null ? cores : Math.max(1, Math.min(cores, env.conf().getInt("spark.executor.cores", cores)));
    }

    private static Iterator<Row> scoreInBatches(Recommender r, Iterator<Row> rows, int k, boolean excludeSeen, int batch) {
        return new Iterator<>() {
            private Iterator<Row> current = List.<Row>of().iterator();

            @Override
            public boolean hasNext() {
                while (!current.hasNext() && rows.hasNext()) {
                    List<Row> chunk = new ArrayList<>(batch);
                    List<List<Integer>> sessions = new ArrayList<>(batch);
                    while (rows.hasNext() && chunk.size() < batch) {
                        Row row = rows.next();
                        chunk.add(row);
                        sessions.add(row.getList(1));
                    }
                    List<List<Recommendation>> top = r.recommendAll(sessions, k, excludeSeen);
                    List<Row> out = new ArrayList<>(chunk.size());
                    for (int i = 0; i < chunk.size(); i++) {
                        List<Recommendation> best = top.get(i);
                        Integer[] items = new Integer[best.size()];
                        Float[] scores = new Float[best.size()];
                        for (int j = 0; j < items.length; j++) {
                            items[j] = best.get(j).item();
                            scores[j] = best.get(j).score();
                        }
                        out.add(RowFactory.create(chunk.get(i).get(0), items, scores, chunk.get(i).getLong(2)));
                    }
                    current = out.iterator();
                }
                return current.hasNext();
            }

            @Override
            public Row next() {
                if (!hasNext()) {
                    throw new java.util.NoSuchElementException();
                }
                return current.next();
            }
        };
    }

    /** The input's sessions and how many there are. */
    record Sessions(Dataset<Row> rows, long count) {}

    /** Sessions with {@value #SESSION_ID}, {@value #ITEMS} (array of int) and their input order; a bad row is an error naming it. */
    Sessions read(Options o, int numItems) {
        String input = o.input();
        boolean parquet;
        try {
            org.apache.hadoop.fs.Path path = new org.apache.hadoop.fs.Path(input);
            FileSystem fs = path.getFileSystem(jsc.hadoopConfiguration());
            if (!fs.exists(path)) {
                throw new DatasetFormatException(input, 0, "no such file or folder");
            }
            parquet = switch (o.inputFormat()) {
                case "parquet" -> true;
                case "text" -> false;
                default -> fs.getFileStatus(path).isDirectory() || input.toLowerCase(Locale.ROOT).endsWith(".parquet");
            };
        } catch (IOException e) {
            throw new DatasetFormatException(input, 0, "cannot read: " + e.getMessage());
        }
        Dataset<Row> sessions = parquet ? readParquet(input) : readText(input);
        // Checked before any scoring, so a bad row fails the job at once with its name.
        Column bad = expr(ERROR + " IS NOT NULL OR " + ITEMS + " IS NULL OR size(" + ITEMS + ") = 0 OR exists("
                + ITEMS + ", i -> i IS NULL OR i < 0 OR i >= " + numItems + ")");
        Row counts = sessions.agg(count(lit(1)), min(when(bad, col(ORDER)))).first();
        if (!counts.isNullAt(1)) {
            Row row = sessions.where(col(ORDER).equalTo(counts.getLong(1))).first();
            if (!row.isNullAt(row.fieldIndex(ERROR))) {
                throw new DatasetFormatException(input, row.getLong(row.fieldIndex(ORDER)), row.getString(row.fieldIndex(ERROR)));
            }
            String where = parquet ? input + ": session_id " + row.get(row.fieldIndex(SESSION_ID)) : input + ":" + row.getLong(row.fieldIndex(ORDER));
            List<Integer> items = row.isNullAt(row.fieldIndex(ITEMS)) ? List.of() : row.getList(row.fieldIndex(ITEMS));
            throw new IllegalArgumentException(where + ": " + (items.isEmpty() ? "the session is empty"
                    : "item ids must lie in [0, " + (numItems - 1) + "] (the model's items), got " + items));
        }
        // Every id now fits an int: cast after the check, where ANSI mode would fail a task on overflow.
        return new Sessions(sessions.drop(ERROR).withColumn(ITEMS, col(ITEMS).cast(DataTypes.createArrayType(DataTypes.IntegerType))),
                counts.getLong(0));
    }

    private Dataset<Row> readParquet(String input) {
        Dataset<Row> df;
        try {
            df = spark.read().parquet(input);
        } catch (Exception e) { // Spark's AnalysisException is a checked exception to Java
            throw new DatasetFormatException(input, 0, "not readable as Parquet: " + e.getMessage().lines().findFirst().orElse(""));
        }
        StructType s = df.schema();
        boolean hasId = List.of(s.fieldNames()).contains(SESSION_ID);
        boolean hasItems = List.of(s.fieldNames()).contains(ITEMS);
        DataType items = hasItems ? s.apply(ITEMS).dataType() : null;
        if (!hasId || !(items instanceof ArrayType a) || !isInteger(a.elementType())) {
            throw new DatasetFormatException(input, 0, "expected the columns " + SESSION_ID + " and " + ITEMS
                    + " (an array of integer item ids), found " + describe(s));
        }
        return df.select(col(SESSION_ID), col(ITEMS))
                .withColumn(ORDER, monotonically_increasing_id()).withColumn(ERROR, lit(null).cast(DataTypes.StringType));
    }

    private Dataset<Row> readText(String input) {
        JavaRDD<Row> rows = jsc.textFile(input).zipWithIndex().flatMap(l -> {
            long line = l._2() + 1;
            String text = l._1();
            if (text.isBlank()) {
                return List.<Row>of().iterator();
            }
            int tab = text.indexOf('\t');
            String id = tab >= 0 ? text.substring(0, tab) : Long.toString(line);
            String[] fields = (tab >= 0 ? text.substring(tab + 1) : text).split(",", -1);
            Integer[] items = new Integer[fields.length];
            for (int i = 0; i < fields.length; i++) {
                try {
                    items[i] = Integer.parseInt(fields[i].trim());
                } catch (NumberFormatException e) {
                    return List.of(RowFactory.create(id, null, line, "item id '" + fields[i] + "' is not an integer "
                            + "(expected a line 'session-id<TAB>3,17,5' or '3,17,5')")).iterator();
                }
            }
            return List.of(RowFactory.create(id, items, line, null)).iterator();
        });
        StructType schema = new StructType().add(SESSION_ID, DataTypes.StringType, false)
                .add(ITEMS, DataTypes.createArrayType(DataTypes.IntegerType, true), true).add(ORDER, DataTypes.LongType, false)
                .add(ERROR, DataTypes.StringType, true);
        return spark.createDataFrame(rows, schema);
    }

    private static boolean isInteger(DataType t) {
        return t.equals(DataTypes.IntegerType) || t.equals(DataTypes.LongType) || t.equals(DataTypes.ShortType) || t.equals(DataTypes.ByteType);
    }

    private static String describe(StructType s) {
        List<String> fields = new ArrayList<>();
        for (StructField f : s.fields()) {
            fields.add(f.name() + " " + f.dataType().simpleString());
        }
        return fields.isEmpty() ? "no columns" : String.join(", ", fields);
    }
}
