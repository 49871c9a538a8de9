package io.lessr.kernel;

import io.github.spencerpark.jupyter.kernel.display.DisplayData;

import java.util.UUID;
import io.github.spencerpark.jupyter.channels.ShellReplyEnvironment;
import io.github.spencerpark.jupyter.kernel.DisplayStream;
import io.github.spencerpark.jupyter.messages.publish.PublishClearOutput;
import java.lang.reflect.Field;

/**
 * IJava's top-level functions, statically imported into every notebook: {@code display(obj)} shows
 * an object now (a Tablesaw {@code Table} as an HTML table, a {@code Figure} as a plot, anything else
 * as text) and returns a display id; {@code updateDisplay(id, obj)} replaces it; {@code render(obj,
 * mimeTypes...)} returns the rendering, shown when it is a cell's last expression.
 */
public final class Display {
    private static volatile JavaKernel kernel;

    private Display() {}

    static void bind(JavaKernel k) {
        kernel = k;
    }

    private static JavaKernel kernel() {
        JavaKernel k = kernel;
        if (k == null) {
            throw new IllegalStateException("display() works inside the notebook kernel only");
        }
        return k;
    }

    public static DisplayData render(Object o) {
        return kernel().getRenderer().render(o);
    }

    public static DisplayData render(Object o, String... as) {
        return kernel().getRenderer().renderAs(o, as);
    }

    public static String display(Object o) {
        DisplayData data = o instanceof DisplayData d ? d : render(o);
        return show(data);
    }

    public static String display(Object o, String... as) {
        return show(render(o, as));
    }

    public static void updateDisplay(String id, Object o) {
        DisplayData data = o instanceof DisplayData d ? d : render(o);
        kernel().flushStreams(false);
        kernel().getIO().display.updateDisplay(id, data);
    }

    public static void updateDisplay(String id, Object o, String... as) {
        DisplayData data = render(o, as);
        kernel().flushStreams(false);
        kernel().getIO().display.updateDisplay(id, data);
    }

    private static String show(DisplayData data) {
        String id = data.hasDisplayId() ? data.getDisplayId() : UUID.randomUUID().toString();
        data.setDisplayId(id);
        kernel().flushStreams(false); // text printed before comes before
        kernel().display(data);
        return id;
    }

    /** Shows {@code text} in the frontend's pager (help text, long listings), as IPython's {@code ?} does. */
    public static void page(Object text) {
        kernel().page(String.valueOf(text));
    }

    /** Clears the cell's output now (IPython's {@code clear_output()}). */
    public static void clearOutput() {
        clearOutput(false);
    }

    /** Clears the cell's output, now or (with {@code wait}) just before the next output arrives. */
    public static void clearOutput(boolean wait) {
        try {
            // The base kernel keeps the reply environment of the running request private.
            Field env = DisplayStream.class.getDeclaredField("env");
            env.setAccessible(true);
            Object e = env.get(kernel().getIO().display);
            kernel().flushStreams(false);
            if (e != null) {
                ((ShellReplyEnvironment) e).publish(wait
                        ? PublishClearOutput.BEFORE_NEXT_OUTPUT
                        : PublishClearOutput.NOW);
            }
        } catch (ReflectiveOperationException ex) {
            throw new IllegalStateException("clearOutput is not available with this base kernel", ex);
        }
    }

    /** A display bundle from raw MIME data, e.g. {@code mime("text/html", "<b>hi</b>")}. */
    public static DisplayData mime(String type, Object data) {
        DisplayData d = new DisplayData();
        d.putData(type, data);
        return d;
    }
}
