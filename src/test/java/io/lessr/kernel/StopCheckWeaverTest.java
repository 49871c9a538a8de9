package io.lessr.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The stop checks on their own: where they go, what they throw, what a class file ASM cannot read does. */
class StopCheckWeaverTest {
    /** Stands for a cell's class: a loop, recursion without a loop, and a method that must not change. */
    public static final class Cell {
        public static long spin() {
            long s = 0;
            while (true) {
                s++;
            }
        }

        public static long deep(int n) {
            return n == 0 ? 0 : 1 + deep(n - 1) + deep(n - 1);
        }

        public static int sum(int[] xs) {
            int total = 0;
            for (int x : xs) {
                total += x;
            }
            return total;
        }
    }

    @AfterEach
    void clear() {
        StopCheck.clear();
    }

    private static byte[] classFile(Class<?> c) throws Exception {
        try (InputStream in = c.getResourceAsStream(c.getName().substring(c.getName().lastIndexOf('.') + 1) + ".class")) {
            return in.readAllBytes();
        }
    }

    /** {@link Cell} instrumented, in a loader of its own, as JShell loads a cell. */
    private static Class<?> instrumentedCell() throws Exception {
        String name = Cell.class.getName();
        byte[] bytes = StopCheckWeaver.instrument(classFile(Cell.class));
        ClassLoader loader = new ClassLoader(StopCheckWeaverTest.class.getClassLoader()) {
            @Override
            protected Class<?> loadClass(String n, boolean resolve) throws ClassNotFoundException {
                if (n.equals(name)) {
                    synchronized (this) {
                        Class<?> c = findLoadedClass(n);
                        return c != null ? c : defineClass(n, bytes, 0, bytes.length);
                    }
                }
                return super.loadClass(n, resolve);
            }
        };
        return loader.loadClass(name);
    }

    private static Throwable stopWhileRunning(Method m, Object... args) throws Exception {
        CompletableFuture<Throwable> thrown = CompletableFuture.supplyAsync(() -> {
            try {
                m.invoke(null, args);
                return null;
            } catch (InvocationTargetException e) {
                return e.getCause();
            } catch (ReflectiveOperationException e) {
                return e;
            }
        });
        Thread.sleep(200);
        StopCheck.request();
        return thrown.get(10, TimeUnit.SECONDS);
    }

    @Test
    void aLoopAndARecursionStopAtTheNextCheck() throws Exception {
        Class<?> cell = instrumentedCell();
        assertTrue(stopWhileRunning(cell.getMethod("spin")) instanceof StopCheck.Stopped, "a backward branch checks");
        StopCheck.clear();
        assertTrue(stopWhileRunning(cell.getMethod("deep", int.class), 60) instanceof StopCheck.Stopped, "a method entry checks");
    }

    @Test
    void withoutARequestTheCodeComputesAsBefore() throws Exception {
        Class<?> cell = instrumentedCell();
        assertEquals(10, cell.getMethod("sum", int[].class).invoke(null, (Object) new int[] {1, 2, 3, 4}));
        assertEquals(1023L, cell.getMethod("deep", int.class).invoke(null, 10));
        StopCheck.request();
        Throwable t = assertThrows(InvocationTargetException.class,
                () -> cell.getMethod("sum", int[].class).invoke(null, (Object) new int[] {1})).getCause();
        assertTrue(t instanceof StopCheck.Stopped, t.toString());
    }

    @Test
    void aClassFileOfAnUnknownVersionIsRefusedWithTheReason() throws Exception {
        byte[] bytes = classFile(Cell.class);
        bytes[6] = 0;
        bytes[7] = (byte) 200; // major version 200
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> StopCheckWeaver.instrument(bytes));
        assertTrue(e.getMessage().contains("200"), e.getMessage());
    }
}
