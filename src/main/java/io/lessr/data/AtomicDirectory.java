package io.lessr.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.stream.Stream;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Writes a folder all at once: its files are written into a hidden temporary sibling that is then
 * renamed into place, so a reader (or a process killed half-way) never sees a half-written folder.
 * An existing folder of the same name is replaced; on failure the temporary folder is removed.
 */
public final class AtomicDirectory {
    /** Fills a folder. */
    @FunctionalInterface
    public interface Writer {
        void write(Path dir) throws IOException;
    }

    private AtomicDirectory() {}

    public static void write(Path target, Writer writer) {
        Path dir = target.toAbsolutePath().normalize();
        Path parent = dir.getParent();
        Path tmp = null;
        try {
            Files.createDirectories(parent);
            tmp = Files.createTempDirectory(parent, "." + dir.getFileName() + ".tmp-");
            readableByAll(tmp, "rwxr-xr-x");
            writer.write(tmp);
            if (Files.exists(dir)) {
                Path old = Files.createTempDirectory(parent, "." + dir.getFileName() + ".old-");
                Files.delete(old);
                Files.move(dir, old, StandardCopyOption.ATOMIC_MOVE);
                Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
                deleteTree(old);
            } else {
                Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
            }
            tmp = null;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + target + ": " + e.getMessage(), e);
        } finally {
            if (tmp != null) {
                try {
                    deleteTree(tmp);
                } catch (IOException ignored) {
                    // the original error matters more
                }
            }
        }
    }

    /** Temporary files are private (0600/0700); the finished folder should look like any other written one. */
    public static void readableByAll(Path path, String permissions) throws IOException {
        if (path.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(permissions));
        }
    }

    public static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
