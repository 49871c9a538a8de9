package io.lessr.kernel;

import java.nio.file.Path;
import java.util.List;

/** Lets tests in other packages resolve artifacts with the kernel's Maven Resolver setup. */
public final class MavenAccess {
    private MavenAccess() {}

    /** The jars of {@code coordinates} and their runtime dependencies, from {@code localRepository} first. */
    public static List<Path> resolve(Path localRepository, List<String> coordinates) {
        Path settings = Path.of(System.getProperty("user.home"), ".m2", "settings.xml");
        return new MavenDependencies(localRepository, settings).resolve(coordinates);
    }
}
