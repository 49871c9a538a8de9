package io.lessr.graph;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Platform;

/**
 * Background work that should take the CPU mostly when training leaves it: on Linux the calling
 * thread gets nice 19, the lowest priority that still gets its share of a busy machine (unlike
 * {@code SCHED_IDLE}, which a loaded machine could starve). Linux's nice value is per thread.
 * Elsewhere, or if the call is refused, nothing changes.
 */
final class IdlePriority {
    private static final int PRIO_PROCESS = 0;
    private static final int LOWEST = 19;

    private interface C extends Library {
        int gettid();

        int setpriority(int which, int who, int prio);
    }

    private static final C LIBC = load();

    private IdlePriority() {}

    private static C load() {
        if (!Platform.isLinux()) {
            return null;
        }
        try {
            return Native.load("c", C.class);
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            return null;
        }
    }

    /** Gives the calling thread the lowest priority; whether it did. */
    static boolean lowerThisThread() {
        if (LIBC == null) {
            return false;
        }
        try {
            return LIBC.setpriority(PRIO_PROCESS, LIBC.gettid(), LOWEST) == 0;
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            return false;
        }
    }
}
