package io.lessr.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SessionDatasetTest {
    @TempDir
    Path dir;

    private void write(String numItems, String train, String test) throws IOException {
        if (numItems != null) {
            Files.writeString(dir.resolve("num_items.txt"), numItems);
        }
        if (train != null) {
            Files.writeString(dir.resolve("train.txt"), train);
        }
        if (test != null) {
            Files.writeString(dir.resolve("test.txt"), test);
        }
    }

    @Test
    void readsSessionsInFileOrder() throws IOException {
        write("10", "0,1,2\n3,4\n5,6,5\n", "7,8\r\n9,0\r\n");
        SessionDataset d = SessionDataset.read(dir);
        assertEquals(10, d.numItems());
        assertEquals(3, d.trainSessions().size());
        assertArrayEquals(new int[] {5, 6, 5}, d.trainSessions().get(2));
        assertArrayEquals(new int[] {9, 0}, d.testSessions().get(1), "Windows line endings are accepted");
    }

    @Test
    void readsTheSampleDatasetLikeTheWalkthrough() {
        Path sample = Path.of(System.getProperty("lessr.sample.dir", "../shared/data/sample"));
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(sample), "no sample dataset at " + sample);
        SessionDataset d = SessionDataset.read(sample);
        assertEquals(3429, d.numItems());
        assertEquals(9381, d.trainSessions().size());
        assertEquals(1465, d.testSessions().size());
        assertEquals(29140, new AugmentedDataset(d.trainSessions()).size());
        assertEquals(3593, new AugmentedDataset(d.testSessions()).size());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "non-numeric id      | 0,1\\n2,x\\n       | train.txt:2: item id 'x' is not a number",
        "id equal to count   | 0,1\\n2,10\\n      | train.txt:2: item id 10 is outside [0, 10)",
        "negative id         | 0,-1\\n            | train.txt:1: item id -1 is outside [0, 10)",
        "empty line inside   | 0,1\\n\\n2,3\\n    | train.txt:2: empty line",
        "two commas          | 0,,1\\n            | train.txt:1: empty item id",
        "int overflow        | 0,99999999999\\n   | train.txt:1: item id '99999999999' does not fit an int",
        "empty file          | ''                 | train.txt: the file is empty",
    })
    void badTrainingFilesNameFileAndLine(String what, String train, String message) throws IOException {
        write("10", train.replace("\\n", "\n"), "0,1\n");
        DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> SessionDataset.read(dir));
        assertTrue(e.getMessage().contains(message), what + ": got '" + e.getMessage() + "'");
        assertEquals(dir.resolve("train.txt"), e.file());
    }

    @Test
    void missingNumItemsIsNamed() throws IOException {
        write(null, "0,1\n", "0,1\n");
        DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> SessionDataset.read(dir));
        assertEquals(dir.resolve("num_items.txt"), e.file());
        assertTrue(e.getMessage().endsWith("file not found"), e.getMessage());
    }

    @Test
    void missingTestFileIsNamed() throws IOException {
        write("10", "0,1\n", null);
        DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> SessionDataset.read(dir));
        assertEquals(dir.resolve("test.txt"), e.file());
    }

    @Test
    void nonNumericItemCountIsNamed() throws IOException {
        write("many", "0,1\n", "0,1\n");
        DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> SessionDataset.read(dir));
        assertTrue(e.getMessage().contains("num_items.txt:1"), e.getMessage());
    }

    @Test
    void nonUtf8BytesAreReportedNotDecoded() throws IOException {
        write("10", null, "0,1\n");
        Files.write(dir.resolve("train.txt"), new byte[] {'1', ',', (byte) 0xff, '\n'});
        DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> SessionDataset.read(dir));
        assertTrue(e.getMessage().contains("train.txt:1"), e.getMessage());
    }

    @Test
    void missingFolderIsNamed() {
        DatasetFormatException e = assertThrows(DatasetFormatException.class,
                () -> SessionDataset.read(dir.resolve("nope")));
        assertTrue(e.getMessage().contains("nope"), e.getMessage());
    }

    @Test
    void validSplitTakesTheLastFractionOfTraining() throws IOException {
        StringBuilder train = new StringBuilder();
        for (int i = 0; i < 10; i++) {
            train.append(i).append(',').append((i + 1) % 10).append('\n');
        }
        write("10", train.toString(), "0,1\n");
        SessionDataset d = SessionDataset.read(dir).withValidSplit(0.25);
        // int(10 * 0.25) = 2 sessions move to the test set, as main.py does.
        assertEquals(8, d.trainSessions().size());
        assertEquals(2, d.testSessions().size());
        assertArrayEquals(new int[] {8, 9}, d.testSessions().get(0));
        assertThrows(IllegalArgumentException.class, () -> SessionDataset.read(dir).withValidSplit(0.01));
    }

    @Test
    void asciiIsReadWithoutDecodingSurprises() throws IOException {
        write(" 10 \n", "1, 2 ,3\n", "0,1\n");
        assertArrayEquals(new int[] {1, 2, 3}, SessionDataset.read(dir).trainSessions().get(0));
        assertEquals(StandardCharsets.US_ASCII.name(), "US-ASCII");
    }
}
