package io.lessr.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Method;
import java.util.concurrent.atomic.AtomicInteger;
import jdk.jshell.spi.ExecutionControl;
import org.junit.jupiter.api.Test;

/** When an interrupt stops a cell: a snippet's run is {@code invoke}; JShell compiles before it. */
class SnippetExecutionControlTest {
    static final AtomicInteger RUNS = new AtomicInteger();

    public static Object snippet() {
        RUNS.incrementAndGet();
        return null;
    }

    private static Method snippetMethod() throws NoSuchMethodException {
        return SnippetExecutionControlTest.class.getMethod("snippet");
    }

    @Test
    void anInterruptWhileTheCellCompilesKeepsItsSnippetFromStarting() throws Exception {
        SnippetExecutionControl control = new SnippetExecutionControl.Provider().control();
        int before = RUNS.get();
        control.beginCell();
        control.stop(); // no snippet thread yet: JShell is still compiling
        assertThrows(ExecutionControl.StoppedException.class, () -> control.invoke(snippetMethod()));
        assertTrue(control.takeStopRequest(), "the cell reports the interrupt");
        control.endCell();
        assertEquals(before, RUNS.get(), "the snippet did not run");
    }

    @Test
    void anInterruptBetweenCellsIsNotKeptForTheNextOne() throws Exception {
        SnippetExecutionControl control = new SnippetExecutionControl.Provider().control();
        control.stop(); // nothing runs
        int before = RUNS.get();
        control.beginCell();
        control.invoke(snippetMethod());
        assertFalse(control.takeStopRequest());
        control.endCell();
        control.beginCell();
        control.stop();
        control.endCell(); // the interrupt came as the cell ended
        control.beginCell();
        control.invoke(snippetMethod());
        control.endCell();
        assertEquals(before + 2, RUNS.get(), "both later snippets ran");
    }
}
