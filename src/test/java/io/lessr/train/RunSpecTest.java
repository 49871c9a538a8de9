package io.lessr.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Every setting is checked once, in RunSpec: the same bad value through the builder and through the command line. */
class RunSpecTest {
    /** A bad value: the builder change, the command-line flags, and the message's start in each. */
    static Stream<Arguments> badSettings() {
        return Stream.of(
                bad(b -> b.epochs(0), List.of("--epochs", "0"), "epochs must be at least 1"),
                bad(b -> b.epochs(-1), List.of("--epochs", "-1"), "epochs must be at least 1"),
                bad(b -> b.batchSize(0), List.of("--batch-size", "0"), "batchSize must be at least 1"),
                bad(b -> b.embeddingDim(0), List.of("--embedding-dim", "0"), "embeddingDim must be at least 1"),
                bad(b -> b.numLayers(0), List.of("--num-layers", "0"), "numLayers must be at least 1"),
                bad(b -> b.featDrop(1.0), List.of("--feat-drop", "1"), "featDrop must lie in [0, 1)"),
                bad(b -> b.featDrop(-0.1), List.of("--feat-drop", "-0.1"), "featDrop must lie in [0, 1)"),
                bad(b -> b.lr(0), List.of("--lr", "0"), "lr must be positive"),
                bad(b -> b.lr(Double.NaN), List.of("--lr", "NaN"), "lr must be positive"),
                bad(b -> b.weightDecay(-1e-4), List.of("--weight-decay", "-1e-4"), "weightDecay must be at least 0"),
                bad(b -> b.ks(List.of(0, 20)), List.of("--Ks", "0,20"), "Ks must all be at least 1"),
                bad(b -> b.patience(0), List.of("--patience", "0"), "patience must be at least 1"),
                bad(b -> b.numWorkers(0), List.of("--num-workers", "0"), "numWorkers must be at least 1"),
                bad(b -> b.logInterval(0), List.of("--log-interval", "0"), "logInterval must be at least 1"),
                bad(b -> b.validSplit(1.0), List.of("--valid-split", "1"), "validSplit must lie in (0, 1)"),
                bad(b -> b.validSplit(0.0), List.of("--valid-split", "0"), "validSplit must lie in (0, 1)"));
    }

    private static Arguments bad(UnaryOperator<RunSpec.Builder> change, List<String> flags, String message) {
        return Arguments.of(change, flags, message);
    }

    @ParameterizedTest(name = "{2}: {1}")
    @MethodSource("badSettings")
    void aBadSettingIsOneClearLineFromTheBuilderAndTheCommandLine(UnaryOperator<RunSpec.Builder> change, List<String> flags,
            String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> change.apply(RunSpec.builder()).build());
        assertTrue(e.getMessage().startsWith(message + ", got "), e.getMessage());

        CommandLine cl = io.lessr.cli.MainAccess.commandLine();
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err));
        List<String> args = new java.util.ArrayList<>(List.of("train", "--device", "cpu"));
        args.addAll(flags);
        assertEquals(2, cl.execute(args.toArray(String[]::new)), err.toString());
        String flagMessage = "error: " + flags.get(0) + message.substring(message.indexOf(' '));
        assertTrue(err.toString().startsWith(flagMessage + ", got "), "in the command line's words: " + err);
        assertEquals(1, err.toString().strip().lines().count(), "one line: " + err);
        assertFalse(err.toString().contains("\tat "), "no stack trace: " + err);
    }

    @Test
    void theWalkthroughDefaultsAreValidAndTheBuilderStartsFromThem() {
        RunSpec w = RunSpec.walkthrough();
        assertEquals(w, RunSpec.builder().build());
        assertEquals(w.config(100), new io.lessr.model.LessrConfig(100, w.embeddingDim(), w.numLayers(), w.featDrop(), true));
        assertEquals(3, RunSpec.builder().epochs(3).build().epochs());
    }

    @Test
    void anUnknownDeviceIsRefusedBeforeAnyWork() {
        CommandLine cl = io.lessr.cli.MainAccess.commandLine();
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err));
        assertEquals(2, cl.execute("train", "--device", "tpu"));
        assertTrue(err.toString().startsWith("error: "), err.toString());
        assertFalse(err.toString().contains("\tat "), err.toString());
    }
}
