package io.lessr.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lessr.data.DatasetFormatException;
import io.lessr.data.preprocess.Preprocessing;
import io.lessr.data.preprocess.RawDataset;
import io.lessr.data.preprocess.SyntheticRawLog;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class SparkPreprocessTest {
    @TempDir
    Path tmp;

    private static PrintStream quiet() {
        return new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    }

    private static void assertSameBytes(Path expected, Path actual) throws IOException {
        for (String f : List.of("train.txt", "test.txt", "num_items.txt")) {
            assertEquals(-1L, Files.mismatch(expected.resolve(f), actual.resolve(f)), f + " differs");
        }
        try (Stream<Path> files = Files.list(actual)) {
            assertEquals(3, files.count(), "only the three dataset files");
        }
    }

    @ParameterizedTest
    @EnumSource(RawDataset.class)
    void syntheticLogGivesTheSameBytesAsPreprocess(RawDataset format) throws IOException {
        Path raw = tmp.resolve(format.rawFileName());
        SyntheticRawLog.write(format, 40_000, 3, raw);
        Path single = tmp.resolve("single");
        Preprocessing.Summary expected = format.preprocess(raw, single, 1500, quiet());
        Path spark = tmp.resolve("spark");
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        Preprocessing.Summary actual = new SparkPreprocess(LocalSpark.get(), new PrintStream(log, true, StandardCharsets.UTF_8))
                .run(format, raw.toString(), spark.toString(), 1500);
        assertSameBytes(single, spark);
        assertEquals(expected, actual);
        assertTrue(log.toString(StandardCharsets.UTF_8).contains("No. of Clicks: " + expected.numClicks() + "\n"), log.toString());
    }

    @Test
    void gzippedLogGivesTheSameBytes() throws IOException {
        Path raw = tmp.resolve("lastfm.tsv");
        SyntheticRawLog.write(RawDataset.LASTFM, 20_000, 5, raw);
        Path gz = tmp.resolve("lastfm.tsv.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(gz))) {
            Files.copy(raw, out);
        }
        RawDataset.LASTFM.preprocess(raw, tmp.resolve("single"), 1000, quiet());
        new SparkPreprocess(LocalSpark.get(), quiet()).run(RawDataset.LASTFM, gz.toString(), tmp.resolve("spark").toString(), 1000);
        assertSameBytes(tmp.resolve("single"), tmp.resolve("spark"));
    }

    @Test
    void badLineIsNamedWithItsFileAndLineAndNothingIsWritten() throws IOException {
        Path raw = tmp.resolve("views.csv");
        SyntheticRawLog.write(RawDataset.DIGINETICA, 20_000, 7, raw);
        List<String> lines = Files.readAllLines(raw);
        String[] fields = lines.get(12_345).split(";", -1);
        fields[2] = "12x";
        lines.set(12_345, String.join(";", fields));
        lines.set(15_000, "1;2");
        Files.write(raw, lines);
        Path out = tmp.resolve("out");
        DatasetFormatException e = assertThrows(DatasetFormatException.class,
                () -> new SparkPreprocess(LocalSpark.get(), quiet()).run(RawDataset.DIGINETICA, raw.toString(), out.toString(), 0));
        DatasetFormatException single = assertThrows(DatasetFormatException.class,
                () -> RawDataset.DIGINETICA.preprocess(raw, out, quiet()));
        assertEquals(single.getMessage(), e.getMessage());
        assertTrue(e.getMessage().startsWith(raw + ":12346: itemId '12x'"), e.getMessage());
        try (Stream<Path> left = Files.list(tmp)) {
            assertEquals(List.of("views.csv"), left.map(p -> p.getFileName().toString()).toList());
        }
    }
}
