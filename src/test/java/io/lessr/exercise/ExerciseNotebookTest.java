package io.lessr.exercise;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.lessr.kernel.TestKernelspec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The exercises as a teacher hands them out and grades them: {@code release/} is what {@code
 * scripts/exercises.py release} makes of {@code source/} and leaks no solution; nbgrader's metadata rules
 * hold; and {@code scripts/exercises.py grade}, on this build's kernel, scores the teacher's notebook full
 * marks, the released one zero (every check saying "not implemented"), a notebook that does not compile or
 * is not a notebook at all, or kills its kernel, zero for what it breaks, and three notebooks of wrong solutions zero on every
 * check, each with the message that names the mistake.
 */
class ExerciseNotebookTest {
    private static final Path PYTHON = Path.of("/usr/bin/python3");
    private static final Path SOURCE = Path.of("notebooks/exercises/source/lessr/lessr-exercises.ipynb");
    private static final Path RELEASE = Path.of("notebooks/exercises/release/lessr/lessr-exercises.ipynb");

    /** A wrong solution: in the solution cell {@code cell}, {@code find} becomes {@code replace}; check {@code check} must say {@code says}. */
    private record Mistake(String cell, String find, String replace, String check, String says) {}

    private static final List<Mistake> FIRST = List.of(
            new Mistake("seq_to_eop_multigraph", ".distinct().sorted().toArray(); // np.unique", ".distinct().toArray();",
                    "check_seq_to_eop_multigraph", "nodes not sorted"),
            new Mistake("seq_to_shortcut_graph", "for (int j = i; j < seq.length; j++)", "for (int j = i + 1; j < seq.length; j++)",
                    "check_seq_to_shortcut_graph", "self-loops left out"),
            new Mistake("augmented_dataset", ".reversed()", "", "check_augmented_dataset", "longest prefixes first"),
            new Mistake("fix_weight_decay", "\"bias\", \"batch_norm\", \"activation\"", "\"bias\", \"batch_norm\"",
                    "check_fix_weight_decay", "PReLU's slopes"),
            new Mistake("eopa", "rst = call(fcSelf, feat).add(", "rst = call(fcSelf, ft).add(", "check_eopa",
                    "dropout applied to the wrong input"),
            new Mistake("sgat", "Activation.sigmoid(uAddV(sg, q, k))", "uAddV(sg, q, k)", "check_sgat", "a different output for session"),
            new Mistake("attn_readout", "segmentSoftmax(g, e)", "e.softmax(0)", "check_attn_readout", "a different output for session"),
            new Mistake("metrics", "double hitRank = r + 1;", "double hitRank = r;", "check_metrics", "rank counted from 0"));

    private static final List<Mistake> SECOND = List.of(
            new Mistake("seq_to_eop_multigraph", "int[] src = Arrays.copyOfRange(seqNid, 0, seq.length - 1); // empty for a one-item prefix\n"
                    + "    int[] dst = Arrays.copyOfRange(seqNid, 1, seq.length);",
                    "Set<List<Integer>> pairs = new LinkedHashSet<>();\n"
                    + "    for (int i = 1; i < seq.length; i++) pairs.add(List.of(seqNid[i - 1], seqNid[i]));\n"
                    + "    int[] src = pairs.stream().mapToInt(p -> p.get(0)).toArray(), dst = pairs.stream().mapToInt(p -> p.get(1)).toArray();",
                    "check_seq_to_eop_multigraph", "edges deduplicated"),
            new Mistake("seq_to_shortcut_graph", "List.of(seqNid[i], seqNid[j])", "List.of(seqNid[j], seqNid[i])",
                    "check_seq_to_shortcut_graph", "edges reversed"),
            new Mistake("augmented_dataset", "seq[labelIdx]);", "seq[labelIdx - 1]);", "check_augmented_dataset",
                    "the label is the item after the prefix"),
            new Mistake("fix_weight_decay", "if (!param.requiresGradient()) return; // batch norm's running statistics", "",
                    "check_fix_weight_decay", "running statistics are not trained"),
            new Mistake("eopa", "updateAll(mg, ft, this::reducer)", "updateAll(mg, feat, this::reducer)", "check_eopa",
                    "the messages are ft = feat_drop(feat)"),
            new Mistake("sgat", "edgeSoftmax(sg, e)", "softmaxBySegment(e, sg.src(), sg.numNodes())", "check_sgat",
                    "a different output for session"),
            new Mistake("attn_readout", "feat = call(featDrop, feat);", "", "check_attn_readout", "no dropout"),
            new Mistake("metrics", "1 / (Math.log(1 + hitRank) / Math.log(2))", "1 / Math.log(1 + hitRank)", "check_metrics",
                    "log base of NDCG"));

    /** createIndex's mistakes alone: AugmentedDataset calls createIndex, so they would fail its check too. */
    private static final List<Mistake> THIRD = List.of(
            new Mistake("create_index", "int labelIdx = 1;", "int labelIdx = 0;", "check_create_index", "label positions start at 1"));

    @TempDir
    static Path tmp;

    private static Map<String, List<String[]>> grades;
    private static String gradeLog;

    @BeforeAll
    static void gradeEverySubmission() throws Exception {
        assertTrue(Files.isExecutable(PYTHON), "Debian's python3 is missing: run scripts/setup-jupyter.sh");
        TestKernelspec.write(tmp.resolve("jupyter"));
        Path submitted = tmp.resolve("submitted");
        copy(SOURCE, submitted.resolve("teacher/lessr/lessr-exercises.ipynb"));
        copy(RELEASE, submitted.resolve("student/lessr/lessr-exercises.ipynb"));
        write(submitted.resolve("wrong1/lessr/lessr-exercises.ipynb"), mutate(FIRST));
        write(submitted.resolve("wrong2/lessr/lessr-exercises.ipynb"), mutate(SECOND));
        write(submitted.resolve("wrong3/lessr/lessr-exercises.ipynb"), mutate(THIRD));
        // A cell that does not compile costs what depends on it, nothing more; half a file is not a notebook.
        write(submitted.resolve("uncompilable/lessr/lessr-exercises.ipynb"),
                mutate(List.of(new Mistake("seq_to_eop_multigraph", "int[] items =", "int[] items = ;", null, null))));
        write(submitted.resolve("truncated/lessr/lessr-exercises.ipynb"), Files.readString(SOURCE).substring(0, 5000));
        // A solution that ends the kernel's JVM while its check runs.
        write(submitted.resolve("crashed/lessr/lessr-exercises.ipynb"), mutate(List.of(new Mistake("eopa",
                "NDArray hn = gru.forward(", "if (m.getShape().get(1) > 1) System.exit(3);\n        NDArray hn = gru.forward(", null, null))));
        Files.createDirectories(submitted.resolve("absent/lessr"));
        long start = System.nanoTime();
        Result r = run(List.of(PYTHON.toString(), "scripts/exercises.py", "grade", submitted.toString(), "--kernel", "lessr-java"), 900);
        System.out.printf("graded 9 submissions in %.1f s%n%s%n", (System.nanoTime() - start) / 1e9, r.out);
        assertEquals(0, r.exit, r.out + r.err);
        gradeLog = r.out + r.err;
        grades = new LinkedHashMap<>();
        List<String> lines = Files.readAllLines(tmp.resolve("grades.csv"));
        assertEquals("student,assignment,notebook,grade_id,points,max_points,status", lines.get(0));
        for (String line : lines.subList(1, lines.size())) {
            String[] f = parseCsv(line);
            grades.computeIfAbsent(f[0], k -> new ArrayList<>()).add(f);
        }
    }

    @Test
    void theReleaseIsWhatTheCommandMakesOfTheSource() throws Exception {
        Result check = run(List.of(PYTHON.toString(), "scripts/exercises.py", "release", "--check"), 120);
        assertEquals(0, check.exit, check.out + check.err);
        Result validate = run(List.of(PYTHON.toString(), "scripts/exercises.py", "validate"), 120);
        assertEquals(0, validate.exit, validate.out + validate.err);
        // The check notices a release/ that is out of date.
        Path copy = tmp.resolve("stale");
        copy(RELEASE, copy.resolve("release/lessr/lessr-exercises.ipynb"));
        Path release = copy.resolve("release/lessr/lessr-exercises.ipynb");
        Files.writeString(release, Files.readString(release).replace("YOUR CODE HERE", "YOUR CODE"));
        Result stale = run(List.of(PYTHON.toString(), "scripts/exercises.py", "--release", copy.resolve("release").toString(),
                "release", "--check"), 120);
        assertEquals(1, stale.exit, stale.out + stale.err);
        assertTrue(stale.err.contains("not what scripts/exercises.py release makes"), stale.err);
    }

    @Test
    void metadataFollowsNbgradersRules() throws Exception {
        for (Path path : List.of(SOURCE, RELEASE)) {
            JsonObject nb = JsonParser.parseString(Files.readString(path)).getAsJsonObject();
            List<String> ids = new ArrayList<>();
            int checks = 0;
            double points = 0;
            for (JsonElement c : nb.getAsJsonArray("cells")) {
                JsonObject meta = c.getAsJsonObject().getAsJsonObject("metadata");
                if (!meta.has("nbgrader")) {
                    continue;
                }
                JsonObject g = meta.getAsJsonObject("nbgrader");
                assertEquals(3, g.get("schema_version").getAsInt(), path + ": " + g);
                String id = g.get("grade_id").getAsString();
                assertFalse(ids.contains(id), path + ": grade_id " + id + " twice");
                ids.add(id);
                boolean grade = g.get("grade").getAsBoolean();
                boolean solution = g.get("solution").getAsBoolean();
                boolean locked = g.get("locked").getAsBoolean();
                if (grade) {
                    assertTrue(g.get("points").getAsDouble() > 0, path + ": " + id + " has no points");
                    assertTrue(locked && !solution, path + ": check " + id + " must be locked and not a solution");
                    checks++;
                    points += g.get("points").getAsDouble();
                }
                if (solution) {
                    assertFalse(locked, path + ": solution cell " + id + " is locked");
                }
                if (path.equals(RELEASE) && (grade || solution || locked)) {
                    assertEquals(32, g.get("checksum").getAsString().length(), path + ": " + id + " has no checksum");
                    assertFalse(meta.get("deletable").getAsBoolean(), path + ": " + id + " can be deleted");
                }
            }
            assertEquals(9, checks, path.toString());
            assertEquals(16.0, points, path.toString());
        }
    }

    @Test
    void theReleaseLeaksNoSolution() throws Exception {
        String source = Files.readString(SOURCE);
        String release = Files.readString(RELEASE);
        JsonObject teacher = JsonParser.parseString(source).getAsJsonObject();
        JsonObject student = JsonParser.parseString(release).getAsJsonObject();
        for (String marker : List.of("BEGIN SOLUTION", "END SOLUTION", "HIDDEN TESTS", "ExerciseSessions.of(1000")) {
            assertFalse(release.contains(marker), "the release holds " + marker);
        }
        JsonArray tc = teacher.getAsJsonArray("cells");
        JsonArray sc = student.getAsJsonArray("cells");
        assertEquals(tc.size(), sc.size());
        int explanationOutputs = 0;
        for (int i = 0; i < tc.size(); i++) {
            JsonObject t = tc.get(i).getAsJsonObject();
            JsonObject s = sc.get(i).getAsJsonObject();
            JsonObject g = t.getAsJsonObject("metadata").getAsJsonObject("nbgrader");
            boolean graded = g != null && (g.get("solution").getAsBoolean() || g.get("grade").getAsBoolean());
            if (s.has("outputs")) {
                if (graded) {
                    assertEquals(0, s.getAsJsonArray("outputs").size(), "cell " + i + " keeps its outputs");
                } else {
                    assertEquals(t.get("outputs"), s.get("outputs"), "explanation cell " + i + " lost its outputs");
                    explanationOutputs += s.getAsJsonArray("outputs").size();
                }
            }
            if (g != null && g.get("solution").getAsBoolean()) {
                // Every line of a solution region is gone (a blank or a lone brace aside).
                boolean inside = false;
                for (String line : join(t.get("source")).split("\n")) {
                    if (line.contains("BEGIN SOLUTION")) {
                        inside = true;
                    } else if (line.contains("END SOLUTION")) {
                        inside = false;
                    } else if (inside && line.strip().length() > 12) { // "} else {" is no solution
                        assertFalse(release.contains(escape(line.strip())), "cell " + i + " leaks: " + line.strip());
                    }
                }
                assertTrue(join(s.get("source")).contains("// YOUR CODE HERE\n"), "cell " + i);
            }
        }
        assertTrue(explanationOutputs >= 3, "the explanation cells' setup line and pictures are stored: " + explanationOutputs);
    }

    @Test
    void theTeachersNotebookScoresFullMarksAndTheReleasedOneZero() {
        for (String[] row : grades.get("teacher")) {
            assertEquals(row[5], row[4], "teacher " + row[3] + ": " + row[6]);
            assertEquals("passed", row[6]);
        }
        assertEquals(9, grades.get("teacher").size());
        for (String[] row : grades.get("student")) {
            assertEquals("0", row[4], "released " + row[3]);
            assertTrue(row[6].startsWith("java.lang.AssertionError: ") && row[6].contains("not implemented yet"), row[6]);
        }
        for (String who : List.of("teacher", "student")) {
            String executed = readExecuted(who);
            assertFalse(executed.contains("at io.lessr."), who + ": a stack trace from the kit");
            assertEquals(List.of(), stderrOfChecks(executed), who + ": a check printed to stderr");
            // Grading put the teacher's hidden tests back into the released notebook's checks.
            assertTrue(executed.contains("ExerciseSessions.of(1000"), who + ": graded without the hidden tests");
        }
    }

    @Test
    void everyWrongSolutionFailsItsCheckWithWhatDiffers() {
        for (var entry : Map.of("wrong1", FIRST, "wrong2", SECOND, "wrong3", THIRD).entrySet()) {
            Map<String, String[]> byCheck = new LinkedHashMap<>();
            grades.get(entry.getKey()).forEach(row -> byCheck.put(row[3], row));
            for (Mistake m : entry.getValue()) {
                String[] row = byCheck.get(m.check());
                assertEquals("0", row[4], entry.getKey() + " " + m + ": " + row[6]);
                assertTrue(row[6].startsWith("java.lang.AssertionError: "), row[6]);
                assertTrue(gradeLog.contains(m.check() + ": ") && row[6].length() > 40, row[6]);
            }
            // The full message (the CSV keeps its first line) is in the executed notebook the student gets back.
            String executed = readExecuted(entry.getKey());
            Map<String, String> errors = checkErrors(executed);
            for (Mistake m : entry.getValue()) {
                String error = errors.getOrDefault(m.check(), "");
                assertTrue(error.contains(m.says()) && error.contains("expected") || error.contains(m.says()) && error.contains("Hint"),
                        entry.getKey() + ": no \"" + m.says() + "\" for " + m.cell() + " in " + error);
            }
            assertFalse(executed.contains("at io.lessr."), entry.getKey() + ": a stack trace from the kit");
            assertEquals(List.of(), stderrOfChecks(executed), entry.getKey() + ": a check printed to stderr");
        }
    }

    @Test
    void aNotebookThatDoesNotRunScoresZeroWithTheReasonAndTheGraderGoesOn() {
        List<String[]> broken = grades.get("uncompilable");
        for (String[] row : broken) {
            if (row[3].equals("check_seq_to_eop_multigraph")) {
                assertEquals("0", row[4]);
                assertTrue(row[6].contains("cannot find symbol"), row[6]);
            } else {
                assertEquals(row[5], row[4], "an unrelated check of the uncompilable notebook: " + row[3] + " " + row[6]);
            }
        }
        // The check running when the kernel died scores nothing, nor does any after it; those before keep their points.
        boolean after = false;
        for (String[] row : grades.get("crashed")) {
            after |= row[3].equals("check_eopa");
            if (after) {
                assertEquals("0", row[4], row[3]);
                assertTrue(row[6].startsWith("the kernel died in cell ") && row[6].contains("(check_eopa)"), row[6]);
            } else {
                assertEquals(row[5], row[4], "a check before the crash: " + row[3] + " " + row[6]);
            }
        }
        assertTrue(after, "no check_eopa row");
        for (String[] row : grades.get("truncated")) {
            assertEquals("0", row[4]);
            assertTrue(row[6].startsWith("not a readable notebook"), row[6]);
        }
        for (String[] row : grades.get("absent")) {
            assertEquals("0", row[4]);
            assertEquals("not submitted", row[6]);
        }
    }

    /** Each check cell's error message and traceback, by grade_id. */
    private static Map<String, String> checkErrors(String executed) {
        Map<String, String> out = new LinkedHashMap<>();
        for (JsonElement c : JsonParser.parseString(executed).getAsJsonObject().getAsJsonArray("cells")) {
            JsonObject cell = c.getAsJsonObject();
            JsonObject g = cell.getAsJsonObject("metadata").getAsJsonObject("nbgrader");
            if (g == null || !g.get("grade").getAsBoolean()) {
                continue;
            }
            StringBuilder sb = new StringBuilder();
            for (JsonElement o : cell.getAsJsonArray("outputs")) {
                JsonObject x = o.getAsJsonObject();
                if (x.get("output_type").getAsString().equals("error")) {
                    sb.append(x.get("evalue").getAsString()).append('\n');
                    x.getAsJsonArray("traceback").forEach(t -> sb.append(t.getAsString()).append('\n'));
                }
            }
            out.put(g.get("grade_id").getAsString(), sb.toString());
        }
        return out;
    }

    /** The grade_ids of check cells with a stderr stream among their outputs (nbgrader gives those no points). */
    private static List<String> stderrOfChecks(String executed) {
        List<String> out = new ArrayList<>();
        for (JsonElement c : JsonParser.parseString(executed).getAsJsonObject().getAsJsonArray("cells")) {
            JsonObject cell = c.getAsJsonObject();
            JsonObject g = cell.getAsJsonObject("metadata").getAsJsonObject("nbgrader");
            if (g != null && g.get("grade").getAsBoolean()) {
                for (JsonElement o : cell.getAsJsonArray("outputs")) {
                    JsonObject x = o.getAsJsonObject();
                    if (x.get("output_type").getAsString().equals("stream") && x.get("name").getAsString().equals("stderr")) {
                        out.add(g.get("grade_id").getAsString());
                    }
                }
            }
        }
        return out;
    }

    private static String readExecuted(String student) {
        try {
            return Files.readString(tmp.resolve("autograded").resolve(student).resolve("lessr/lessr-exercises.ipynb"));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static String mutate(List<Mistake> mistakes) throws Exception {
        JsonObject nb = JsonParser.parseString(Files.readString(SOURCE)).getAsJsonObject();
        for (Mistake m : mistakes) {
            boolean found = false;
            for (JsonElement c : nb.getAsJsonArray("cells")) {
                JsonObject cell = c.getAsJsonObject();
                JsonObject g = cell.getAsJsonObject("metadata").getAsJsonObject("nbgrader");
                if (g != null && g.get("grade_id").getAsString().equals(m.cell())) {
                    String text = join(cell.get("source"));
                    assertTrue(text.contains(m.find()), m.cell() + " has no " + m.find());
                    cell.addProperty("source", text.replace(m.find(), m.replace()));
                    found = true;
                }
            }
            assertTrue(found, m.cell());
        }
        return nb.toString();
    }

    private static String join(JsonElement source) {
        if (source.isJsonArray()) {
            StringBuilder sb = new StringBuilder();
            source.getAsJsonArray().forEach(e -> sb.append(e.getAsString()));
            return sb.toString();
        }
        return source.getAsString();
    }

    /** A source line as it appears inside the notebook's JSON. */
    private static String escape(String line) {
        String json = new com.google.gson.Gson().toJson(line);
        return json.substring(1, json.length() - 1);
    }

    private static void copy(Path from, Path to) throws Exception {
        Files.createDirectories(to.getParent());
        Files.copy(from, to);
    }

    private static void write(Path to, String text) throws Exception {
        Files.createDirectories(to.getParent());
        Files.writeString(to, text);
    }

    private static String[] parseCsv(String line) {
        List<String> fields = new ArrayList<>();
        StringBuilder f = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char ch = line.charAt(i);
            if (quoted && ch == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
                f.append('"');
                i++;
            } else if (ch == '"') {
                quoted = !quoted;
            } else if (ch == ',' && !quoted) {
                fields.add(f.toString());
                f.setLength(0);
            } else {
                f.append(ch);
            }
        }
        fields.add(f.toString());
        return fields.toArray(String[]::new);
    }

    private record Result(int exit, String out, String err) {}

    private static Result run(List<String> cmd, int timeoutSeconds) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("JUPYTER_PATH", tmp.resolve("jupyter").toString());
        pb.environment().put("PYDEVD_DISABLE_FILE_VALIDATION", "1");
        Path out = Files.createTempFile(tmp, "out", ".log");
        Path err = Files.createTempFile(tmp, "err", ".log");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        Process p = pb.start();
        boolean done = p.waitFor(timeoutSeconds, TimeUnit.SECONDS);
        if (!done) {
            p.destroyForcibly();
        }
        return new Result(done ? p.exitValue() : -1, Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    }
}
