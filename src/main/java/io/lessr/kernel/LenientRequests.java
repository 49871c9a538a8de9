package io.lessr.kernel;

import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import com.google.gson.TypeAdapter;
import com.google.gson.reflect.TypeToken;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonWriter;

import io.github.spencerpark.jupyter.channels.JupyterConnection;
import io.github.spencerpark.jupyter.channels.Loop;
import io.github.spencerpark.jupyter.channels.ShellChannel;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Map;
import java.util.List;
import java.util.logging.Logger;
import io.github.spencerpark.jupyter.channels.JupyterSocket;
import io.github.spencerpark.jupyter.messages.MessageType;

/**
 * Request contents that do not parse (a field of the wrong type, an unknown history access type)
 * become null instead of an exception: jupyter-jvm-basekernel parses a request's content in its
 * shell loop, outside any handler, and an exception there ends the loop and with it the kernel. A
 * null content reaches the handler, which fails inside {@code JavaKernel}'s guard and so answers with
 * an error reply.
 */
final class LenientRequests {
    private static final String REQUESTS = "io.github.spencerpark.jupyter.messages.request.";

    private LenientRequests() {}

    /** {@code strict}, reading null where it would throw. */
    private static <T> TypeAdapter<T> lenient(TypeAdapter<T> strict) {
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

    /**
     * Makes the base kernel's socket parser lenient; call once, before the connection reads a message. Its
     * {@code Gson} is a private static final field: rather than write the field (only {@code sun.misc.Unsafe}
     * can, and JDK 24+ warns of that), the lenient adapter of each request's content is put into that
     * {@code Gson}'s own adapter cache, which {@code fromJson} consults first.
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    static void install() {
        try {
            Field field = JupyterSocket.class.getDeclaredField("gson");
            field.setAccessible(true);
            Gson gson = (Gson) field.get(null);
            Field cacheField = Gson.class.getDeclaredField("typeTokenCache");
            cacheField.setAccessible(true);
            Map<TypeToken<?>, TypeAdapter<?>> cache = (Map<TypeToken<?>, TypeAdapter<?>>) cacheField.get(gson);
            for (Field f : MessageType.class.getFields()) {
                if (Modifier.isStatic(f.getModifiers()) && f.get(null) instanceof MessageType<?> type
                        && type.getContentType().getName().startsWith(REQUESTS)) {
                    TypeToken token = TypeToken.get(type.getContentType());
                    cache.put(token, lenient(gson.getAdapter(token)));
                }
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("jupyter-jvm-basekernel or Gson changed: JupyterSocket.gson's adapters", e);
        }
    }
}
