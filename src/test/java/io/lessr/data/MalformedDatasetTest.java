package io.lessr.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Hostile dataset files: every one gets an error naming file and line, never a crash or a silent result. */
class MalformedDatasetTest {
    @TempDir
    Path dir;

    private void dataset(String numItems, String train) throws IOException {
        Files.writeString(dir.resolve("num_items.txt"), numItems);
        Files.writeString(dir.resolve("train.txt"), train);
        Files.writeString(dir.resolve("test.txt"), "0,1\n");
    }

    @Test
    void aOneGigabyteLineStopsEarlyWithTheLineNumber() throws IOException {
        Files.writeString(dir.resolve("num_items.txt"), "10");
        Files.writeString(dir.resolve("test.txt"), "0,1\n");
        byte[] chunk = "1,".repeat(1 << 19).getBytes(StandardCharsets.US_ASCII); // 1 MiB
        try (OutputStream out = Files.newOutputStream(dir.resolve("train.txt"))) {
            out.write("0,1\n".getBytes(StandardCharsets.US_ASCII));
            for (int i = 0; i < 1024; i++) {
                out.write(chunk);
            }
            out.write("1\n".getBytes(StandardCharsets.US_ASCII));
        }
        assertTrue(Files.size(dir.resolve("train.txt")) > (1L << 30));
        DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> SessionDataset.read(dir));
        assertEquals(2, e.line());
        assertTrue(e.getMessage().contains("longer than 16 MiB"), e.getMessage());
        Files.delete(dir.resolve("train.txt"));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "int max      | 2147483647  | item id 2147483647 is outside [0, 10)",
        "int min      | -2147483648 | item id -2147483648 is outside [0, 10)",
        "int max + 1  | 2147483648  | item id 2147483648 is outside [0, 10)",
        "long max     | 9223372036854775807 | does not fit an int",
        "huge         | 99999999999999999999999 | does not fit an int",
    })
    void idsAtTheIntBoundaryAreRejectedByLine(String what, String id, String message) throws IOException {
        dataset("10", "0,1\n1," + id + "\n");
        DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> SessionDataset.read(dir));
        assertEquals(2, e.line(), what);
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }

    @Test
    void anItemCountBeyondIntIsRejected() throws IOException {
        dataset("2147483648", "0,1\n");
        DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> SessionDataset.read(dir));
        assertTrue(e.getMessage().contains("num_items.txt:1"), e.getMessage());
    }

    @Test
    void windowsLineEndingsAndAMissingFinalNewlineAreFine() throws IOException {
        dataset("10", "0,1\r\n2,3,4\r\n5,6");
        SessionDataset d = SessionDataset.read(dir);
        assertEquals(3, d.trainSessions().size());
        assertArrayEquals(new int[] {5, 6}, d.trainSessions().get(2));
    }

    @Test
    void latin1AndUtf8GarbageIsReportedAsNotANumber() throws IOException {
        dataset("10", "x");
        byte[] bytes = {'0', ',', '1', '\n', '2', ',', (byte) 0xc3, (byte) 0x28, '\n'};
        Files.write(dir.resolve("train.txt"), bytes);
        DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> SessionDataset.read(dir));
        assertEquals(2, e.line());
        assertTrue(e.getMessage().contains("is not a number"), e.getMessage());
    }
}
