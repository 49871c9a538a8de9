package io.lessr.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

class LanesTest {
    @Test
    void everyLaneRunsOnceAndResultsComeInLaneOrderOnOneOrTwoThreads() {
        for (int threads = 1; threads <= Lanes.COUNT; threads++) {
            try (Lanes lanes = new Lanes(threads)) {
                Set<String> threadNames = ConcurrentHashMap.newKeySet();
                for (int round = 0; round < 20_000; round++) {
                    int r = round;
                    List<Integer> results = lanes.run(lane -> {
                        threadNames.add(Thread.currentThread().getName());
                        return r * 10 + lane;
                    });
                    assertEquals(List.of(r * 10, r * 10 + 1), results);
                }
                assertEquals(threads, threadNames.size(), "threads that ran lanes: " + threadNames);
                if (threads == 2) {
                    assertTrue(threadNames.contains(Lanes.HELPER_THREAD));
                }
            }
        }
    }

    @Test
    void aStepsRunsAreCountedByTheirPlaceInTheStepWithEachLanesTime() {
        for (int threads = 1; threads <= Lanes.COUNT; threads++) {
            try (Lanes lanes = new Lanes(threads)) {
                LaneTimes.StepRuns before = LaneTimes.stepRuns();
                LaneTimes.stepStarted();
                lanes.run(lane -> null);
                lanes.run(lane -> {
                    if (lane == 1) {
                        long until = System.nanoTime() + 3_000_000;
                        while (System.nanoTime() < until) {
                            Thread.onSpinWait();
                        }
                    }
                    return null;
                });
                LaneTimes.stepEnded();
                lanes.run(lane -> null); // outside a step: not counted by place
                LaneTimes.StepRuns runs = LaneTimes.stepRuns().minus(before);
                assertEquals(1, runs.runs()[0], threads + " threads");
                assertEquals(1, runs.runs()[1], threads + " threads");
                assertEquals(0, runs.runs()[2], threads + " threads");
                assertTrue(runs.busy1()[1] >= 3_000_000, "lane 1's 3 ms of work: " + runs.busy1()[1] + " ns");
                assertTrue(runs.busy0()[1] < runs.busy1()[1], "lane 0 had nothing to do");
                assertEquals(runs.busy1()[1] - runs.busy0()[1], runs.spread()[1], "lane 0 waited the difference");
            }
        }
    }

    @Test
    void aLanesWritesAreSeenByTheCallerAfterRun() {
        try (Lanes lanes = new Lanes(2)) {
            for (int round = 0; round < 2_000; round++) {
                long[] cells = new long[64];
                lanes.run(lane -> {
                    for (int i = lane; i < cells.length; i += Lanes.COUNT) {
                        cells[i] = i + 1;
                    }
                    return null;
                });
                for (int i = 0; i < cells.length; i++) {
                    assertEquals(i + 1, cells[i]);
                }
            }
        }
    }

    @Test
    void theFirstFailureInLaneOrderIsRethrownAfterBothLanesEnd() {
        try (Lanes lanes = new Lanes(2)) {
            IllegalStateException first = new IllegalStateException("lane 0");
            List<Integer> ended = new ArrayList<>();
            IllegalStateException thrown = assertThrows(IllegalStateException.class, () -> lanes.run(lane -> {
                if (lane == 0) {
                    throw first;
                }
                sleep(50);
                synchronized (ended) {
                    ended.add(lane);
                }
                throw new IllegalArgumentException("lane 1");
            }));
            assertSame(first, thrown);
            assertEquals(List.of(1), ended, "run returned before lane 1 ended");

            IllegalArgumentException second = assertThrows(IllegalArgumentException.class, () -> lanes.run(lane -> {
                if (lane == 1) {
                    throw new IllegalArgumentException("lane 1 only");
                }
                return lane;
            }));
            assertEquals("lane 1 only", second.getMessage());
            // The lanes still work after failures.
            assertEquals(List.of(0, 1), lanes.run(lane -> lane));
        }
    }

    @Test
    void anInterruptDuringRunIsKeptForTheCaller() {
        try (Lanes lanes = new Lanes(2)) {
            Thread caller = Thread.currentThread();
            List<Integer> results = lanes.run(lane -> {
                if (lane == 1) {
                    caller.interrupt();
                    sleep(20);
                }
                return lane;
            });
            assertEquals(List.of(0, 1), results);
            assertTrue(Thread.interrupted(), "the interrupt was lost");
        }
    }

    @Test
    void closeEndsTheHelperThread() throws InterruptedException {
        Set<Thread> before = helpers();
        Lanes lanes = new Lanes(2);
        lanes.run(lane -> lane);
        Set<Thread> started = helpers();
        started.removeAll(before);
        assertEquals(1, started.size(), "helper threads started: " + started);
        Thread helper = started.iterator().next();
        lanes.close();
        helper.join(5_000);
        assertFalse(helper.isAlive(), "the helper thread outlived close()");
    }

    private static Set<Thread> helpers() {
        Set<Thread> helpers = new HashSet<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().equals(Lanes.HELPER_THREAD) && t.isAlive()) {
                helpers.add(t);
            }
        }
        return helpers;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** What a lane leaves to close is closed by that lane's thread before its next run's work, or when the lanes close. */
    @Test
    void aLaneClosesWhatItLeftAtItsNextRunOrWhenTheLanesClose() {
        for (int threads = 1; threads <= Lanes.COUNT; threads++) {
            List<String> events = java.util.Collections.synchronizedList(new ArrayList<>());
            Thread[] closedOn = new Thread[Lanes.COUNT];
            Lanes lanes = new Lanes(threads);
            try {
                lanes.run(lane -> {
                    lanes.closeAtNextRun(lane, () -> {
                        closedOn[lane] = Thread.currentThread();
                        events.add("closed " + lane);
                    });
                    return null;
                });
                assertTrue(events.isEmpty(), "nothing closed before the next run: " + events);
                List<Thread> ranOn = lanes.run(lane -> {
                    events.add("ran " + lane);
                    return Thread.currentThread();
                });
                for (int lane = 0; lane < Lanes.COUNT; lane++) {
                    assertTrue(events.indexOf("closed " + lane) >= 0 && events.indexOf("closed " + lane) < events.indexOf("ran " + lane),
                            threads + " threads: " + events);
                    assertSame(ranOn.get(lane), closedOn[lane], "closed on the lane's own thread");
                }
                events.clear();
                lanes.run(lane -> {
                    lanes.closeAtNextRun(lane, () -> events.add("closed " + lane));
                    return null;
                });
            } finally {
                lanes.close();
            }
            assertEquals(Set.of("closed 0", "closed 1"), new HashSet<>(events), threads + " threads: closed with the lanes");
        }
    }
}
