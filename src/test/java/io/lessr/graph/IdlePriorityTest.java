package io.lessr.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class IdlePriorityTest {
    /** The collator's threads, and only they, run at nice 19 (Linux: /proc/thread-self/stat, field 19). */
    @Test
    void lowersOnlyTheCallingThread() throws Exception {
        assumeTrue(System.getProperty("os.name").equals("Linux"), "nice is per thread on Linux only");
        int callerNice = niceOfThisThread();
        AtomicReference<int[]> seen = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                int before = niceOfThisThread();
                boolean lowered = IdlePriority.lowerThisThread();
                seen.set(new int[] {before, lowered ? 1 : 0, niceOfThisThread()});
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        t.start();
        t.join();
        assertEquals(callerNice, seen.get()[0]);
        assertEquals(1, seen.get()[1], "setpriority was refused");
        assertEquals(19, seen.get()[2]);
        assertEquals(callerNice, niceOfThisThread(), "the caller's priority changed too");
        assertTrue(callerNice < 19);
    }

    private static int niceOfThisThread() throws Exception {
        String stat = Files.readString(Path.of("/proc/thread-self/stat"));
        // Fields after the command name, which is in parentheses and may hold spaces.
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Integer.parseInt(fields[16]); // field 19 of the whole line
    }
}
