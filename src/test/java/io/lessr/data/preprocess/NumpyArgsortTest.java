package io.lessr.data.preprocess;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The replica against NumPy itself ({@code /usr/bin/python3} with numpy, installed by
 * {@code scripts/setup-jupyter.sh}): the same permutation, ties included, for every size class
 * (insertion sort only, one or many partitions) and for the heapsort fallback.
 */
class NumpyArgsortTest {
    @TempDir
    Path tmp;

    private static Map<String, long[]> inputs() {
        SplittableRandom r = new SplittableRandom(7);
        Map<String, long[]> in = new LinkedHashMap<>();
        for (int n : new int[] {0, 1, 2, 15, 16, 17, 40, 1000, 100_000}) {
            in.put("ties-" + n, LongStream.range(0, n).map(i -> r.nextInt(1 + n / 8)).toArray());
        }
        in.put("distinct", LongStream.range(0, 5000).map(i -> r.nextLong()).toArray());
        in.put("sorted", LongStream.range(0, 3000).map(i -> i / 3).toArray());
        in.put("reversed", LongStream.range(0, 3000).map(i -> -(i / 3)).toArray());
        in.put("equal", new long[2000]);
        in.put("organ-pipe", LongStream.range(0, 4001).map(i -> Math.min(i, 4000 - i)).toArray());
        in.put("sawtooth", LongStream.range(0, 4096).map(i -> i % 17).toArray());
        // session end times in milliseconds: large values, few distinct
        in.put("times", LongStream.range(0, 20_000).map(i -> 1_451_606_400_000L + 1000L * r.nextInt(500)).toArray());
        return in;
    }

    @Test
    void quicksortAndHeapsortGiveNumpysPermutation() throws IOException, InterruptedException {
        Map<String, long[]> in = inputs();
        List<String> lines = new ArrayList<>();
        for (long[] v : in.values()) {
            lines.add(Arrays.stream(v).mapToObj(Long::toString).collect(Collectors.joining(",")));
        }
        Path input = Files.write(tmp.resolve("in.txt"), lines, StandardCharsets.UTF_8);
        Path output = tmp.resolve("out.txt");
        String script = String.join("\n",
                "import sys, numpy as np",
                "out = open(sys.argv[2], 'w')",
                "for line in open(sys.argv[1]):",
                "    line = line.strip()",
                "    v = np.array([int(x) for x in line.split(',')] if line else [], dtype='int64').astype('datetime64[ms]')",
                "    for kind in ('quicksort', 'heapsort'):",
                "        out.write(','.join(map(str, np.argsort(v, kind=kind))) + '\\n')");
        Process p = new ProcessBuilder("/usr/bin/python3", "-c", script, input.toString(), output.toString())
                .redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), "python3 with numpy is needed (scripts/setup-jupyter.sh installs it): " + log);
        List<String> numpy = Files.readAllLines(output, StandardCharsets.UTF_8);
        int i = 0;
        int differFromStable = 0;
        for (Map.Entry<String, long[]> e : in.entrySet()) {
            long[] v = e.getValue();
            int[] quick = NumpyArgsort.quicksort(v);
            assertArrayEquals(parse(numpy.get(i++)), quick, e.getKey() + ": quicksort");
            assertArrayEquals(parse(numpy.get(i++)), NumpyArgsort.heapsort(v), e.getKey() + ": heapsort");
            for (int k = 1; k < quick.length; k++) {
                assertTrue(v[quick[k - 1]] <= v[quick[k]], e.getKey() + ": not sorted");
            }
            Integer[] stable = new Integer[v.length];
            Arrays.setAll(stable, k -> k);
            Arrays.sort(stable, (a, b) -> Long.compare(v[a], v[b]));
            differFromStable += Arrays.equals(quick, Arrays.stream(stable).mapToInt(Integer::intValue).toArray()) ? 0 : 1;
        }
        // the point of the replica: a stable sort would order ties differently
        assertTrue(differFromStable >= 5, "only " + differFromStable + " inputs order ties unstably");
    }

    private static int[] parse(String line) {
        return line.isEmpty() ? new int[0] : Arrays.stream(line.split(",")).mapToInt(Integer::parseInt).toArray();
    }
}
