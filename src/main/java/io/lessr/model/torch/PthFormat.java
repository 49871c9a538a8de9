package io.lessr.model.torch;

import java.io.ByteArrayOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import net.razorvine.pickle.PickleException;

/**
 * {@code torch.save}'s file format since PyTorch 1.6: a zip whose one folder holds {@code data.pkl} (the
 * pickled {@code OrderedDict} of tensors, each a reference to a storage) and {@code data/<key>}, each
 * storage's raw little-endian bytes. Written uncompressed with every record aligned to 64 bytes, as
 * PyTorch writes it, so that {@code torch.load(f, weights_only=True)} and {@code mmap=True} both read it.
 */
final class PthFormat {
    /** The zip entries' time (DOS time can not go below 1980): a file depends on its tensors only. */
    private static final long FIXED_TIME = 315532800000L + 12 * 3600_000L;
    private static final int ALIGNMENT = 64;
    private static final String ARCHIVE = "archive";

    private PthFormat() {}

    /** Whether a zip's entries are a torch.save archive: {@code <folder>/data.pkl}. */
    static String archivePrefix(Iterable<String> names) {
        for (String n : names) {
            int slash = n.indexOf('/');
            if (slash > 0 && n.substring(slash + 1).equals("data.pkl")) {
                return n.substring(0, slash + 1);
            }
        }
        return null;
    }

    static Map<String, TorchTensor> read(Map<String, byte[]> entries, String prefix, String where) {
        byte[] byteorder = entries.get(prefix + "byteorder");
        if (byteorder != null && !new String(byteorder, StandardCharsets.US_ASCII).strip().equals("little")) {
            throw new IllegalArgumentException(where + " was saved on a big-endian machine; load and save it again on a little-endian one");
        }
        Object root;
        try {
            root = new RestrictedUnpickler(what -> where + ": its pickle " + what).loads(entries.get(prefix + "data.pkl"));
        } catch (PickleException e) {
            throw new IllegalArgumentException(e.getMessage().startsWith(where) ? e.getMessage()
                    : where + ": unreadable pickle: " + e.getMessage());
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException(where + ": unreadable pickle: " + e);
        }
        if (!(root instanceof Map<?, ?> dict)) {
            throw new IllegalArgumentException(where + " holds a " + typeName(root) + ", not a state_dict: save model.state_dict()");
        }
        Map<String, byte[]> storages = new HashMap<>();
        Map<String, TorchTensor> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : dict.entrySet()) {
            if (!(e.getKey() instanceof String name)) {
                throw new IllegalArgumentException(where + ": a state_dict key that is not a string: " + e.getKey());
            }
            if (!(e.getValue() instanceof RestrictedUnpickler.TensorRef t)) {
                throw new IllegalArgumentException(where + ": " + name + " is a " + typeName(e.getValue())
                        + ", not a tensor (a checkpoint dict? save model.state_dict() itself)");
            }
            RestrictedUnpickler.StorageRef s = t.storage();
            byte[] storage = storages.computeIfAbsent(s.key(), k -> entries.get(prefix + "data/" + k));
            if (storage == null) {
                throw new IllegalArgumentException(where + ": tensor " + name + "'s storage data/" + s.key() + " is missing");
            }
            int size = s.dtype().bytes();
            if (storage.length != s.numel() * size) {
                throw new IllegalArgumentException(where + ": storage data/" + s.key() + " has " + storage.length + " bytes for "
                        + s.numel() + " " + s.dtype().torchName() + " elements");
            }
            if (t.shape().length != t.stride().length) {
                throw new IllegalArgumentException(where + ": tensor " + name + " has a shape and strides of different lengths");
            }
            long last = t.offset();
            for (int d = 0; d < t.shape().length; d++) {
                last += t.shape()[d] == 0 ? 0 : (t.shape()[d] - 1) * t.stride()[d];
            }
            if (t.offset() < 0 || TorchTensor.numel(t.shape()) > 0 && last >= s.numel()) {
                throw new IllegalArgumentException(where + ": tensor " + name + " reaches past the end of its storage");
            }
            byte[] data = Arrays.equals(t.stride(), Strided.rowMajor(t.shape()))
                    ? Arrays.copyOfRange(storage, Math.toIntExact(t.offset() * size),
                            Math.toIntExact((t.offset() + TorchTensor.numel(t.shape())) * size))
                    : Strided.gather(storage, t.offset(), t.shape(), t.stride(), size);
            out.put(name, new TorchTensor(s.dtype(), t.shape(), data));
        }
        return out;
    }

    private static String typeName(Object o) {
        if (o instanceof Map<?, ?>) {
            return "dict";
        }
        if (o instanceof Object[] || o instanceof java.util.List<?>) {
            return "sequence";
        }
        return o == null ? "None" : o.getClass().getSimpleName();
    }

    /** The tensors in map order, one storage each, keys "0", "1", ...: what torch.save(state_dict) writes. */
    static void write(Map<String, TorchTensor> tensors, OutputStream out) throws IOException {
        CountingStream counted = new CountingStream(out);
        ZipOutputStream zip = new ZipOutputStream(counted);
        zip.setMethod(ZipOutputStream.STORED);
        record(zip, counted, "data.pkl", pickle(tensors));
        record(zip, counted, "byteorder", "little".getBytes(StandardCharsets.US_ASCII));
        int key = 0;
        for (TorchTensor t : tensors.values()) {
            record(zip, counted, "data/" + key++, t.data());
        }
        record(zip, counted, "version", "3\n".getBytes(StandardCharsets.US_ASCII));
        zip.finish();
        zip.flush();
    }

    /** An uncompressed zip entry for {@code bytes}, dated {@link #FIXED_TIME}: a file depends on its tensors only. */
    static ZipEntry storedEntry(String name, byte[] bytes) {
        ZipEntry e = new ZipEntry(name);
        e.setMethod(ZipEntry.STORED);
        e.setTime(FIXED_TIME);
        e.setSize(bytes.length);
        CRC32 crc = new CRC32();
        crc.update(bytes);
        e.setCrc(crc.getValue());
        return e;
    }

    private static void record(ZipOutputStream zip, CountingStream counted, String name, byte[] bytes) throws IOException {
        String full = ARCHIVE + "/" + name;
        ZipEntry e = storedEntry(full, bytes);
        // A local header is 30 bytes, the name, the extra field: pad the extra field (id "FB", as PyTorch's
        // writer does) so that the record's bytes start on a multiple of 64.
        long start = counted.count + 30 + full.getBytes(StandardCharsets.UTF_8).length + 4;
        int pad = (int) ((ALIGNMENT - start % ALIGNMENT) % ALIGNMENT);
        ByteBuffer extra = ByteBuffer.allocate(4 + pad).order(ByteOrder.LITTLE_ENDIAN);
        extra.putShort((short) 0x4246).putShort((short) pad);
        e.setExtra(extra.array());
        zip.putNextEntry(e);
        zip.write(bytes);
        zip.closeEntry();
    }

    // ---- the pickle, protocol 2, as torch.save writes a state_dict ------------------------------

    private static byte[] pickle(Map<String, TorchTensor> tensors) {
        ByteArrayOutputStream p = new ByteArrayOutputStream();
        p.write(0x80);
        p.write(2); // PROTO 2
        orderedDict(p);
        p.write('('); // MARK
        int key = 0;
        for (Map.Entry<String, TorchTensor> e : tensors.entrySet()) {
            TorchTensor t = e.getValue();
            unicode(p, e.getKey());
            global(p, "torch._utils", "_rebuild_tensor_v2");
            p.write('(');
            p.write('(');
            unicode(p, "storage");
            global(p, "torch", t.dtype().storage());
            unicode(p, Integer.toString(key++));
            unicode(p, "cpu");
            integer(p, t.numel());
            p.write('t'); // TUPLE
            p.write('Q'); // BINPERSID
            integer(p, 0); // storage offset
            tuple(p, t.shape());
            tuple(p, Strided.rowMajor(t.shape()));
            p.write(0x89); // NEWFALSE: requires_grad
            orderedDict(p); // backward hooks
            p.write('t');
            p.write('R'); // REDUCE
        }
        p.write('u'); // SETITEMS
        p.write('.'); // STOP
        return p.toByteArray();
    }

    private static void orderedDict(ByteArrayOutputStream p) {
        global(p, "collections", "OrderedDict");
        p.write(')'); // EMPTY_TUPLE
        p.write('R');
    }

    private static void global(ByteArrayOutputStream p, String module, String name) {
        p.write('c');
        p.writeBytes((module + "\n" + name + "\n").getBytes(StandardCharsets.US_ASCII));
    }

    private static void unicode(ByteArrayOutputStream p, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        p.write('X'); // BINUNICODE
        p.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(b.length).array());
        p.writeBytes(b);
    }

    private static void tuple(ByteArrayOutputStream p, long[] values) {
        if (values.length == 0) {
            p.write(')');
            return;
        }
        p.write('(');
        for (long v : values) {
            integer(p, v);
        }
        p.write('t');
    }

    private static void integer(ByteArrayOutputStream p, long v) {
        if (v >= 0 && v < 256) {
            p.write('K'); // BININT1
            p.write((int) v);
        } else if (v >= 0 && v < 65536) {
            p.write('M'); // BININT2
            p.write((int) (v & 0xff));
            p.write((int) (v >> 8));
        } else if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) {
            p.write('J'); // BININT
            p.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) v).array());
        } else {
            p.write(0x8a); // LONG1
            p.write(8);
            p.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array());
        }
    }

    private static final class CountingStream extends FilterOutputStream {
        long count;

        CountingStream(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
        }
    }
}
