package io.lessr.model.torch;

import java.util.Arrays;
import java.util.Optional;

/** The element types a PyTorch state_dict file may hold, by their names in each format. */
public enum TorchDType {
    FLOAT32("float32", "F32", "<f4", "FloatStorage", 4),
    FLOAT64("float64", "F64", "<f8", "DoubleStorage", 8),
    FLOAT16("float16", "F16", "<f2", "HalfStorage", 2),
    BFLOAT16("bfloat16", "BF16", null, "BFloat16Storage", 2),
    INT64("int64", "I64", "<i8", "LongStorage", 8),
    INT32("int32", "I32", "<i4", "IntStorage", 4),
    INT16("int16", "I16", "<i2", "ShortStorage", 2),
    INT8("int8", "I8", "|i1", "CharStorage", 1),
    UINT8("uint8", "U8", "|u1", "ByteStorage", 1),
    BOOL("bool", "BOOL", "|b1", "BoolStorage", 1);

    private final String torchName;
    private final String safetensors;
    private final String numpy;
    private final String storage;
    private final int bytes;

    TorchDType(String torchName, String safetensors, String numpy, String storage, int bytes) {
        this.torchName = torchName;
        this.safetensors = safetensors;
        this.numpy = numpy;
        this.storage = storage;
        this.bytes = bytes;
    }

    /** PyTorch's name, {@code float32}. */
    public String torchName() {
        return torchName;
    }

    /** The safetensors header's name, {@code F32}. */
    public String safetensors() {
        return safetensors;
    }

    /** NumPy's little-endian descriptor, {@code <f4} (none for bfloat16). */
    public String numpy() {
        return numpy;
    }

    /** The legacy storage class {@code torch.save} pickles, {@code FloatStorage}. */
    public String storage() {
        return storage;
    }

    public int bytes() {
        return bytes;
    }

    public boolean isFloat() {
        return this == FLOAT32 || this == FLOAT64 || this == FLOAT16 || this == BFLOAT16;
    }

    public static Optional<TorchDType> ofStorage(String storageClass) {
        return Arrays.stream(values()).filter(d -> d.storage.equals(storageClass)).findFirst();
    }

    public static Optional<TorchDType> ofSafetensors(String name) {
        return Arrays.stream(values()).filter(d -> d.safetensors.equals(name)).findFirst();
    }

    public static Optional<TorchDType> ofNumpy(String descr) {
        String little = descr.startsWith("=") ? "<" + descr.substring(1) : descr;
        return Arrays.stream(values()).filter(d -> d.numpy != null && (d.numpy.equals(little)
                || d.bytes == 1 && d.numpy.substring(1).equals(little.substring(1)))).findFirst();
    }
}
