package io.lessr;

import io.lessr.model.MklIntelPaths;

import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/**
 * Before any test starts the engine, the test JVM loads what the kit's entry points load before it
 * ({@link MklIntelPaths}), so that every test class computes with the same MKL branch as the command
 * line, the kernel and Spark's executors, whichever class runs first.
 */
public final class EngineFirst implements LauncherSessionListener {
    @Override
    public void launcherSessionOpened(LauncherSession session) {
        MklIntelPaths.install();
    }
}
