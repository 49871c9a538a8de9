package io.lessr.kernel;

/**
 * The stop check that {@link StopCheckWeaver} puts into every class a cell compiles to, at each method's
 * entry and before each backward branch: once an interrupt asks for a hard stop, the cell's own code throws
 * {@link Stopped} at the next loop turn or call, on any JDK. This is the technique of JShell's own
 * {@code LocalExecutionControl} since JDK 20 (JDK-8289613), which replaced {@code Thread.stop}: that throws
 * {@code UnsupportedOperationException} on every JDK since 20.
 */
public final class StopCheck {
    private static volatile boolean requested;

    private StopCheck() {}

    /** Called by instrumented cell code; public because cells are loaded by another class loader. */
    public static void check() {
        if (requested) {
            throw new Stopped();
        }
    }

    static void request() {
        requested = true;
    }

    static void clear() {
        requested = false;
    }

    /** What a stopped cell's code throws: an {@code Error}, so that a cell's {@code catch (Exception e)} lets it pass. */
    public static final class Stopped extends Error {
        Stopped() {
            super("the cell was stopped", null, false, false);
        }
    }
}
