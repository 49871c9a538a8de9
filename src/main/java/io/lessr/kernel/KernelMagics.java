package io.lessr.kernel;

import io.github.spencerpark.jupyter.kernel.util.GlobFinder;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * IJava's magics. Line magics: {@code %classpath PATH...} (folders or jars), {@code %jars GLOB...}
 * (jar files, globs allowed), {@code %load FILE} (runs a file of Java snippets), {@code %maven
 * GROUP:ARTIFACT:VERSION...} (adds an artifact and its dependencies from the local Maven repository,
 * offline). Cell magics: {@code %%classpath} and {@code %%jars} with one path a line.
 */
final class KernelMagics {
    private final JavaKernel kernel;

    KernelMagics(JavaKernel kernel) {
        this.kernel = kernel;
    }

    /** Runs a line magic; returns the Java source that takes its place in the cell. */
    String applyLine(String name, List<String> args) throws Exception {
        switch (name) {
            case "classpath" -> classpath(args);
            case "jars" -> jars(args);
            case "maven" -> maven(args);
            case "load" -> {
                return load(args);
            }
            default -> throw new IllegalArgumentException("unknown magic %" + name
                    + ": the kernel knows %classpath, %jars, %maven and %load");
        }
        return "";
    }

    Object applyCell(String name, List<String> args, String body) throws Exception {
        List<String> lines = body.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
        List<String> all = new ArrayList<>(args);
        all.addAll(lines);
        switch (name) {
            case "classpath" -> classpath(all);
            case "jars" -> jars(all);
            case "maven" -> maven(all);
            default -> throw new IllegalArgumentException("unknown cell magic %%" + name
                    + ": the kernel knows %%classpath, %%jars and %%maven");
        }
        return null;
    }

    private void classpath(List<String> paths) {
        for (String p : paths) {
            for (String entry : p.split(File.pathSeparator)) {
                Path path = Path.of(entry);
                if (!Files.exists(path)) {
                    throw new IllegalArgumentException("%classpath: " + path + " does not exist");
                }
                kernel.shell().addToClasspath(path.toAbsolutePath().toString());
            }
        }
    }

    private void jars(List<String> globs) throws IOException {
        for (String glob : globs) {
            List<Path> found = new ArrayList<>();
            new GlobFinder(glob).computeMatchingFiles().forEach(found::add);
            found.removeIf(p -> !p.toString().endsWith(".jar"));
            if (found.isEmpty()) {
                throw new IllegalArgumentException("%jars: no jar file matches " + glob);
            }
            found.forEach(p -> kernel.shell().addToClasspath(p.toAbsolutePath().toString()));
        }
    }

    private String load(List<String> args) throws IOException {
        if (args.size() != 1) {
            throw new IllegalArgumentException("%load takes one file, got " + args);
        }
        Path file = Path.of(args.get(0));
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("%load: " + file + " not found");
        }
        return Files.readString(file, StandardCharsets.UTF_8);
    }

    /**
     * Resolves artifacts and their runtime dependencies from the local repository with Maven in
     * offline mode (so the resolution is Maven's own); without Maven, the artifacts' own jars only.
     */
    private void maven(List<String> coordinates) {
        if (coordinates.isEmpty()) {
            throw new IllegalArgumentException("%maven takes coordinates group:artifact:version");
        }
        for (Path jar : MavenDependencies.forUser().resolve(coordinates)) {
            kernel.shell().addToClasspath(jar.toString());
        }
    }
}
