package io.lessr.kernel;

import io.github.spencerpark.jupyter.channels.ShellReplyEnvironment;
import io.github.spencerpark.jupyter.messages.publish.PublishStream;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A cell's stdout or stderr, sent to the front end in batches as IPython does: whatever was written
 * goes out every {@link #INTERVAL_MS} ms, at once when {@link #MAX_BYTES} have gathered, and before any
 * other output of the cell (display data, results, errors) and at its end. One stream message per
 * {@code println} floods the publish socket, which then drops messages: a 200,000-line cell lost
 * four fifths of its lines that way.
 *
 * <p>Text is cut only between whole UTF-8 characters.
 */
final class BatchedStream extends OutputStream {
    static final int INTERVAL_MS = 50;
    static final int MAX_BYTES = 64 << 10;

    private static final ScheduledExecutorService TICKER = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "lessr-stream-flush");
        t.setDaemon(true);
        return t;
    });

    private final PublishStream.StreamType type;
    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    private final ScheduledFuture<?> ticking;
    private ShellReplyEnvironment env;

    BatchedStream(PublishStream.StreamType type) {
        this.type = type;
        this.ticking = TICKER.scheduleWithFixedDelay(this::send, INTERVAL_MS, INTERVAL_MS, TimeUnit.MILLISECONDS);
    }

    /** Stops the timer (the kernel is shutting down). */
    @Override
    public void close() {
        ticking.cancel(false);
    }

    /** Sends what is written from now on to {@code env}'s front end. */
    synchronized void attach(ShellReplyEnvironment env) {
        send();
        buffer.reset();
        this.env = env;
    }

    /** Sends what is left and stops sending; later writes are dropped until the next {@link #attach}. */
    synchronized void detach() {
        sendAll();
        env = null;
    }

    @Override
    public synchronized void write(int b) {
        if (env != null) {
            buffer.write(b);
            sendIfFull();
        }
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) {
        if (env != null) {
            buffer.write(b, off, len);
            sendIfFull();
        }
    }

    /** A no-op: {@code println} flushes, and sending is the timer's and the size limit's business. */
    @Override
    public void flush() {}

    private void sendIfFull() {
        if (buffer.size() >= MAX_BYTES) {
            send();
        }
    }

    /** Sends the whole UTF-8 characters written so far. */
    synchronized void send() {
        if (env == null || buffer.size() == 0) {
            return;
        }
        byte[] bytes = buffer.toByteArray();
        int complete = completeCharacters(bytes);
        if (complete == 0) {
            return;
        }
        buffer.reset();
        buffer.write(bytes, complete, bytes.length - complete);
        env.publish(new PublishStream(type, new String(bytes, 0, complete, StandardCharsets.UTF_8)));
    }

    /** Sends everything, a broken character at the end included (the cell is over). */
    synchronized void sendAll() {
        send();
        if (env != null && buffer.size() > 0) {
            env.publish(new PublishStream(type, buffer.toString(StandardCharsets.UTF_8)));
            buffer.reset();
        }
    }

    /** The length of the longest prefix of {@code bytes} that ends on a character boundary. */
    static int completeCharacters(byte[] bytes) {
        int n = bytes.length;
        // A UTF-8 character is at most 4 bytes: look back for the lead byte of the last one.
        for (int back = 1; back <= Math.min(4, n); back++) {
            int b = bytes[n - back] & 0xff;
            if (b < 0x80) {
                return n; // ASCII: complete
            }
            if (b >= 0xc0) { // a lead byte: does its sequence fit?
                int length = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2;
                return back >= length ? n : n - back;
            }
        }
        return n; // no lead byte within reach: not UTF-8, leave it to the decoder
    }

    @Override
    public String toString() {
        return "BatchedStream[" + type + ", " + buffer.size() + " bytes waiting]";
    }
}
