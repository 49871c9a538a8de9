package io.lessr.model.torch;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * One tensor of a state_dict as its file holds it: element type, shape and the elements in row-major
 * order as little-endian bytes (the byte order of all three formats on every machine PyTorch runs on).
 */
public record TorchTensor(TorchDType dtype, long[] shape, byte[] data) {

    public TorchTensor {
        long n = numel(shape);
        if (data.length != n * dtype.bytes()) {
            throw new IllegalArgumentException("a " + dtype.torchName() + " tensor of shape " + shapeText(shape)
                    + " needs " + n * dtype.bytes() + " bytes, got " + data.length);
        }
    }

    public static TorchTensor ofFloats(long[] shape, float[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        return new TorchTensor(TorchDType.FLOAT32, shape, b.array());
    }

    public static TorchTensor ofLongs(long[] shape, long[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        b.asLongBuffer().put(values);
        return new TorchTensor(TorchDType.INT64, shape, b.array());
    }

    public long numel() {
        return numel(shape);
    }

    /** The elements as float32: float64 is rounded to nearest, as {@code tensor.float()} does. */
    public float[] toFloats() {
        ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[(int) numel()];
        switch (dtype) {
            case FLOAT32 -> b.asFloatBuffer().get(out);
            case FLOAT64 -> {
                for (int i = 0; i < out.length; i++) {
                    out[i] = (float) b.getDouble(i * 8);
                }
            }
            default -> throw new IllegalStateException("not a float32 or float64 tensor: " + dtype.torchName());
        }
        return out;
    }

    /** The elements of an integer tensor as longs. */
    public long[] toLongs() {
        ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        long[] out = new long[(int) numel()];
        for (int i = 0; i < out.length; i++) {
            out[i] = switch (dtype) {
                case INT64 -> b.getLong(i * 8);
                case INT32 -> b.getInt(i * 4);
                case INT16 -> b.getShort(i * 2);
                case INT8 -> b.get(i);
                case UINT8, BOOL -> b.get(i) & 0xff;
                default -> throw new IllegalStateException("not an integer tensor: " + dtype.torchName());
            };
        }
        return out;
    }

    public String shapeText() {
        return shapeText(shape);
    }

    /** PyTorch's way of writing a shape: {@code (30, 8)}, {@code (8,)}, {@code ()}. */
    public static String shapeText(long[] shape) {
        if (shape.length == 1) {
            return "(" + shape[0] + ",)";
        }
        return "(" + String.join(", ", Arrays.stream(shape).mapToObj(Long::toString).toList()) + ")";
    }

    static long numel(long[] shape) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            }
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TorchTensor t && t.dtype == dtype && Arrays.equals(t.shape, shape) && Arrays.equals(t.data, data);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(shape) + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return dtype.torchName() + shapeText();
    }
}
