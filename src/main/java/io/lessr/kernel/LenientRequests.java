package io.lessr.kernel;

import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import com.google.gson.TypeAdapter;
import com.google.gson.TypeAdapterFactory;
import com.google.gson.reflect.TypeToken;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonWriter;

import java.io.IOException;
import java.lang.reflect.Field;
import io.github.spencerpark.jupyter.channels.JupyterSocket;

/**
 * Request contents that do not parse (a field of the wrong type, an unknown history access type)
 * become null instead of an exception: jupyter-jvm-basekernel parses a request's content in its
 * shell loop, outside any handler, and an exception there ends the loop and with it the kernel. A
 * null content reaches the handler, which fails inside {@code JavaKernel}'s guard and so answers with
 * an error reply.
 */
final class LenientRequests implements TypeAdapterFactory {
    private static final String REQUESTS = "io.github.spencerpark.jupyter.messages.request.";

    private LenientRequests() {}

    @Override
    public <T> TypeAdapter<T> create(Gson gson, TypeToken<T> type) {
        if (!type.getRawType().getName().startsWith(REQUESTS)) {
            return null;
        }
        TypeAdapter<T> strict = gson.getDelegateAdapter(this, type);
        return new TypeAdapter<>() {
            @Override
            public void write(JsonWriter out, T value) throws IOException {
                strict.write(out, value);
            }

            @Override
            public T read(JsonReader in) {
                JsonElement tree = JsonParser.parseReader(in);
                try {
                    return strict.fromJsonTree(tree);
                } catch (RuntimeException e) {
                    return null;
                }
            }
        };
    }

    /** Makes the base kernel's socket parser lenient; call once, before the connection reads a message. */
    static void install() {
        try {
            Field field = JupyterSocket.class.getDeclaredField("gson");
            // The field is private static final: only Unsafe writes it on Java 17.
            Field theUnsafe = sun.misc.Unsafe.class.getDeclaredField("theUnsafe");
            theUnsafe.setAccessible(true);
            sun.misc.Unsafe unsafe = (sun.misc.Unsafe) theUnsafe.get(null);
            Object base = unsafe.staticFieldBase(field);
            long offset = unsafe.staticFieldOffset(field);
            Gson strict = (Gson) unsafe.getObject(base, offset);
            unsafe.putObject(base, offset, strict.newBuilder().registerTypeAdapterFactory(new LenientRequests()).create());
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("jupyter-jvm-basekernel changed: JupyterSocket.gson", e);
        }
    }
}
