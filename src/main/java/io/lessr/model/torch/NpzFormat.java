package io.lessr.model.torch;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipOutputStream;

/**
 * NumPy's {@code .npz}: a zip of one {@code .npy} array per tensor, {@code name.npy}, as {@code np.savez}
 * writes and {@code np.load} reads it. Arrays saved in Fortran order are read back in row-major order.
 */
final class NpzFormat {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    private NpzFormat() {}

    /** One {@code .npy} entry of an npz file. */
    static TorchTensor readNpy(byte[] npy, String at) {
        if (npy.length < 10 || !Arrays.equals(Arrays.copyOf(npy, 6), MAGIC)) {
            throw new IllegalArgumentException(at + " is not a .npy array");
        }
        int major = npy[6];
        int headerLength;
        int start;
        ByteBuffer b = ByteBuffer.wrap(npy).order(ByteOrder.LITTLE_ENDIAN);
        if (major == 1) {
            headerLength = b.getShort(8) & 0xffff;
            start = 10;
        } else if (major == 2 || major == 3) {
            headerLength = b.getInt(8);
            start = 12;
        } else {
            throw new IllegalArgumentException(at + ": .npy format version " + major + " is unknown");
        }
        if (start + headerLength > npy.length) {
            throw new IllegalArgumentException(at + ": truncated .npy header");
        }
        String header = new String(npy, start, headerLength, StandardCharsets.ISO_8859_1);
        Matcher d = DESCR.matcher(header);
        Matcher f = FORTRAN.matcher(header);
        Matcher s = SHAPE.matcher(header);
        if (!d.find() || !f.find() || !s.find()) {
            throw new IllegalArgumentException(at + ": unreadable .npy header " + header.strip());
        }
        String descr = d.group(1);
        if (descr.startsWith(">") && !descr.endsWith("1")) {
            throw new IllegalArgumentException(at + " is big-endian (" + descr + "): save it with a little-endian dtype");
        }
        TorchDType dtype = TorchDType.ofNumpy(descr)
                .orElseThrow(() -> new IllegalArgumentException(at + " has the dtype " + descr + ", which PyTorch state_dicts do not hold"));
        long[] shape = Arrays.stream(s.group(1).split(",")).map(String::strip).filter(x -> !x.isEmpty())
                .mapToLong(Long::parseLong).toArray();
        int bytes = Math.toIntExact(TorchTensor.numel(shape) * dtype.bytes());
        int dataStart = start + headerLength;
        if (npy.length - dataStart != bytes) {
            throw new IllegalArgumentException(at + ": " + (npy.length - dataStart) + " data bytes for a " + descr
                    + " array of shape " + TorchTensor.shapeText(shape) + " (" + bytes + " expected)");
        }
        byte[] data = Arrays.copyOfRange(npy, dataStart, npy.length);
        if (f.group(1).equals("True") && shape.length > 1) {
            data = fortranToRowMajor(data, shape, dtype.bytes());
        }
        return new TorchTensor(dtype, shape, data);
    }

    private static byte[] fortranToRowMajor(byte[] data, long[] shape, int size) {
        long[] fStride = new long[shape.length];
        long st = 1;
        for (int i = 0; i < shape.length; i++) {
            fStride[i] = st;
            st *= shape[i];
        }
        return Strided.gather(data, 0, shape, fStride, size);
    }

    /** The tensors in map order, uncompressed, as {@code np.savez} writes them. */
    static void write(Map<String, TorchTensor> tensors, OutputStream out) throws IOException {
        ZipOutputStream zip = new ZipOutputStream(out);
        for (Map.Entry<String, TorchTensor> e : tensors.entrySet()) {
            byte[] npy = npy(e.getValue());
            zip.putNextEntry(PthFormat.storedEntry(e.getKey() + ".npy", npy));
            zip.write(npy);
            zip.closeEntry();
        }
        zip.finish();
    }

    private static byte[] npy(TorchTensor t) {
        if (t.dtype().numpy() == null) {
            throw new IllegalArgumentException("NumPy has no " + t.dtype().torchName());
        }
        String shape = t.shape().length == 1 ? "(" + t.shape()[0] + ",)"
                : "(" + String.join(", ", Arrays.stream(t.shape()).mapToObj(Long::toString).toList()) + ")";
        StringBuilder header = new StringBuilder("{'descr': '" + t.dtype().numpy() + "', 'fortran_order': False, 'shape': " + shape + ", }");
        // NumPy pads the header with spaces and a newline so that the data starts on a multiple of 64.
        while ((10 + header.length() + 1) % 64 != 0) {
            header.append(' ');
        }
        header.append('\n');
        ByteBuffer b = ByteBuffer.allocate(10 + header.length() + t.data().length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) header.length());
        b.put(header.toString().getBytes(StandardCharsets.ISO_8859_1)).put(t.data());
        return b.array();
    }

    /** Reads the {@code .npy} entries of a zip already opened by {@link StateDictFile}. */
    static Map<String, TorchTensor> read(Map<String, byte[]> entries, String where) {
        Map<String, TorchTensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, byte[]> e : entries.entrySet()) {
            String name = e.getKey();
            if (!name.endsWith(".npy")) {
                throw new IllegalArgumentException(where + ": the entry " + name + " is not a .npy array");
            }
            String key = name.substring(0, name.length() - 4);
            out.put(key, readNpy(e.getValue(), where + ": array " + key));
        }
        return out;
    }
}
