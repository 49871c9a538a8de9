package io.lessr.bench;

import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.Instrumentation;
import java.security.ProtectionDomain;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;

/**
 * Counts and times every call into libtorch, per thread and per native method: a Java agent
 * ({@code -javaagent:target/lessr.jar}) that wraps each call DJL's PyTorch engine makes to a native method
 * of {@code PyTorchLibrary} with {@link #begin} and {@link #end}. Native calls do not nest, so one start
 * time per thread is enough. Without the agent nothing is counted and nothing costs anything.
 */
public final class NativeCalls {
    private static final String LIBRARY = "ai/djl/pytorch/jni/PyTorchLibrary";
    private static final String CALLERS = "ai/djl/pytorch/jni/";
    private static final int MAX_METHODS = 1024;
    private static volatile boolean installed;
    private static final Map<String, Integer> IDS = new ConcurrentHashMap<>();
    private static final String[] NAMES = new String[MAX_METHODS];
    private static final List<PerThread> THREADS = new CopyOnWriteArrayList<>();
    private static final ThreadLocal<PerThread> CURRENT = ThreadLocal.withInitial(() -> {
        PerThread t = new PerThread(Thread.currentThread());
        THREADS.add(t);
        return t;
    });

    private NativeCalls() {}

    /** One thread's counts and nanoseconds, indexed by native method. */
    static final class PerThread {
        final Thread thread;
        final long[] count = new long[MAX_METHODS];
        final long[] nanos = new long[MAX_METHODS];
        long start;

        PerThread(Thread thread) {
            this.thread = thread;
        }
    }

    /** What a thread has done so far: calls and nanoseconds per native method name. */
    public record Totals(long calls, long nanos, Map<String, long[]> byMethod) {
        /** This minus an earlier snapshot of the same thread. */
        public Totals minus(Totals earlier) {
            Map<String, long[]> diff = new java.util.TreeMap<>();
            byMethod.forEach((name, v) -> {
                long[] e = earlier.byMethod.getOrDefault(name, new long[2]);
                if (v[0] != e[0]) {
                    diff.put(name, new long[] {v[0] - e[0], v[1] - e[1]});
                }
            });
            return new Totals(calls - earlier.calls, nanos - earlier.nanos, diff);
        }
    }

    public static void premain(String args, Instrumentation instrumentation) {
        instrumentation.addTransformer(new Transformer());
        installed = true;
    }

    /** Whether the agent is counting (the JVM was started with {@code -javaagent}). */
    public static boolean installed() {
        return installed;
    }

    public static void begin() {
        CURRENT.get().start = System.nanoTime();
    }

    public static void end(int method) {
        long now = System.nanoTime();
        PerThread t = CURRENT.get();
        t.count[method]++;
        t.nanos[method] += now - t.start;
    }

    /** The totals of {@code thread} so far (zero for a thread that made no native call). */
    public static Totals of(Thread thread) {
        for (PerThread t : THREADS) {
            if (t.thread == thread) {
                return totals(t);
            }
        }
        return new Totals(0, 0, Map.of());
    }

    /** The threads that made native calls. */
    public static List<Thread> threads() {
        List<Thread> threads = new ArrayList<>();
        for (PerThread t : THREADS) {
            threads.add(t.thread);
        }
        return threads;
    }

    private static Totals totals(PerThread t) {
        Map<String, long[]> byMethod = new java.util.TreeMap<>();
        long calls = 0;
        long nanos = 0;
        for (int i = 0; i < IDS.size(); i++) {
            if (t.count[i] > 0) {
                byMethod.put(NAMES[i], new long[] {t.count[i], t.nanos[i]});
                calls += t.count[i];
                nanos += t.nanos[i];
            }
        }
        return new Totals(calls, nanos, byMethod);
    }

    private static synchronized int id(String method) {
        Integer id = IDS.get(method);
        if (id == null) {
            id = IDS.size();
            if (id >= MAX_METHODS) {
                throw new IllegalStateException("more than " + MAX_METHODS + " native methods");
            }
            NAMES[id] = method;
            IDS.put(method, id);
        }
        return id;
    }

    private static final class Transformer implements ClassFileTransformer {
        @Override
        public byte[] transform(ClassLoader loader, String className, Class<?> redefined, ProtectionDomain domain, byte[] classFile) {
            if (className == null || !className.startsWith(CALLERS) || className.equals(LIBRARY)) {
                return null;
            }
            try {
                return wrapNativeCalls(classFile);
            } catch (RuntimeException e) {
                System.err.println("NativeCalls: " + className + " left uncounted: " + e);
                return null;
            }
        }
    }

    /** The class file with every call to a {@code PyTorchLibrary} method between {@link #begin} and {@link #end}. */
    static byte[] wrapNativeCalls(byte[] classFile) {
        String owner = Type.getInternalName(NativeCalls.class);
        ClassReader reader = new ClassReader(classFile);
        ClassWriter writer = new ClassWriter(reader, ClassWriter.COMPUTE_MAXS);
        reader.accept(new ClassVisitor(Opcodes.ASM9, writer) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String descriptor, String signature, String[] exceptions) {
                return new MethodVisitor(Opcodes.ASM9, super.visitMethod(access, name, descriptor, signature, exceptions)) {
                    @Override
                    public void visitMethodInsn(int opcode, String callee, String method, String desc, boolean isInterface) {
                        boolean counted = callee.equals(LIBRARY) && opcode == Opcodes.INVOKEVIRTUAL;
                        if (counted) {
                            super.visitMethodInsn(Opcodes.INVOKESTATIC, owner, "begin", "()V", false);
                        }
                        super.visitMethodInsn(opcode, callee, method, desc, isInterface);
                        if (counted) {
                            super.visitLdcInsn(id(method));
                            super.visitMethodInsn(Opcodes.INVOKESTATIC, owner, "end", "(I)V", false);
                        }
                    }
                };
            }
        }, 0);
        return writer.toByteArray();
    }
}
