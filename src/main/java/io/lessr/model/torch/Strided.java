package io.lessr.model.torch;

/** A strided view's elements copied out in row-major order. */
final class Strided {
    private Strided() {}

    /** Elements {@code offset + sum(i_k * stride_k)} (in elements of {@code size} bytes) for every index, row-major. */
    static byte[] gather(byte[] data, long offset, long[] shape, long[] stride, int size) {
        long n = TorchTensor.numel(shape);
        byte[] out = new byte[Math.toIntExact(n * size)];
        long[] index = new long[shape.length];
        for (long k = 0; k < n; k++) {
            long at = offset;
            for (int d = 0; d < shape.length; d++) {
                at += index[d] * stride[d];
            }
            System.arraycopy(data, Math.toIntExact(at * size), out, Math.toIntExact(k * size), size);
            for (int d = shape.length - 1; d >= 0; d--) {
                if (++index[d] < shape[d]) {
                    break;
                }
                index[d] = 0;
            }
        }
        return out;
    }

    /** The row-major strides of {@code shape}, as {@code tensor.stride()} gives them for a contiguous tensor. */
    static long[] rowMajor(long[] shape) {
        long[] stride = new long[shape.length];
        long s = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            stride[d] = s;
            s *= shape[d];
        }
        return stride;
    }
}
