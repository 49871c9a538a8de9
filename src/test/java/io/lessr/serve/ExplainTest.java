package io.lessr.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.lessr.PyTorchSide;
import io.lessr.cli.MainAccess;
import io.lessr.model.EngineSettings;
import io.lessr.plot.AttentionView;
import io.lessr.plot.Picture;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code explain}: the SGAT layers' attention on the shortcut edges and the readout's weights of a trained
 * model are PyTorch's (the walkthrough's LESSR in {@code scripts/bench/lessr_torch.py}, the model exported to a
 * state_dict), they sum to 1 where the softmax says, and the command shows them as tables or JSON.
 */
class ExplainTest {
    private static final double TOLERANCE = 1e-5;
    private static final Path SYNTHETIC = Path.of("data/synthetic");

    @TempDir
    static Path work;

    private static Path model;
    private static List<List<Integer>> sessions;

    @BeforeAll
    static void trainAndExport() throws Exception {
        EngineSettings.configureDefaults();
        model = work.resolve("model");
        // Four layers: two SGAT layers (layers.1 and layers.3).
        assertEquals(0, MainAccess.commandLine().execute("train", "--dataset-dir", SYNTHETIC.toString(), "--epochs", "1",
                "--num-layers", "4", "--embedding-dim", "16", "--device", "cpu", "--save-dir", model.toString()));
        sessions = new ArrayList<>(List.of(List.of(5), List.of(7, 7), List.of(3, 9, 3), List.of(12, 4, 12, 4, 8)));
        for (String line : Files.readAllLines(SYNTHETIC.resolve("test.txt")).subList(0, 60)) {
            sessions.add(Arrays.stream(line.split(",")).map(Integer::valueOf).toList());
        }
    }

    @Test
    void theAttentionIsPyTorchsAndSumsToOne() throws Exception {
        Path stateDict = work.resolve("model.pth");
        assertEquals(0, MainAccess.commandLine().execute("export", "--model", model.toString(), "--out", stateDict.toString()));
        Path file = work.resolve("sessions.txt");
        Files.write(file, sessions.stream().map(s -> String.join(",", s.stream().map(String::valueOf).toList())).toList());
        Path out = work.resolve("attention.jsonl");
        PyTorchSide.forFilesUnder(work).lessrTorch("attention", "--state-dict", stateDict.toString(), "--sessions",
                file.toString(), "--out", out.toString());
        List<String> lines = Files.readAllLines(out);
        assertEquals(sessions.size(), lines.size());
        try (Recommender r = Recommender.load(model)) {
            for (int i = 0; i < sessions.size(); i++) {
                Explanation kit = r.explain(sessions.get(i), 10);
                JsonObject torch = JsonParser.parseString(lines.get(i)).getAsJsonObject();
                String where = "session " + sessions.get(i);
                JsonArray layers = torch.getAsJsonArray("sgat");
                assertEquals(layers.size(), kit.sgat().size(), where);
                assertEquals(List.of(1, 3), kit.sgat().stream().map(Explanation.Layer::layer).toList(), where);
                for (int l = 0; l < layers.size(); l++) {
                    JsonObject layer = layers.get(l).getAsJsonObject();
                    Explanation.Layer mine = kit.sgat().get(l);
                    assertEquals(layer.get("layer").getAsInt(), mine.layer(), where);
                    Map<String, Double> expected = new HashMap<>();
                    for (JsonElement e : layer.getAsJsonArray("edges")) {
                        JsonObject o = e.getAsJsonObject();
                        expected.put(o.get("src").getAsInt() + "->" + o.get("dst").getAsInt(), o.get("weight").getAsDouble());
                    }
                    assertEquals(expected.size(), mine.edges().size(), where + ": one weight per shortcut edge");
                    Map<Integer, Double> into = new HashMap<>();
                    for (Explanation.Edge e : mine.edges()) {
                        Double w = expected.get(e.src() + "->" + e.dst());
                        assertTrue(w != null && Math.abs(w - e.weight()) <= TOLERANCE,
                                where + ", layers." + mine.layer() + ", edge " + e.src() + "->" + e.dst() + ": PyTorch " + w + ", the kit " + e.weight());
                        into.merge(e.dst(), (double) e.weight(), Double::sum);
                    }
                    into.forEach((dst, sum) -> assertEquals(1.0, sum, 1e-5, where + ": attention into " + dst));
                    assertEquals(new java.util.HashSet<>(sessions.get(i)), into.keySet(), where + ": every item attends");
                }
                JsonArray readout = torch.getAsJsonArray("readout");
                assertEquals(readout.size(), kit.readout().size(), where);
                double sum = 0;
                for (int n = 0; n < readout.size(); n++) {
                    JsonObject o = readout.get(n).getAsJsonObject();
                    Explanation.ItemWeight w = kit.readout().get(n);
                    assertEquals(o.get("item").getAsInt(), w.item(), where);
                    assertEquals(o.get("weight").getAsDouble(), w.weight(), TOLERANCE, where + ", readout weight of " + w.item());
                    sum += w.weight();
                }
                assertEquals(1.0, sum, 1e-5, where + ": readout weights");
                assertEquals(r.recommend(sessions.get(i), 10), kit.top(), where + ": the top is recommend's");
            }
        }
    }

    private record Cli(int exit, String out, String err) {}

    private static Cli cli(String... args) {
        CommandLine cl = MainAccess.commandLine();
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err));
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        PrintStream old = System.out;
        System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        try {
            int exit = cl.execute(args);
            return new Cli(exit, bytes.toString(StandardCharsets.UTF_8), err.toString());
        } finally {
            System.setOut(old);
        }
    }

    @Test
    void theCommandGivesJsonOrTablesAndRefusesWhatRecommendRefuses() throws Exception {
        Cli json = cli("explain", "--model", model.toString(), "--session", "12,4,12,4,8", "-k", "5", "--format", "json");
        assertEquals(0, json.exit(), json.err());
        JsonObject o = JsonParser.parseString(json.out()).getAsJsonObject();
        assertEquals("[12,4,12,4,8]", o.get("session").toString());
        JsonArray sgat = o.getAsJsonArray("sgat");
        assertEquals(2, sgat.size());
        JsonObject first = sgat.get(0).getAsJsonObject();
        assertEquals(1, first.get("layer").getAsInt());
        // The shortcut graph of 12,4,12,4,8: every ordered pair of its items that occurs as i <= j, self-loops included.
        List<String> edges = new ArrayList<>();
        for (JsonElement e : first.getAsJsonArray("edges")) {
            edges.add(e.getAsJsonObject().get("src").getAsInt() + "->" + e.getAsJsonObject().get("dst").getAsInt());
            assertTrue(e.getAsJsonObject().has("weight"));
        }
        assertEquals(List.of("12->12", "12->4", "12->8", "4->4", "4->12", "4->8", "8->8").stream().sorted().toList(),
                edges.stream().sorted().toList());
        assertEquals(List.of(4, 8, 12), o.getAsJsonArray("readout").asList().stream()
                .map(e -> e.getAsJsonObject().get("item").getAsInt()).toList());
        assertEquals(5, o.getAsJsonArray("top").size());
        assertTrue(o.getAsJsonArray("top").get(0).getAsJsonObject().has("score"));

        Cli text = cli("explain", "--model", model.toString(), "--session", "3,9,3");
        assertEquals(0, text.exit(), text.err());
        assertTrue(text.out().contains("SGAT layers.1: attention on the shortcut edges") && text.out().contains("SGAT layers.3")
                && text.out().contains("readout: each item's weight") && text.out().contains("rank\titem\tscore"), text.out());
        assertEquals(10, text.out().lines().dropWhile(l -> !l.startsWith("rank")).skip(1).filter(l -> !l.isBlank()).count());

        Cli unknown = cli("explain", "--model", model.toString(), "--session", "3,100000");
        assertEquals(2, unknown.exit());
        assertTrue(unknown.err().startsWith("error: unknown item id 100000 at position 1"), unknown.err());
        Cli empty = cli("explain", "--model", model.toString(), "--session", "");
        assertEquals(2, empty.exit());
        assertFalse(empty.err().contains("\tat "), empty.err());
    }

    @Test
    void thePicturesAreMadeFromTheWeights() throws Exception {
        try (Recommender r = Recommender.load(model)) {
            Explanation e = r.explain(List.of(12, 4, 12, 4, 8), 5);
            assertEquals(3, AttentionView.readout(e).rowCount());
            assertEquals("1, 3", AttentionView.readout(e).where(AttentionView.readout(e).intColumn("item").isEqualTo(12))
                    .stringColumn("clicks").get(0));
            assertEquals(7, AttentionView.shortcutEdges(e.sgat().get(0)).rowCount());
            Picture graph = AttentionView.shortcutGraph(e, e.sgat().get(0));
            Picture bars = AttentionView.readoutAndTop(e);
            assertEquals(2 * graph.width(), graph.image().getWidth());
            assertTrue(bars.width() > graph.width());
            // Drawn: more than one colour on the graph (edges shaded by weight, nodes, text).
            java.util.Set<Integer> colours = new java.util.HashSet<>();
            for (int x = 0; x < graph.image().getWidth(); x += 7) {
                for (int y = 0; y < graph.image().getHeight(); y += 7) {
                    colours.add(graph.image().getRGB(x, y));
                }
            }
            assertTrue(colours.size() > 20, "colours drawn: " + colours.size());
            javax.imageio.ImageIO.write(graph.image(), "png", work.resolve("graph.png").toFile());
            javax.imageio.ImageIO.write(bars.image(), "png", work.resolve("bars.png").toFile());
            Files.copy(work.resolve("graph.png"), Path.of("target", "explain-graph.png"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            Files.copy(work.resolve("bars.png"), Path.of("target", "explain-bars.png"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
