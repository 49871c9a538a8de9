package io.lessr.data.preprocess;

import static io.lessr.data.preprocess.Preprocessing.ITEM;
import static io.lessr.data.preprocess.Preprocessing.SESSION;
import static io.lessr.data.preprocess.Preprocessing.TIME;
import static io.lessr.data.preprocess.Preprocessing.USER;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lessr.data.DatasetFormatException;
import io.lessr.data.SessionDataset;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.LongColumn;
import tech.tablesaw.api.Table;

/**
 * Every rule of the original preprocessing on small hand-written logs whose outputs were worked
 * out by hand (and agree with the original Python pipeline on pandas 1.5). The Diginetica log
 * (src/test/resources/preprocess/diginetica) has rows out of time order, a one-click session, a
 * session of 25 clicks, a rare item, a session end-time tie, test sessions after the 7-day cut and
 * an item clicked only in test sessions. The Last.fm log has users listed newest first, a missing
 * artist id, quoted names (one holding a tab), an immediate repeat, gaps of exactly 8 hours (same
 * session) and 8 h 1 min (new session), and a test session whose unknown items are dropped.
 */
class PreprocessingTest {
    private static final long MIN = 60_000L;
    private static final long DAY = 1440 * MIN;

    @TempDir
    Path tmp;

    private static Path resource(String name) throws URISyntaxException {
        return Path.of(PreprocessingTest.class.getResource("/preprocess/" + name).toURI());
    }

    private String preprocess(RawDataset raw, Path out) throws URISyntaxException {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        raw.preprocess(resource(raw.id() + "/" + raw.rawFileName()), out, new PrintStream(log, true, StandardCharsets.UTF_8));
        return log.toString(StandardCharsets.UTF_8);
    }

    private static void assertSameFiles(Path expected, Path actual) throws IOException {
        for (String f : List.of("train.txt", "test.txt", "num_items.txt")) {
            assertEquals(Files.readString(expected.resolve(f)), Files.readString(actual.resolve(f)), f);
        }
        try (Stream<Path> files = Files.list(actual)) {
            assertEquals(3, files.count(), "only the three dataset files");
        }
    }

    /** Preprocesses the hand-written log of {@code raw}; checks the files and the printed counts. */
    private Path assertHandWorked(RawDataset raw, int clicks, int items) throws Exception {
        Path out = tmp.resolve(raw.id());
        String log = preprocess(raw, out);
        assertSameFiles(resource(raw.id() + "/expected"), out);
        assertTrue(log.contains("No. of Clicks: " + clicks + "\nNo. of Items: " + items + "\n"), log);
        return out;
    }

    @Test
    void digineticaLogGivesTheHandWorkedDataset() throws Exception {
        Path out = assertHandWorked(RawDataset.DIGINETICA, 31, 3);
        // an ordinary folder, not the private one a temporary folder starts as
        assertEquals("rwxr-xr-x", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(out)));
        // and the kit reads what it wrote
        SessionDataset d = SessionDataset.read(out);
        assertEquals(3, d.numItems());
    }

    @Test
    void lastfmLogGivesTheHandWorkedDataset() throws Exception {
        assertHandWorked(RawDataset.LASTFM, 17, 3);
    }

    @Test
    void gzipAndZipLogsReadLikeThePlainFile() throws Exception {
        Path plain = resource("diginetica/" + RawDataset.DIGINETICA.rawFileName());
        byte[] bytes = Files.readAllBytes(plain);
        Path gz = tmp.resolve("train-item-views.csv.gz");
        try (var out = new java.util.zip.GZIPOutputStream(Files.newOutputStream(gz))) {
            out.write(bytes);
        }
        Path zip = tmp.resolve("dataset-train-diginetica.zip");
        try (var out = new java.util.zip.ZipOutputStream(Files.newOutputStream(zip))) {
            out.putNextEntry(new java.util.zip.ZipEntry("dataset-train-diginetica/"));
            out.putNextEntry(new java.util.zip.ZipEntry("dataset-train-diginetica/train-item-views.csv"));
            out.write(bytes);
        }
        Table expected = RawDataset.DIGINETICA.read(plain);
        for (Path compressed : List.of(gz, zip)) {
            Table t = RawDataset.DIGINETICA.read(compressed);
            assertEquals(expected.rowCount(), t.rowCount(), compressed.toString());
            assertArrayEquals(expected.intColumn(ITEM).asIntArray(), t.intColumn(ITEM).asIntArray());
            assertArrayEquals(expected.longColumn(TIME).asLongArray(), t.longColumn(TIME).asLongArray());
        }
    }

    @Test
    void pandasMissingValueStringsDropTheRow() throws IOException {
        StringBuilder log = new StringBuilder();
        List<String> missing = List.of("", "NA", "N/A", "#N/A N/A", "null", "NaN", "-nan", "<NA>");
        for (int i = 0; i < missing.size(); i++) {
            log.append("u\t2009-05-04T23:08:").append(10 + i).append("Z\t").append(missing.get(i)).append("\tA\t\tT\n");
        }
        // not among pandas 1.5's strings: items
        log.append("u\t2009-05-04T23:09:00Z\tNAN\tA\t\tT\n").append("u\t2009-05-04T23:09:01Z\tNone\tA\t\tT\n");
        Table t = RawDataset.LASTFM.read(Files.writeString(tmp.resolve("na.tsv"), log));
        assertEquals(2, t.rowCount());
    }

    @Test
    void gowallaReadsUserTimeAndLocationColumns() throws IOException {
        Path raw = Files.writeString(tmp.resolve("checkins.txt"),
                "0\t2010-10-19T23:55:27Z\t30.2359091167\t-97.7951395833\t22847\n"
                        + "0\t2010-10-18 22:17:43\t30.2691029532\t-97.7493953705\t420315\n"
                        + "7\t2010-10-17T23:42:03Z\t30.2557309927\t-97.7633857727\t22847\n");
        Table t = RawDataset.GOWALLA.read(raw);
        assertArrayEquals(new int[] {0, 0, 1}, t.intColumn(USER).asIntArray());
        assertArrayEquals(new int[] {0, 1, 0}, t.intColumn(ITEM).asIntArray());
        assertEquals(java.time.Instant.parse("2010-10-18T22:17:43Z").toEpochMilli(), t.longColumn(TIME).getLong(1));
    }

    private static Table clicks(int[] sessions, int[] items, long[] times) {
        return Table.create("clicks", IntColumn.create(SESSION, sessions), IntColumn.create(ITEM, items), LongColumn.create(TIME, times));
    }

    private static long[] zeros(int n) {
        return new long[n];
    }

    @Test
    void sessionsSplitWhenTheUserChangesOrTheGapIsExceeded() {
        Table t = Table.create("c", IntColumn.create(USER, 0, 0, 0, 0, 1, 1),
                LongColumn.create(TIME, 0, DAY, 2 * DAY + 1000, 2 * DAY + 1000, 2 * DAY + 1000, 3 * DAY + 1000),
                IntColumn.create(ITEM, 1, 2, 3, 4, 5, 6));
        // exactly one day later: same session; one second more: a new one; equal times stay together
        assertArrayEquals(new int[] {0, 0, 1, 1, 2, 2}, Preprocessing.groupSessions(t, DAY).intColumn(SESSION).asIntArray());
    }

    @Test
    void immediateRepeatsGoButRepeatsAcrossSessionsOrLaterStay() {
        Table t = clicks(new int[] {0, 0, 0, 0, 1, 1}, new int[] {5, 5, 5, 6, 6, 5}, zeros(6));
        Table out = Preprocessing.removeImmediateRepeats(t);
        assertArrayEquals(new int[] {5, 6, 6, 5}, out.intColumn(ITEM).asIntArray());
        assertArrayEquals(new int[] {0, 0, 1, 1}, out.intColumn(SESSION).asIntArray());
    }

    @Test
    void truncationKeepsTheFirstTwentyClicksOfEachSession() {
        int n = 25;
        int[] sessions = new int[n + 3];
        int[] items = new int[n + 3];
        for (int i = 0; i < n; i++) {
            items[i] = i;
        }
        sessions[n] = sessions[n + 1] = sessions[n + 2] = 1;
        Table out = Preprocessing.truncateLongSessions(clicks(sessions, items, zeros(n + 3)), 20);
        assertEquals(23, out.rowCount());
        assertEquals(19, out.intColumn(ITEM).getInt(19));
        assertEquals(1, out.intColumn(SESSION).getInt(20));
    }

    @Test
    void topItemsBreakTiesByFirstAppearance() {
        // counts 7:2, 8:2, 9:2, 10:3 (met last)
        Table t = clicks(new int[9], new int[] {7, 8, 9, 10, 7, 8, 9, 10, 10}, zeros(9));
        assertEquals(List.of(7, 8, 10), distinct(Preprocessing.keepTopNItems(t, 3)));
        assertEquals(List.of(7, 10), distinct(Preprocessing.keepTopNItems(t, 2)));
        assertEquals(List.of(10), distinct(Preprocessing.keepTopNItems(t, 1)));
        assertEquals(9, Preprocessing.keepTopNItems(t, 4).rowCount());
    }

    private static List<Integer> distinct(Table t) {
        return t.intColumn(ITEM).asList().stream().distinct().sorted().toList();
    }

    @Test
    void filteringRepeatsUntilAFixedPoint() {
        // each pass frees the next session of its second click: y is rare, then c, d, e in turn
        int[] sessions = {0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5};
        int[] items = {'a', 'b', 'a', 'b', 'c', 'y', 'c', 'd', 'd', 'e', 'e', 'a'};
        Table out = Preprocessing.filterUntilAllLongAndFrequent(clicks(sessions, items, zeros(12)), 2, 2);
        assertArrayEquals(new int[] {0, 0, 1, 1}, out.intColumn(SESSION).asIntArray());
        // one pass of each filter is not enough
        Table once = Preprocessing.filterInfrequentItems(Preprocessing.filterShortSessions(clicks(sessions, items, zeros(12)), 2), 2);
        assertEquals(11, once.rowCount());
    }

    @Test
    void timeSplitPutsSessionsEndingInTheLastWindowInTest() {
        Table t = clicks(new int[] {0, 0, 1, 1, 2, 2}, new int[] {1, 2, 1, 2, 1, 2},
                new long[] {0, DAY, 0, 3 * DAY - 1, 3 * DAY, 10 * DAY});
        Table[] split = Preprocessing.splitByTime(t, 7 * DAY);
        // the cut is max - 7 days = day 3: strictly before it is training
        assertArrayEquals(new int[] {0, 0, 1, 1}, split[0].intColumn(SESSION).asIntArray());
        assertArrayEquals(new int[] {2, 2}, split[1].intColumn(SESSION).asIntArray());
    }

    @Test
    void lastFifthOfSessionsByEndTimeIsTest() {
        int n = 10;
        int[] sessions = new int[2 * n];
        long[] times = new long[2 * n];
        for (int i = 0; i < 2 * n; i++) {
            sessions[i] = i / 2;
            times[i] = (long) (n - i / 2) * MIN + i % 2;
        }
        Table[] split = Preprocessing.trainTestSplit(clicks(sessions, new int[2 * n], times), 0.2);
        assertEquals(List.of(0, 1), split[1].intColumn(SESSION).asList().stream().distinct().toList());
        assertEquals(16, split[0].rowCount());
        // fewer than five sessions: int(n * 0.2) == 0 tests, and the original's [-0:] takes them all
        Table[] tiny = Preprocessing.trainTestSplit(clicks(new int[] {0, 0, 1, 1}, new int[4], new long[] {0, 1, 2, 3}), 0.2);
        assertEquals(0, tiny[0].rowCount());
        assertEquals(4, tiny[1].rowCount());
    }

    @Test
    void tooSmallALogIsAClearErrorAndWritesNothing() throws IOException {
        Path raw = Files.writeString(tmp.resolve("tiny.csv"), "sessionId;userId;itemId;timeframe;eventdate\n1;;1;0;2016-01-01\n1;;2;0;2016-01-01\n");
        Path out = tmp.resolve("out");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RawDataset.DIGINETICA.preprocess(raw, out, new PrintStream(new ByteArrayOutputStream())));
        assertTrue(e.getMessage().contains("too small"), e.getMessage());
        assertFalse(Files.exists(out));
    }

    private DatasetFormatException digineticaError(String content) throws IOException {
        Path raw = Files.writeString(tmp.resolve("train-item-views.csv"), content);
        return assertThrows(DatasetFormatException.class, () -> RawDataset.DIGINETICA.read(raw));
    }

    private DatasetFormatException checkinsError(RawDataset format, String content) throws IOException {
        Path raw = Files.writeString(tmp.resolve("log.tsv"), content);
        return assertThrows(DatasetFormatException.class, () -> format.read(raw));
    }

    private static void assertMentions(DatasetFormatException e, long line, String... words) {
        assertEquals(line, e.line(), e.getMessage());
        for (String w : words) {
            assertTrue(e.getMessage().contains(w), e.getMessage() + " should mention " + w);
        }
    }

    @Test
    void badRawLogsAreReportedWithFileAndLine() throws IOException {
        String header = "sessionId;userId;itemId;timeframe;eventdate\n";
        assertMentions(digineticaError("sessionId,userId,itemId,timeframe,eventdate\n1,,2,0,2016-01-01\n"), 1, "header", "';'");
        assertMentions(digineticaError(header + "1;;2;0;2016-01-01\n1;;3;0\n"), 3, "5 ';'-separated fields");
        assertMentions(digineticaError(header + "1;;2;0;2016-01-01\n\n1;;x7;0;2016-01-01\n"), 4, "itemId 'x7'");
        assertMentions(digineticaError(header + "1;;2;0;2016-13-01\n"), 2, "eventdate", "2016-13-01");
        assertMentions(digineticaError(header + "1;;2;0;2015-02-29\n"), 2, "eventdate");
        assertMentions(digineticaError(header + "99999999999;;2;0;2016-01-01\n"), 2, "sessionId", "32-bit");
        assertMentions(digineticaError(""), 0, "empty");
        assertMentions(checkinsError(RawDataset.GOWALLA, "0\t2010-10-19T23:55:27Z\t30.2\t-97.7\t22847\n1,2010-10-19,1,2,3\n"), 2,
                "at least 5 tab-separated fields", "location id");
        assertMentions(checkinsError(RawDataset.LASTFM, "user_1\t2009-05-04T23:08:57Z\ta\tA\t\tT\nuser_1\tyesterday\ta\tA\t\tT\n"), 2,
                "time", "yesterday");
        assertMentions(checkinsError(RawDataset.LASTFM, "user_1\t2009-05-04T23:08:57Z\ta\tA\t\tT\nuser_1\t2009-05-04T23:08:58Z\ta\t\"Open\t\tT\n"),
                2, "never closed");
        DatasetFormatException missing = assertThrows(DatasetFormatException.class, () -> RawDataset.LASTFM.read(tmp.resolve("nope.tsv")));
        assertTrue(missing.getMessage().contains("nope.tsv") && missing.getMessage().contains("no such file"), missing.getMessage());
    }

    @Test
    void aFailedRunLeavesTheExistingDatasetUntouched() throws Exception {
        Path out = tmp.resolve("diginetica");
        preprocess(RawDataset.DIGINETICA, out);
        String before = Files.readString(out.resolve("train.txt"));
        Path bad = Files.writeString(tmp.resolve("bad.csv"), Files.readString(resource("diginetica/" + RawDataset.DIGINETICA.rawFileName()))
                .replace("2016-01-19", "2016-01-xx"));
        assertThrows(DatasetFormatException.class, () -> RawDataset.DIGINETICA.preprocess(bad, out, new PrintStream(new ByteArrayOutputStream())));
        assertEquals(before, Files.readString(out.resolve("train.txt")));
        try (Stream<Path> files = Files.list(tmp)) {
            assertEquals(List.of(), files.filter(p -> p.getFileName().toString().startsWith(".")).toList(), "no temporary folders left");
        }
    }

    @Test
    void syntheticRawLogsPreprocessIntoUsableDatasets() {
        for (RawDataset format : RawDataset.values()) {
            Path raw = tmp.resolve(format.rawFileName());
            long rows = SyntheticRawLog.write(format, 30_000, 1, raw);
            assertTrue(rows >= 30_000 && rows < 30_100, format + ": " + rows);
            Path out = tmp.resolve(format.id());
            Preprocessing.Summary s = format.preprocess(raw, out, 2000, new PrintStream(new ByteArrayOutputStream()));
            SessionDataset d = SessionDataset.read(out);
            assertEquals(s.numItems(), d.numItems());
            assertTrue(s.numTrainSessions() > 1000 && s.numTestSessions() > 50, format + ": " + s);
        }
    }
}
