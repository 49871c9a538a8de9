package io.lessr.model.torch;

import io.lessr.data.AtomicFile;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * A PyTorch state_dict on disk, name to tensor in the file's order, in one of three formats: {@code .pth}
 * or {@code .pt} ({@code torch.save(model.state_dict(), f)}), {@code .safetensors} and {@code .npz}. Read by
 * content, whatever the file's name; written by the name's ending, atomically (a temporary file beside it,
 * then a rename), so that a failed export leaves nothing behind.
 */
public final class StateDictFile {
    /** The formats, by the file name endings that choose them. */
    public enum Format { PTH, SAFETENSORS, NPZ }

    private StateDictFile() {}

    /** A state_dict file's tensors, name to tensor in the file's order, and the format its content is in. */
    public record Contents(Format format, Map<String, TorchTensor> tensors) {}

    public static Contents read(Path file) {
        byte[] head;
        try (InputStream in = Files.newInputStream(file)) {
            head = in.readNBytes(16);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(file + ": no such file");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        String where = file.toString();
        if (head.length >= 4 && head[0] == 'P' && head[1] == 'K') {
            Map<String, byte[]> entries = zipEntries(file);
            String prefix = PthFormat.archivePrefix(entries.keySet());
            return prefix != null ? new Contents(Format.PTH, PthFormat.read(entries, prefix, where))
                    : new Contents(Format.NPZ, NpzFormat.read(entries, where));
        }
        if (head.length >= 2 && (head[0] & 0xff) == 0x80) {
            throw new IllegalArgumentException(where + " is in torch.save's legacy format (before PyTorch 1.6, or "
                    + "_use_new_zipfile_serialization=False): load it in PyTorch and save it again with torch.save(state_dict, f)");
        }
        if (head.length >= 9 && head[8] == '{') {
            try {
                return new Contents(Format.SAFETENSORS, SafetensorsFormat.read(Files.readAllBytes(file), where));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + file, e);
            }
        }
        throw new IllegalArgumentException(where + " is not a state_dict file (.pth/.pt from torch.save, .safetensors or .npz)");
    }

    public static Format formatOf(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".pth") || name.endsWith(".pt")) {
            return Format.PTH;
        }
        if (name.endsWith(".safetensors")) {
            return Format.SAFETENSORS;
        }
        if (name.endsWith(".npz")) {
            return Format.NPZ;
        }
        throw new IllegalArgumentException(file + ": the name must end in .pth, .pt, .safetensors or .npz (it chooses the format)");
    }

    /** Writes {@code tensors} in the format {@code file}'s name chooses, replacing {@code file} atomically. */
    public static void write(Map<String, TorchTensor> tensors, Path file) {
        Format format = formatOf(file);
        AtomicFile.write(file, out -> {
            switch (format) {
                case PTH -> PthFormat.write(tensors, out);
                case SAFETENSORS -> SafetensorsFormat.write(tensors, out);
                case NPZ -> NpzFormat.write(tensors, out);
            }
        });
    }

    private static Map<String, byte[]> zipEntries(Path file) {
        Map<String, byte[]> out = new LinkedHashMap<>();
        try (ZipFile zip = new ZipFile(file.toFile())) {
            Enumeration<? extends ZipEntry> entries = zip.entries();
            while (entries.hasMoreElements()) {
                ZipEntry e = entries.nextElement();
                if (e.isDirectory()) {
                    continue;
                }
                try (InputStream in = zip.getInputStream(e)) {
                    out.put(e.getName(), in.readAllBytes());
                }
            }
        } catch (ZipException e) {
            throw new IllegalArgumentException(file + ": a damaged zip (" + e.getMessage() + ")");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        return out;
    }
}
