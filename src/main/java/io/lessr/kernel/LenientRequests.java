package io.lessr.kernel;

import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import com.google.gson.TypeAdapter;
import com.google.gson.TypeAdapterFactory;
import com.google.gson.reflect.TypeToken;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonWriter;

import io.github.spencerpark.jupyter.channels.JupyterConnection;
import io.github.spencerpark.jupyter.channels.Loop;
import io.github.spencerpark.jupyter.channels.ShellChannel;

import java.io.IOException;
import java.lang.reflect.Field;
import java.util.List;
import java.util.logging.Logger;
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

    /**
     * A message the base kernel cannot read at all (a wrong signature, a header that is not JSON) throws in
     * its shell loop before any handler, which would end the loop and leave the kernel deaf. The loops take
     * an error callback: log such a message and go on, as IPython drops a message it cannot verify.
     * Call right after the connection is up.
     */
    static void keepShellLoopsAlive(JupyterConnection connection) {
        try {
            Field loopField = ShellChannel.class.getDeclaredField("ioloop");
            loopField.setAccessible(true);
            for (String channel : List.of("shell", "control")) {
                Field channelField = JupyterConnection.class.getDeclaredField(channel);
                channelField.setAccessible(true);
                Loop loop = (Loop) loopField.get(channelField.get(connection));
                loop.onError(t -> {
                    LOG.warning("dropped a " + channel + " message the kernel cannot read: " + t);
                    return 0; // go on at once
                });
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("jupyter-jvm-basekernel changed: JupyterConnection's shell loops", e);
        }
    }

    private static final Logger LOG = Logger.getLogger(LenientRequests.class.getName());

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
