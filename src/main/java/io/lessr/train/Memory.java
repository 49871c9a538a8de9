package io.lessr.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Resident memory of this process, from {@code /proc/self/status} (Linux); -1 elsewhere. */
public final class Memory {
    private Memory() {}

    public static double residentMiB() {
        return mib(statusKiB("VmRSS:"));
    }

    public static double peakResidentMiB() {
        return mib(statusKiB("VmHWM:"));
    }

    private static double mib(long kib) {
        return kib < 0 ? -1 : kib / 1024.0;
    }

    private static long statusKiB(String key) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(key)) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }
}
