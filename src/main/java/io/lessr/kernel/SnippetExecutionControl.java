package io.lessr.kernel;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;
import jdk.jshell.execution.DirectExecutionControl;
import jdk.jshell.spi.ExecutionControl;
import jdk.jshell.spi.ExecutionControlProvider;
import jdk.jshell.spi.ExecutionEnv;

/**
 * Runs JShell snippets in this JVM (so cells share objects with the kernel and the kit) on a thread of
 * their own, keeps each snippet's result object for rich display, and stops a running snippet on
 * interrupt: first by interrupting its thread (a sleep or wait ends at once, and long library loops such
 * as training check for it and stop cleanly between batches), then, if it does not stop within a grace
 * period, by the stop checks compiled into every snippet class ({@link StopCheckWeaver}): the cell's own
 * code throws at its next loop turn or call. The same on every JDK: {@code Thread.stop}, which Java 17
 * still had, throws on every JDK since 20.
 */
final class SnippetExecutionControl extends DirectExecutionControl {
    private static final long GRACE_MILLIS = 3000;

    private final Map<String, Object> results = new ConcurrentHashMap<>();
    private volatile Thread running;
    private volatile boolean stopRequested;
    private volatile boolean cellInProgress;
    private boolean warnedUnreadable;
    private static final Logger LOG = Logger.getLogger(SnippetExecutionControl.class.getName());

    /** The provider JShell's builder takes. */
    static final class Provider implements ExecutionControlProvider {
        private final SnippetExecutionControl control = new SnippetExecutionControl();

        SnippetExecutionControl control() {
            return control;
        }

        @Override
        public String name() {
            return "lessr-kernel";
        }

        @Override
        public ExecutionControl generate(ExecutionEnv env, Map<String, String> parameters) {
            return control;
        }
    }

    @Override
    public void load(ClassBytecodes[] classes) throws ClassInstallException, NotImplementedException, EngineTerminationException {
        ClassBytecodes[] checked = new ClassBytecodes[classes.length];
        for (int i = 0; i < classes.length; i++) {
            byte[] bytes = classes[i].bytecodes();
            try {
                bytes = StopCheckWeaver.instrument(bytes);
            } catch (IllegalArgumentException unreadable) {
                // A JDK newer than ASM knows: the cell still runs; only the hard stop is missing.
                if (!warnedUnreadable) {
                    warnedUnreadable = true;
                    LOG.warning("cells run without stop checks on Java " + Runtime.version() + ": " + unreadable.getMessage());
                }
            }
            checked[i] = new ClassBytecodes(classes[i].name(), bytes);
        }
        super.load(checked);
    }

    /** The object a snippet evaluated to, by the key JShell reported as its value; removed once taken. */
    Object takeResult(String key) {
        return key == null ? null : results.remove(key);
    }

    @Override
    protected String invoke(Method doitMethod) throws Exception {
        Object[] result = new Object[1];
        Throwable[] failure = new Throwable[1];
        Thread thread = new Thread(() -> {
            try {
                result[0] = doitMethod.invoke(null);
            } catch (InvocationTargetException e) {
                failure[0] = e.getCause();
            } catch (Throwable t) {
                failure[0] = t;
            }
        }, "jshell-snippet");
        thread.setContextClassLoader(Thread.currentThread().getContextClassLoader());
        StopCheck.clear();
        running = thread;
        if (stopRequested) {
            // Interrupted while the cell was compiling or between its snippets: this snippet does not start.
            running = null;
            throw new StoppedException();
        }
        thread.start();
        try {
            thread.join();
        } finally {
            running = null;
        }
        if (failure[0] != null) {
            if (failure[0] instanceof StopCheck.Stopped) {
                throw new StoppedException();
            }
            throw new InvocationTargetException(failure[0]);
        }
        if (result[0] == null) {
            return valueString(null);
        }
        String key = UUID.randomUUID().toString();
        results.put(key, result[0]);
        return key;
    }

    /** Whether an interrupt stopped the last snippet; clears the flag. */
    boolean takeStopRequest() {
        boolean was = stopRequested;
        stopRequested = false;
        return was;
    }

    /**
     * A cell's snippets are about to be compiled and run: an interrupt from now until {@link #endCell} stops
     * the cell, also while a snippet compiles (no snippet thread yet) or between two snippets.
     */
    void beginCell() {
        stopRequested = false;
        cellInProgress = true;
    }

    /** The cell is over: an interrupt from now on finds nothing to stop. */
    void endCell() {
        cellInProgress = false;
        stopRequested = false;
    }

    @Override
    public void stop() {
        if (!cellInProgress) {
            return;
        }
        stopRequested = true; // before running is read: invoke sets running first, then reads this
        Thread thread = running;
        if (thread == null) {
            return; // the next snippet will not start
        }
        thread.interrupt();
        // The thread may not have started yet: wait for the snippet to end, not for the thread to die.
        long deadline = System.nanoTime() + GRACE_MILLIS * 1_000_000;
        try {
            while (running == thread && System.nanoTime() < deadline) {
                thread.join(10);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (running == thread) {
            StopCheck.request(); // the snippet would not stop when asked
        }
    }
}
