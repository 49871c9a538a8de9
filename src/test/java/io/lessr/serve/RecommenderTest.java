package io.lessr.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import io.lessr.data.SyntheticSessions;
import io.lessr.model.Lessr;
import io.lessr.model.LessrConfig;
import io.lessr.model.EngineSettings;
import io.lessr.model.SavedModel;
import io.lessr.model.TorchInit;
import io.lessr.serve.Recommender.Recommendation;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RecommenderTest {
    private static final int ITEMS = 300;
    private static NDManager manager;
    private static Lessr model;
    private static List<List<Integer>> sessions;

    @TempDir
    Path tmp;

    @BeforeAll
    static void model() {
        EngineSettings.configureDefaults();
        manager = NDManager.newBaseManager(Device.cpu());
        model = new Lessr(new LessrConfig(ITEMS, 16, 3, 0.2, true)).initialize(manager);
        TorchInit.apply(model, 9);
        SyntheticSessions gen = new SyntheticSessions(
                new SyntheticSessions.Settings(ITEMS, 1, 1, 6, 1.0, 3, 0.6, 0.1, 4));
        sessions = gen.sessions(500).stream().map(s -> Arrays.stream(s).boxed().toList()).toList();
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    @Test
    void concurrentAndSequentialCallsAgreeExactly() throws Exception {
        int requests = 10_000;
        List<List<Recommendation>> sequential = new ArrayList<>();
        try (Recommender r = new Recommender(model, manager)) {
            for (int i = 0; i < requests; i++) {
                sequential.add(r.recommend(sessions.get(i % sessions.size()), 20, i % 3 == 0));
            }
            ExecutorService pool = Executors.newFixedThreadPool(8);
            List<Future<List<Recommendation>>> concurrent = new ArrayList<>();
            for (int i = 0; i < requests; i++) {
                int at = i;
                concurrent.add(pool.submit(() -> r.recommend(sessions.get(at % sessions.size()), 20, at % 3 == 0)));
            }
            for (int i = 0; i < requests; i++) {
                assertEquals(sequential.get(i), concurrent.get(i).get(), "request " + i);
            }
            pool.shutdown();
        }
    }

    @Test
    void batchedScoresMatchUnbatchedToFloatPrecision() throws Exception {
        try (Recommender single = new Recommender(model, manager, 1, 1);
                Recommender batched = new Recommender(model, manager, 2, 64)) {
            ExecutorService pool = Executors.newFixedThreadPool(8);
            List<Future<List<Recommendation>>> futures = new ArrayList<>();
            for (int i = 0; i < 2000; i++) {
                int at = i;
                futures.add(pool.submit(() -> batched.recommend(sessions.get(at % sessions.size()), 20)));
            }
            for (int i = 0; i < futures.size(); i++) {
                Map<Integer, Float> expected = new java.util.HashMap<>();
                single.recommend(sessions.get(i % sessions.size()), 20).forEach(x -> expected.put(x.item(), x.score()));
                int common = 0;
                for (Recommendation x : futures.get(i).get()) {
                    if (expected.containsKey(x.item())) {
                        common++;
                        assertEquals(expected.get(x.item()), x.score(), 1e-5 * x.score(), "request " + i);
                    }
                }
                assertTrue(common >= 19, "request " + i + ": only near-ties may swap at the cut");
            }
            pool.shutdown();
        }
    }

    @Test
    void topKIsSortedAndExcludesSeenItemsWhenAsked() {
        List<Integer> session = sessions.get(7);
        try (Recommender r = new Recommender(model, manager)) {
            List<Recommendation> all = r.recommend(session, 50);
            List<Recommendation> unseen = r.recommend(session, 50, true);
            assertEquals(50, all.size());
            assertEquals(50, unseen.size());
            for (int i = 1; i < all.size(); i++) {
                assertTrue(all.get(i - 1).score() >= all.get(i).score());
            }
            assertTrue(unseen.stream().noneMatch(x -> session.contains(x.item())));
            assertEquals(all.stream().filter(x -> !session.contains(x.item())).toList(),
                    unseen.subList(0, (int) all.stream().filter(x -> !session.contains(x.item())).count()));
            List<Recommendation> everything = r.recommend(session, ITEMS);
            double total = everything.stream().mapToDouble(Recommendation::score).sum();
            assertEquals(1.0, total, 1e-3, "scores are probabilities over all items");
        }
    }

    @Test
    void sessionsLongerThanAnyInTrainingAreScored() {
        List<Integer> longSession = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            longSession.add((i * 37) % ITEMS);
        }
        try (Recommender r = new Recommender(model, manager)) {
            assertEquals(10, r.recommend(longSession, 10).size());
        }
    }

    @Test
    void badRequestsGetClearIllegalArgumentExceptions() {
        try (Recommender r = new Recommender(model, manager)) {
            assertTrue(assertThrows(IllegalArgumentException.class, () -> r.recommend(List.of(), 5))
                    .getMessage().contains("empty"));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> r.recommend(List.of(1, ITEMS), 5))
                    .getMessage().contains("unknown item id " + ITEMS));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> r.recommend(List.of(-1), 5))
                    .getMessage().contains("unknown item id -1"));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> r.recommend(Arrays.asList(1, null), 5))
                    .getMessage().contains("unknown item id null"));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> r.recommend(List.of(1), 0))
                    .getMessage().contains("k must lie in"));
            assertEquals(3, r.recommend(List.of(1, 2), 3).size(), "still serving after bad requests");
        }
    }

    @Test
    void aSavedModelGivesTheSameRecommendations() {
        Path dir = tmp.resolve("model");
        SavedModel.write(model, dir, Map.of("note", "test"));
        try (Recommender saved = Recommender.load(dir, Device.cpu(), 2, 1);
                Recommender memory = new Recommender(model, manager)) {
            for (int i = 0; i < 50; i++) {
                assertEquals(memory.recommend(sessions.get(i), 10), saved.recommend(sessions.get(i), 10));
            }
        }
        try (var files = Files.list(tmp)) {
            assertEquals(List.of(dir), files.toList(), "no temporary folders are left");
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void aMissingOrCorruptedModelFileIsRefusedByName() throws IOException {
        Path dir = tmp.resolve("model");
        SavedModel.write(model, dir, Map.of());
        Path params = dir.resolve(SavedModel.PARAMS_FILE);
        byte[] good = Files.readAllBytes(params);

        byte[] flipped = good.clone();
        flipped[flipped.length / 2] ^= 0x40;
        Files.write(params, flipped);
        assertRefused(dir, "model.params is corrupted");

        Files.write(params, Arrays.copyOf(good, good.length / 3));
        assertRefused(dir, "model.params is corrupted");

        Files.delete(params);
        assertRefused(dir, "model.params is missing");

        Files.write(params, good);
        Path meta = dir.resolve(SavedModel.META_FILE);
        String json = Files.readString(meta);
        Files.writeString(meta, json.substring(0, json.length() / 2));
        assertRefused(dir, "model.json is not valid JSON");

        Files.writeString(meta, json.replace("\"formatVersion\": 1", "\"formatVersion\": 99"));
        assertRefused(dir, "has format version 99");

        Files.writeString(meta, json.replace("\"embeddingDim\": 16", "\"embeddingDim\": 32"));
        assertRefused(dir, "needs (300, 32)");

        Files.delete(meta);
        assertRefused(dir, "model.json is missing");
        assertRefused(tmp.resolve("nowhere"), "not found");
    }

    private static void assertRefused(Path dir, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Recommender.load(dir, Device.cpu(), 1, 1).close());
        assertTrue(e.getMessage().contains(message), "expected '" + message + "' in: " + e.getMessage());
        assertFalse(e.getMessage().isBlank());
    }
}
