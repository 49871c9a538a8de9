package io.lessr.model.torch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.lessr.PyTorchSide;
import io.lessr.cli.MainAccess;
import io.lessr.graph.GraphBatch;
import io.lessr.model.EngineSettings;
import io.lessr.model.Lessr;
import io.lessr.model.SavedModel;
import io.lessr.model.TorchNames;
import io.lessr.serve.Recommender;
import io.lessr.serve.Recommender.Recommendation;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Weights both ways with real PyTorch (the walkthrough's LESSR in {@code scripts/bench/lessr_torch.py}): a
 * state_dict saved by {@code torch.save(model.state_dict(), f)}, safetensors or npz, imported by the kit, gives
 * PyTorch's eval-mode logits and top-20; the kit's trained model, exported, loads into PyTorch with
 * {@code strict=True} and gives the kit's logits; what is not a state_dict of LESSR is refused with one message
 * naming the tensor (or the global) and nothing written.
 */
class TorchStateDictTest {
    private static final double TOLERANCE = 1e-5;
    private static final Path SYNTHETIC = Path.of("data/synthetic");

    @TempDir
    static Path work;

    private static PyTorchSide torch;
    private static int numItems;
    private static List<int[]> prefixes;
    private static Path sessions;

    @BeforeAll
    static void setUp() throws Exception {
        EngineSettings.configureDefaults();
        torch = PyTorchSide.forFilesUnder(work);
        numItems = Integer.parseInt(Files.readString(SYNTHETIC.resolve("num_items.txt")).strip());
        // A few hundred test prefixes: every prefix of the test sessions, in order, with repeats and loops.
        prefixes = new ArrayList<>();
        for (String line : Files.readAllLines(SYNTHETIC.resolve("test.txt"))) {
            int[] s = Arrays.stream(line.split(",")).mapToInt(Integer::parseInt).toArray();
            for (int i = 1; i < s.length && prefixes.size() < 400; i++) {
                prefixes.add(Arrays.copyOf(s, i));
            }
        }
        sessions = work.resolve("sessions.txt");
        Files.write(sessions, prefixes.stream().map(p -> String.join(",", Arrays.stream(p).mapToObj(Integer::toString).toList())).toList());
    }

    private record Cli(int exit, String out, String err) {}

    private static Cli cli(String... args) {
        CommandLine cl = MainAccess.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int exit = cl.execute(args);
        return new Cli(exit, out.toString(), err.toString());
    }

    /** PyTorch's eval-mode logits of the state_dict file's model (strict=True), and what the script says of it. */
    private static float[] torchLogits(Path stateDict, JsonObject[] said) throws Exception {
        Path out = work.resolve(stateDict.getFileName() + ".logits.npy");
        String stdout = torch.lessrTorch("logits", "--state-dict", stateDict.toString(), "--sessions", sessions.toString(),
                "--out", out.toString());
        said[0] = JsonParser.parseString(stdout.strip().lines().reduce((a, b) -> b).orElseThrow()).getAsJsonObject();
        TorchTensor t = NpzFormat.readNpy(Files.readAllBytes(out), out.toString());
        assertEquals(List.of((long) prefixes.size(), (long) numItems), Arrays.stream(t.shape()).boxed().toList());
        return t.toFloats();
    }

    /** The kit's eval-mode logits of a saved model folder, for the same prefixes. */
    private static float[] kitLogits(Path modelDir) {
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            Lessr model = SavedModel.load(modelDir, m);
            NDList graph = GraphBatch.of(prefixes, new int[prefixes.size()]).toNDList(m);
            return model.logits(new ParameterStore(m, false), graph, false).toFloatArray();
        }
    }

    private static void assertClose(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what);
        double worst = 0;
        int at = -1;
        for (int i = 0; i < expected.length; i++) {
            double d = Math.abs(expected[i] - actual[i]);
            if (d > worst || Double.isNaN(d)) {
                worst = d;
                at = i;
            }
        }
        if (!(worst <= TOLERANCE)) {
            int row = at / numItems;
            throw new AssertionError(what + ": logits differ by " + worst + " at prefix " + Arrays.toString(prefixes.get(row))
                    + ", item " + at % numItems + ": PyTorch " + expected[at] + ", the kit " + actual[at]);
        }
    }

    /** The kit's top-20 for each prefix are PyTorch's, in order, but for neighbours whose logits tie within the tolerance. */
    private static void assertTopTwentyOf(float[] torchLogits, Recommender recommender, String what) {
        List<List<Integer>> asLists = prefixes.stream().map(p -> Arrays.stream(p).boxed().toList()).toList();
        List<List<Recommendation>> tops = recommender.recommendAll(asLists, 20, false);
        for (int b = 0; b < prefixes.size(); b++) {
            int row = b;
            Integer[] order = new Integer[numItems];
            Arrays.setAll(order, i -> i);
            Arrays.sort(order, (x, y) -> Float.compare(torchLogits[row * numItems + y], torchLogits[row * numItems + x]));
            List<Recommendation> top = tops.get(b);
            assertEquals(20, top.size());
            for (int r = 0; r < 20; r++) {
                int kit = top.get(r).item();
                int ref = order[r];
                if (kit != ref && Math.abs(torchLogits[row * numItems + kit] - torchLogits[row * numItems + ref]) > TOLERANCE) {
                    throw new AssertionError(what + ": prefix " + Arrays.toString(prefixes.get(b)) + ", rank " + (r + 1)
                            + ": PyTorch's item " + ref + ", the kit's " + kit);
                }
            }
        }
    }

    @Test
    void aStateDictSavedByPyTorchIsImportedWithItsLogitsAndTopTwenty() throws Exception {
        Path pth = work.resolve("random.pth");
        Path st = work.resolve("random.safetensors");
        Path npz = work.resolve("random.npz");
        torch.lessrTorch("save-random", "--num-items", Integer.toString(numItems), "--seed", "3",
                "--out", pth.toString(), st.toString(), npz.toString());
        JsonObject[] said = new JsonObject[1];
        float[] expected = torchLogits(pth, said);
        assertEquals("[" + numItems + ",32,3,true]", said[0].get("config").toString());
        for (Path file : List.of(pth, st, npz)) {
            Path saved = work.resolve("imported-" + file.getFileName());
            Cli r = cli("import", "--state-dict", file.toString(), "--num-items", Integer.toString(numItems),
                    "--dataset-dir", SYNTHETIC.toString(), "--save-dir", saved.toString());
            assertEquals(0, r.exit(), r.err());
            assertClose(expected, kitLogits(saved), file.getFileName().toString());
            try (Recommender rec = Recommender.load(saved)) {
                assertTopTwentyOf(expected, rec, file.getFileName().toString());
            }
            assertEquals(file.getFileName().toString(), SavedModel.info(saved).get("importedFrom").getAsString());
        }
        // The library's way, without a folder: the same recommendations.
        try (Recommender direct = Recommender.fromStateDict(pth, numItems);
             Recommender folder = Recommender.load(work.resolve("imported-random.pth"))) {
            for (int[] p : prefixes.subList(0, 50)) {
                List<Integer> s = Arrays.stream(p).boxed().toList();
                assertEquals(folder.recommend(s, 20), direct.recommend(s, 20));
            }
        }
    }

    @Test
    void otherConfigurationsAndFloat64AreReadFromTheNamesShapesAndDtypes() throws Exception {
        Path small = work.resolve("two-layers-no-bn.pth");
        torch.lessrTorch("save-random", "--num-items", Integer.toString(numItems), "--embedding-dim", "16",
                "--num-layers", "2", "--no-batch-norm", "--seed", "5", "--out", small.toString());
        Path doubles = work.resolve("four-layers-float64.pth");
        torch.lessrTorch("save-random", "--num-items", Integer.toString(numItems), "--num-layers", "4",
                "--dtype", "float64", "--seed", "6", "--out", doubles.toString());
        for (Path file : List.of(small, doubles)) {
            JsonObject[] said = new JsonObject[1];
            float[] expected = torchLogits(file, said);
            Path saved = work.resolve("imported-" + file.getFileName());
            Cli r = cli("import", "--state-dict", file.toString(), "--num-items", Integer.toString(numItems), "--save-dir", saved.toString());
            assertEquals(0, r.exit(), r.err());
            var config = SavedModel.readConfig(saved);
            assertEquals(said[0].get("config").toString(), "[" + config.numItems() + "," + config.embeddingDim() + ","
                    + config.numLayers() + "," + config.batchNorm() + "]");
            assertClose(expected, kitLogits(saved), file.getFileName().toString());
        }
    }

    @Test
    void theKitsTrainedModelLoadsIntoPyTorchStrictlyWithTheSameLogits() throws Exception {
        Path model = work.resolve("trained");
        Cli t = cli("train", "--dataset-dir", SYNTHETIC.toString(), "--epochs", "1", "--num-layers", "4",
                "--embedding-dim", "16", "--device", "cpu", "--save-dir", model.toString());
        assertEquals(0, t.exit(), t.err());
        float[] kit = kitLogits(model);
        Map<String, TorchTensor> first = null;
        for (String name : List.of("trained.pth", "trained.pt", "trained.safetensors", "trained.npz")) {
            Path out = work.resolve("exported").resolve(name);
            Cli e = cli("export", "--model", model.toString(), "--out", out.toString());
            assertEquals(0, e.exit(), e.err());
            JsonObject[] said = new JsonObject[1];
            assertClose(torchLogits(out, said), kit, name);
            // safetensors' load_file gives the tensors sorted by name: its order is checked in the file below.
            if (!name.endsWith(".safetensors")) {
                assertTrue(said[0].get("state_dict_order").getAsBoolean(), name + ": tensors in state_dict order");
            }
            assertEquals("[\"torch.float32\",\"torch.int64\"]", said[0].get("dtypes").toString(), name);
            Map<String, TorchTensor> read = StateDictFile.read(out).tensors();
            if (first == null) {
                first = read;
            } else {
                assertEquals(first, read, name + " holds the same tensors as the .pth");
                assertEquals(List.copyOf(first.keySet()), List.copyOf(read.keySet()), name + ": in the .pth's order");
            }
        }
        // Readable by all, as any written file (not private as a temporary file is), and nothing left beside them.
        try (Stream<Path> files = Files.list(work.resolve("exported"))) {
            List<Path> all = files.sorted().toList();
            assertEquals(List.of("trained.npz", "trained.pt", "trained.pth", "trained.safetensors"),
                    all.stream().map(p -> p.getFileName().toString()).toList());
            for (Path f : all) {
                assertEquals("rw-r--r--", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(f)), f.toString());
            }
        }
        // The running statistics are the trained ones, not a fresh model's zeros and ones.
        float[] mean = first.get("batch_norm.running_mean").toFloats();
        assertTrue(Arrays.stream(boxed(mean)).anyMatch(v -> v != 0f), "running_mean exported");
        // Exported and imported again: the same parameters, bit for bit.
        Path back = work.resolve("round-trip");
        assertEquals(0, cli("import", "--state-dict", work.resolve("exported/trained.pth").toString(), "--num-items",
                Integer.toString(numItems), "--save-dir", back.toString()).exit());
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            Map<String, float[]> a = parameters(SavedModel.load(model, m));
            Map<String, float[]> b = parameters(SavedModel.load(back, m));
            assertEquals(a.keySet(), b.keySet());
            a.forEach((name, v) -> assertTrue(Arrays.equals(v, b.get(name)), name));
        }
    }

    private static Float[] boxed(float[] v) {
        Float[] out = new Float[v.length];
        Arrays.setAll(out, i -> v[i]);
        return out;
    }

    private static Map<String, float[]> parameters(Lessr model) {
        Map<String, float[]> out = new LinkedHashMap<>();
        TorchNames.of(model).forEach((name, p) -> out.put(name, p.getArray().toFloatArray()));
        return out;
    }

    // ---- refusals: one message naming what is wrong, nothing written ----------------------------

    private static void assertRefused(Path file, String expected, String... extra) throws IOException {
        Path saved = work.resolve("refused-" + file.getFileName());
        List<String> args = new ArrayList<>(List.of("import", "--state-dict", file.toString(), "--save-dir", saved.toString()));
        args.addAll(extra.length > 0 ? List.of(extra) : List.of("--num-items", Integer.toString(numItems)));
        Cli r = cli(args.toArray(String[]::new));
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().startsWith("error: ") && r.err().contains(expected), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertFalse(Files.exists(saved), "nothing written for " + file);
        try (Stream<Path> left = Files.list(work)) {
            assertTrue(left.noneMatch(p -> p.getFileName().toString().startsWith(".refused-")
                    || p.getFileName().toString().startsWith("refused-")), "no partial folder left");
        }
    }

    @Test
    void aPickleThatWouldRunCodeIsRefusedWithoutRunningIt() throws Exception {
        Path evil = work.resolve("evil.pth");
        Path marker = work.resolve("pwned");
        torch.python(String.join("\n",
                "import os, sys, torch",
                "class Payload:",
                "    def __reduce__(self):",
                "        return (os.system, ('touch ' + sys.argv[2],))",
                "torch.save({'embedding.weight': torch.zeros(3, 2), 'x': Payload()}, sys.argv[1])"),
                evil.toString(), marker.toString());
        assertRefused(evil, "names the global posix.system, which a state_dict does not use; refused without running it");
        assertFalse(Files.exists(marker), "the payload never ran");
        Path whole = work.resolve("whole-model.pth");
        torch.lessrTorch("save-random", "--num-items", "50", "--whole-model", "--out", whole.toString());
        assertRefused(whole, "save model.state_dict() instead", "--num-items", "50");
    }

    @Test
    void aStateDictThatIsNotLessrsIsRefusedNamingTheTensor() throws Exception {
        Path good = work.resolve("good.pth");
        torch.lessrTorch("save-random", "--num-items", Integer.toString(numItems), "--seed", "4", "--out", good.toString());
        Map<String, TorchTensor> sd = StateDictFile.read(good).tensors();

        Map<String, TorchTensor> shape = new LinkedHashMap<>(sd);
        shape.put("layers.1.fc_q.weight", TorchTensor.ofFloats(new long[] {31, 64}, new float[31 * 64]));
        assertRefused(write(shape, "wrong-shape.safetensors"),
                "tensor layers.1.fc_q.weight has shape (31, 64), LESSR(num_items=" + numItems + ", embedding_dim=32, num_layers=3, batch_norm=true) needs (32, 64)");

        Map<String, TorchTensor> half = new LinkedHashMap<>(sd);
        half.put("readout.fc_e.weight", new TorchTensor(TorchDType.FLOAT16, new long[] {1, 32}, new byte[64]));
        assertRefused(write(half, "half.pth"), "tensor readout.fc_e.weight is float16; the kit reads float32 or float64");

        Map<String, TorchTensor> missing = new LinkedHashMap<>(sd);
        missing.remove("layers.2.gru.bias_hh_l0");
        assertRefused(write(missing, "missing.npz"), "tensor layers.2.gru.bias_hh_l0 is missing");

        Map<String, TorchTensor> extra = new LinkedHashMap<>(sd);
        extra.put("layers.0.fc_extra.weight", TorchTensor.ofFloats(new long[] {2}, new float[2]));
        assertRefused(write(extra, "extra.pth"), "unexpected tensor layers.0.fc_extra.weight");

        assertRefused(good, "tensor embedding.weight has " + numItems + " rows (items), but 999 items were expected",
                "--num-items", "999");
        assertRefused(good, "--num-items " + (numItems + 1) + " but " + SYNTHETIC.resolve("num_items.txt") + " says " + numItems,
                "--num-items", Integer.toString(numItems + 1), "--dataset-dir", SYNTHETIC.toString());

        Path notAStateDict = Files.writeString(work.resolve("notes.pth"), "hello");
        assertRefused(notAStateDict, "is not a state_dict file");
        byte[] bytes = Files.readAllBytes(good);
        Path truncated = Files.write(work.resolve("truncated.pth"), Arrays.copyOf(bytes, bytes.length / 2));
        assertRefused(truncated, "truncated.pth");
    }

    private static Path write(Map<String, TorchTensor> tensors, String name) {
        Path file = work.resolve(name);
        StateDictFile.write(tensors, file);
        return file;
    }

    @Test
    void anExportToABadNameOrFromAMissingModelWritesNothing() throws Exception {
        Cli r = cli("export", "--model", work.resolve("no-such-model").toString(), "--out", work.resolve("x.pth").toString());
        assertEquals(2, r.exit(), r.err());
        assertFalse(r.err().contains("\tat "), r.err());
        assertFalse(Files.exists(work.resolve("x.pth")));
        Cli bad = cli("export", "--model", work.resolve("no-such-model").toString(), "--out", work.resolve("x.onnx").toString());
        assertEquals(2, bad.exit());
        assertTrue(bad.err().contains("the name must end in .pth, .pt, .safetensors or .npz"), bad.err());
    }
}
