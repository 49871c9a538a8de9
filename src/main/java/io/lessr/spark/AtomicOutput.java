package io.lessr.spark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.ChecksumFileSystem;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * A folder on any Hadoop file system (local, HDFS, S3A, ...) published at once: a job writes into a
 * hidden temporary sibling, which is renamed to the target only when everything is written, so a
 * failed or killed job leaves no partial output under the target's name. Hidden names (a leading
 * dot) are skipped by Spark and Hadoop readers; the next run for the same target removes those a
 * killed run left behind.
 */
public final class AtomicOutput {
    /** Fills the temporary folder. */
    @FunctionalInterface
    public interface Writer {
        void write(Path tmp) throws IOException;
    }

    private AtomicOutput() {}

    public static void write(String target, Configuration conf, Writer writer) {
        Path dir = new Path(target);
        Path tmp = null;
        try {
            FileSystem fs = dir.getFileSystem(conf);
            dir = fs.makeQualified(dir);
            Path parent = dir.getParent();
            fs.mkdirs(parent);
            removeLeftovers(fs, dir);
            tmp = new Path(parent, "." + dir.getName() + ".tmp-" + UUID.randomUUID());
            writer.write(tmp);
            removeChecksums(fs, tmp);
            if (fs.exists(dir)) {
                Path old = new Path(parent, "." + dir.getName() + ".old-" + UUID.randomUUID());
                rename(fs, dir, old);
                rename(fs, tmp, dir);
                fs.delete(old, true);
            } else {
                rename(fs, tmp, dir);
            }
            tmp = null;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + target + ": " + e.getMessage(), e);
        } finally {
            if (tmp != null) {
                try {
                    tmp.getFileSystem(conf).delete(tmp, true);
                } catch (IOException ignored) {
                    // the original error matters more
                }
            }
        }
    }

    /** Moves the one {@code part-*} file Spark wrote into {@code partsDir} to {@code file}, and removes {@code partsDir}. */
    public static void moveSinglePart(FileSystem fs, Path partsDir, Path file) throws IOException {
        FileStatus[] parts = fs.globStatus(new Path(partsDir, "part-*"));
        if (parts == null || parts.length != 1) {
            throw new IOException("expected one part file in " + partsDir + ", found " + (parts == null ? 0 : parts.length));
        }
        rename(fs, parts[0].getPath(), file);
        fs.delete(partsDir, true);
    }

    /** The local file system writes a hidden {@code .crc} beside each file; a dataset folder holds just its files. */
    private static void removeChecksums(FileSystem fs, Path dir) throws IOException {
        if (fs instanceof ChecksumFileSystem checksummed) {
            FileSystem raw = checksummed.getRawFileSystem();
            FileStatus[] crcs = raw.globStatus(new Path(dir, ".*.crc"));
            for (FileStatus s : crcs == null ? new FileStatus[0] : crcs) {
                raw.delete(s.getPath(), false);
            }
        }
    }

    private static void removeLeftovers(FileSystem fs, Path dir) throws IOException {
        FileStatus[] left = fs.globStatus(new Path(dir.getParent(), "." + dir.getName() + ".{tmp,old}-*"));
        if (left != null) {
            for (FileStatus s : left) {
                fs.delete(s.getPath(), true);
            }
        }
    }

    private static void rename(FileSystem fs, Path from, Path to) throws IOException {
        if (!fs.rename(from, to)) {
            throw new IOException("cannot rename " + from + " to " + to);
        }
    }
}
