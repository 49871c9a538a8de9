package io.lessr.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lessr.cli.MainAccess;
import io.lessr.data.DatasetFormatException;
import io.lessr.serve.Recommender;
import io.lessr.serve.Recommender.Recommendation;

import ai.djl.Device;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BatchRecommendTest {
    @TempDir
    Path tmp;

    private static BatchRecommend.Options options(Path model, Path input, Path output, String outputFormat) {
        return new BatchRecommend.Options(model.toString(), input.toString(), output.toString(), 20, false, 256, "auto", outputFormat, "cpu");
    }

    /** Parquet in, Parquet out: every session's items as Recommender gives them, scores to float rounding. */
    @Test
    void parquetRecommendationsEqualRecommenderOnTheTestPrefixes() throws IOException {
        SampleSizeModel m = SampleSizeModel.get();
        SparkSession spark = LocalSpark.get();
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < m.prefixes.size(); i++) {
            rows.add(RowFactory.create((long) i, m.prefixes.get(i).toArray(new Integer[0])));
        }
        StructType schema = new StructType().add("session_id", DataTypes.LongType).add("items", DataTypes.createArrayType(DataTypes.IntegerType));
        Path input = tmp.resolve("sessions.parquet");
        spark.createDataFrame(rows, schema).repartition(6).write().parquet(input.toString());
        Path output = tmp.resolve("top");
        BatchRecommend.Summary s = new BatchRecommend(spark).run(options(m.model, input, output, "parquet"));
        assertEquals(m.prefixes.size(), s.sessions());
        assertTrue(s.modelLoads() <= 1, "one JVM loads the model at most once: " + s.modelLoads());

        Map<Long, Row> byId = new HashMap<>();
        for (Row r : spark.read().parquet(output.toString()).collectAsList()) {
            byId.put(r.getLong(0), r);
        }
        assertEquals(m.prefixes.size(), byId.size());
        try (Recommender r = Recommender.load(m.model, Device.cpu(), 2, 256)) {
            List<List<Recommendation>> expected = r.recommendAll(m.prefixes, 20, false);
            for (int i = 0; i < expected.size(); i++) {
                Row got = byId.get((long) i);
                List<Integer> items = got.getList(1);
                List<Float> scores = got.getList(2);
                assertEquals(expected.get(i).stream().map(Recommendation::item).toList(), items, "session " + i);
                for (int j = 0; j < items.size(); j++) {
                    assertEquals(expected.get(i).get(j).score(), scores.get(j), 1e-6, "session " + i + " rank " + j);
                }
            }
        }
        try (Stream<Path> left = listHidden()) {
            assertEquals(List.of(), left.toList(), "no temporary folders left");
        }
    }

    /** Text in the dataset format, text out: line for line what {@code recommend --input} prints. */
    @Test
    void textOutputEqualsTheRecommendCommand() throws IOException {
        SampleSizeModel m = SampleSizeModel.get();
        Path input = m.writePrefixes(tmp.resolve("prefixes.txt"), false);
        Path output = tmp.resolve("top.txt");
        // what a run killed while writing leaves behind: removed by the next run for the same target
        Path leftover = Files.createDirectories(tmp.resolve(".top.txt.tmp-" + java.util.UUID.randomUUID()));
        Files.writeString(leftover.resolve("part-00000"), "half a result");
        new BatchRecommend(LocalSpark.get()).run(options(m.model, input, output, "text"));
        assertTrue(Files.notExists(leftover), "a killed run's temporary folder is removed");
        List<String> batch = new ArrayList<>();
        try (Stream<Path> parts = Files.list(output)) {
            for (Path part : parts.filter(p -> p.getFileName().toString().startsWith("part-")).sorted().toList()) {
                batch.addAll(Files.readAllLines(part));
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream previous = System.out;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            assertEquals(0, MainAccess.commandLine().execute("recommend", "--model", m.model.toString(), "--input", input.toString(),
                    "--device", "cpu"));
        } finally {
            System.setOut(previous);
        }
        List<String> single = out.toString(StandardCharsets.UTF_8).lines().toList();
        List<String> numbered = new ArrayList<>();
        for (int i = 0; i < single.size(); i++) {
            numbered.add((i + 1) + "\t" + single.get(i));
        }
        RecommendationLines.assertSame(numbered, batch);
    }

    @Test
    void badInputIsNamedAndNothingIsWritten() throws IOException {
        SampleSizeModel m = SampleSizeModel.get();
        BatchRecommend job = new BatchRecommend(LocalSpark.get());
        Path output = tmp.resolve("out");
        Files.createDirectories(output);
        Files.writeString(output.resolve("keep.txt"), "an earlier result");

        Path text = tmp.resolve("bad.txt");
        Files.write(text, List.of("a\t1,2,3", "b\t4,x,6", "c\t7"));
        DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> job.run(options(m.model, text, output, "parquet")));
        assertEquals(text + ":2: item id 'x' is not an integer (expected a line 'session-id<TAB>3,17,5' or '3,17,5')", e.getMessage());

        Files.write(text, List.of("a\t1,2,3", "b\t4,3429,6"));
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> job.run(options(m.model, text, output, "parquet")));
        assertEquals(text + ":2: item ids must lie in [0, 3428] (the model's items), got [4, 3429, 6]", unknown.getMessage());

        Path parquet = tmp.resolve("wrong.parquet");
        LocalSpark.get().range(3).withColumnRenamed("id", "session").write().parquet(parquet.toString());
        DatasetFormatException schema = assertThrows(DatasetFormatException.class, () -> job.run(options(m.model, parquet, output, "parquet")));
        assertTrue(schema.getMessage().contains("expected the columns session_id and items (an array of integer item ids), found session bigint"),
                schema.getMessage());

        assertThrows(DatasetFormatException.class, () -> job.run(options(m.model, tmp.resolve("missing.txt"), output, "parquet")));
        assertEquals("an earlier result", Files.readString(output.resolve("keep.txt")), "the earlier output is untouched");
        try (Stream<Path> left = listHidden()) {
            assertEquals(List.of(), left.toList(), "no temporary folders left");
        }
    }

    private Stream<Path> listHidden() throws IOException {
        return Files.list(tmp).filter(p -> p.getFileName().toString().startsWith("."));
    }

}
