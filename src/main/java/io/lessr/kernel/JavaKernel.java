package io.lessr.kernel;

import io.github.spencerpark.jupyter.kernel.BaseKernel;
import io.github.spencerpark.jupyter.kernel.LanguageInfo;
import io.github.spencerpark.jupyter.kernel.ReplacementOptions;
import io.github.spencerpark.jupyter.kernel.display.DisplayData;
import io.github.spencerpark.jupyter.kernel.history.HistoryEntry;
import io.github.spencerpark.jupyter.kernel.history.HistoryManager;
import io.github.spencerpark.jupyter.kernel.magic.CellMagicParseContext;
import io.github.spencerpark.jupyter.kernel.magic.MagicParser;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import jdk.jshell.Diag;
import jdk.jshell.EvalException;
import jdk.jshell.JShell;
import jdk.jshell.JShellException;
import jdk.jshell.Snippet;
import jdk.jshell.SnippetEvent;
import jdk.jshell.SourceCodeAnalysis;
import jdk.jshell.UnresolvedReferenceException;
import io.github.spencerpark.jupyter.channels.JupyterConnection;
import io.github.spencerpark.jupyter.channels.ShellHandler;
import io.github.spencerpark.jupyter.channels.ShellReplyEnvironment;
import io.github.spencerpark.jupyter.kernel.JupyterIO;
import io.github.spencerpark.jupyter.kernel.display.mime.MIMEType;
import io.github.spencerpark.jupyter.messages.Message;
import io.github.spencerpark.jupyter.messages.MessageType;
import io.github.spencerpark.jupyter.messages.publish.PublishError;
import io.github.spencerpark.jupyter.messages.publish.PublishExecuteInput;
import io.github.spencerpark.jupyter.messages.publish.PublishExecuteResult;
import io.github.spencerpark.jupyter.messages.publish.PublishStream;
import io.github.spencerpark.jupyter.messages.reply.CommInfoReply;
import io.github.spencerpark.jupyter.messages.reply.ErrorReply;
import io.github.spencerpark.jupyter.messages.reply.ExecuteReply;
import io.github.spencerpark.jupyter.messages.request.ExecuteRequest;
import java.io.InputStream;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A Jupyter kernel for Java on JShell, compatible with IJava's notebooks: top-level {@code display}
 * and {@code render}, the magics {@code %jars}, {@code %classpath}, {@code %load} and {@code %maven},
 * rich display of Tablesaw tables and figures, completion, inspection, is-complete and history.
 * Snippets run in the kernel's JVM with the kit on the classpath.
 */
public final class JavaKernel extends BaseKernel {
    /** Imports every cell starts with, as IJava's defaults plus the kit's display functions. */
    static final List<String> STARTUP_IMPORTS = List.of(
            "import java.util.*;", "import java.util.stream.*;", "import java.util.function.*;",
            "import java.io.*;", "import java.nio.file.*;", "import java.math.*;",
            "import static io.lessr.kernel.Display.*;");

    private final JShell shell;
    private final SnippetExecutionControl control;
    private final MagicParser magicParser = new MagicParser();
    private final KernelMagics magics;
    private final List<String[]> history = Collections.synchronizedList(new ArrayList<>()); // {input, output}
    private final BatchedStream stdout = new BatchedStream(PublishStream.StreamType.OUT);
    private final BatchedStream stderr = new BatchedStream(PublishStream.StreamType.ERR);
    private final PrintStream cellOut = new PrintStream(stdout, true, StandardCharsets.UTF_8);
    private final PrintStream cellErr = new PrintStream(stderr, true, StandardCharsets.UTF_8);

    public JavaKernel() {
        SnippetExecutionControl.Provider provider = new SnippetExecutionControl.Provider();
        this.control = provider.control();
        this.shell = JShell.builder()
                .executionEngine(provider, null)
                .compilerOptions("-proc:none", "-Xlint:none")
                .build();
        shell.addToClasspath(System.getProperty("java.class.path"));
        this.magics = new KernelMagics(this);
        Renderers.register(getRenderer());
        Renderers.resendPlotly(); // a new kernel session starts a new page
        Display.bind(this);
        for (String imports : STARTUP_IMPORTS) {
            shell.eval(imports);
        }
    }

    JShell shell() {
        return shell;
    }

    @Override
    public LanguageInfo getLanguageInfo() {
        return new LanguageInfo.Builder("java")
                .version(System.getProperty("java.version"))
                .mimetype("text/x-java-source")
                .fileExtension(".jshell")
                .pygments("java")
                .codemirror("text/x-java")
                .build();
    }

    @Override
    public String getBanner() {
        return "Java " + System.getProperty("java.version") + " (JShell) with the LESSR kit";
    }

    @Override
    public List<LanguageInfo.Help> getHelpLinks() {
        return List.of(new LanguageInfo.Help("Java 17 API", "https://docs.oracle.com/en/java/javase/17/docs/api/"),
                new LanguageInfo.Help("DJL", "https://docs.djl.ai/"),
                new LanguageInfo.Help("Tablesaw", "https://jtablesaw.github.io/tablesaw/"));
    }

    @Override
    public DisplayData eval(String code) throws Exception {
        String[] entry = {code, ""};
        history.add(entry);
        DisplayData result = evalCell(code);
        if (result != null && result.getData(MIMEType.TEXT_PLAIN) != null) {
            entry[1] = String.valueOf(result.getData(MIMEType.TEXT_PLAIN));
        }
        return result;
    }

    private DisplayData evalCell(String code) throws Exception {
        CellMagicParseContext cell = magicParser.parseCellMagic(code);
        if (cell != null) {
            Object result = magics.applyCell(cell.getMagicCall().getName(), cell.getMagicCall().getArgs(),
                    cell.getMagicCall().getBody());
            return result == null ? null : getRenderer().render(result);
        }
        List<Object> lineMagicFailures = new ArrayList<>();
        String source = magicParser.transformLineMagics(code, ctx -> {
            try {
                return magics.applyLine(ctx.getMagicCall().getName(), ctx.getMagicCall().getArgs());
            } catch (Exception e) {
                lineMagicFailures.add(e);
                return "";
            }
        });
        if (!lineMagicFailures.isEmpty()) {
            throw (Exception) lineMagicFailures.get(0);
        }
        Object last;
        control.beginCell();
        try {
            last = evalSource(source);
        } finally {
            control.endCell();
        }
        if (last == null) {
            return null;
        }
        return last instanceof DisplayData d ? d : getRenderer().render(last);
    }

    /** Evaluates Java source snippet by snippet; returns the value of the last expression, or null. */
    Object evalSource(String source) throws Exception {
        SourceCodeAnalysis analysis = shell.sourceCodeAnalysis();
        String remaining = source;
        Object last = null;
        while (!remaining.isBlank()) {
            SourceCodeAnalysis.CompletionInfo info = analysis.analyzeCompletion(remaining);
            if (info.completeness() == SourceCodeAnalysis.Completeness.EMPTY) {
                break;
            }
            String snippet = info.completeness().isComplete() ? info.source() : remaining;
            remaining = info.completeness().isComplete() ? info.remaining() : "";
            last = evalSnippet(snippet);
        }
        return last;
    }

    private Object evalSnippet(String code) throws Exception {
        Object value = null;
        List<SnippetEvent> events = shell.eval(code);
        // A cell that ended its own way on an interrupt says how (e.g. "training interrupted at batch 12");
        // one the stop checks ended says nothing: the interrupt is the news. Either way no later snippet runs.
        boolean interrupted = control.takeStopRequest();
        for (SnippetEvent event : events) {
            if (event.causeSnippet() != null) {
                continue;
            }
            Snippet snippet = event.snippet();
            if (event.status() == Snippet.Status.REJECTED) {
                throw new CompilationException(shell.diagnostics(snippet)
                        .map(d -> describe(d, snippet.source())).collect(Collectors.joining("\n")));
            }
            JShellException failure = event.exception();
            if (failure != null) {
                throw failure instanceof EvalException e ? new EvaluationException(e)
                        : failure instanceof UnresolvedReferenceException u
                                ? new CompilationException("cannot use " + u.getSnippet().source().strip()
                                        + ": it refers to something not yet defined")
                                : failure;
            }
            Object result = control.takeResult(event.value());
            boolean expression = snippet.kind() == Snippet.Kind.EXPRESSION
                    || snippet.kind() == Snippet.Kind.VAR && snippet.subKind() == Snippet.SubKind.TEMP_VAR_EXPRESSION_SUBKIND;
            // As in IPython, a trailing semicolon keeps a value from being shown (display(x); printf(...);).
            if (expression && !code.strip().endsWith(";")) {
                value = result;
            }
        }
        if (interrupted) {
            throw new InterruptedException("the cell was interrupted");
        }
        return value;
    }

    private static String describe(Diag d, String source) {
        long line = source.substring(0, (int) Math.min(source.length(), Math.max(0, d.getStartPosition())))
                .chars().filter(c -> c == '\n').count() + 1;
        return "line " + line + ": " + d.getMessage(null);
    }

    @Override
    public List<String> formatError(Exception e) {
        List<String> lines = new ArrayList<>();
        lines.add(errorStyler.secondary(e instanceof EvaluationException ev ? ev.title() : e.getClass().getName()
                + ": " + e.getMessage()));
        if (e instanceof CompilationException) {
            return lines;
        }
        Throwable cause = e instanceof EvaluationException ev ? ev : e;
        for (StackTraceElement frame : cause.getStackTrace()) {
            String f = frame.toString();
            if (f.startsWith("REPL.") || f.contains("jdk.jshell") || f.startsWith("java.base/jdk.internal.reflect")) {
                break; // the rest is the kernel's own machinery
            }
            lines.add(errorStyler.secondary("    at " + f));
        }
        return lines;
    }

    @Override
    public ReplacementOptions complete(String code, int at) {
        int[] anchor = new int[1];
        List<SourceCodeAnalysis.Suggestion> suggestions = shell.sourceCodeAnalysis().completionSuggestions(code, at, anchor);
        Set<String> options = new LinkedHashSet<>();
        suggestions.stream().filter(SourceCodeAnalysis.Suggestion::matchesType).forEach(s -> options.add(s.continuation()));
        suggestions.forEach(s -> options.add(s.continuation()));
        return options.isEmpty() ? null : new ReplacementOptions(new ArrayList<>(options), anchor[0], at);
    }

    @Override
    public DisplayData inspect(String code, int at, boolean extraDetail) {
        List<SourceCodeAnalysis.Documentation> docs = shell.sourceCodeAnalysis().documentation(code, at, true);
        if (docs.isEmpty()) {
            // JShell documents a method from inside its call: look as if the call were opened.
            String opened = code.substring(0, at) + "(" + code.substring(at);
            docs = shell.sourceCodeAnalysis().documentation(opened, at + 1, true);
        }
        if (docs.isEmpty()) {
            return null;
        }
        String text = docs.stream()
                .map(d -> d.signature() + (extraDetail && d.javadoc() != null ? "\n" + d.javadoc() : ""))
                .collect(Collectors.joining("\n\n"));
        return new DisplayData(text);
    }

    @Override
    public String isComplete(String code) {
        String source = magicParser.transformLineMagics(code, ctx -> "");
        if (magicParser.parseCellMagic(code) != null || source.isBlank()) {
            return IS_COMPLETE_YES;
        }
        SourceCodeAnalysis.CompletionInfo info = shell.sourceCodeAnalysis().analyzeCompletion(source);
        while (info.completeness().isComplete() && !info.remaining().isBlank()) {
            info = shell.sourceCodeAnalysis().analyzeCompletion(info.remaining());
        }
        return switch (info.completeness()) {
            case COMPLETE, COMPLETE_WITH_SEMI, EMPTY -> IS_COMPLETE_YES;
            case DEFINITELY_INCOMPLETE, CONSIDERED_INCOMPLETE -> "    ";
            case UNKNOWN -> IS_COMPLETE_BAD;
        };
    }

    @Override
    public HistoryManager getHistoryManager() {
        return new HistoryManager() {
            @Override
            public List<HistoryEntry> lookupTail(int length, Set<ResultFlag> flags) {
                List<HistoryEntry> all = entries(flags);
                return all.subList(Math.max(0, all.size() - length), all.size());
            }

            @Override
            public List<HistoryEntry> lookupRange(int session, int start, int stop, Set<ResultFlag> flags) {
                List<HistoryEntry> all = entries(flags);
                int from = Math.max(0, start - 1);
                int to = stop <= 0 ? all.size() : Math.min(all.size(), stop - 1);
                return from >= to ? List.of() : all.subList(from, to);
            }

            @Override
            public List<HistoryEntry> search(String glob, int length, Set<ResultFlag> flags) {
                Pattern p = globPattern(glob);
                List<HistoryEntry> found = entries(flags).stream().filter(h -> p.matcher(h.getInput()).matches())
                        .collect(Collectors.toList());
                if (flags.contains(ResultFlag.UNIQUE)) {
                    Set<String> seen = new LinkedHashSet<>();
                    found.removeIf(h -> !seen.add(h.getInput()));
                }
                return length > 0 ? found.subList(Math.max(0, found.size() - length), found.size()) : found;
            }
        };
    }

    /** IPython's history search pattern: {@code *} any text, {@code ?} one character, everything else itself. */
    static Pattern globPattern(String glob) {
        StringBuilder regex = new StringBuilder();
        StringBuilder literal = new StringBuilder();
        for (char c : (glob == null ? "*" : glob).toCharArray()) {
            if (c == '*' || c == '?') {
                if (literal.length() > 0) {
                    regex.append(Pattern.quote(literal.toString()));
                    literal.setLength(0);
                }
                regex.append(c == '*' ? ".*" : ".");
            } else {
                literal.append(c);
            }
        }
        if (literal.length() > 0) {
            regex.append(Pattern.quote(literal.toString()));
        }
        return Pattern.compile(regex.toString(), Pattern.DOTALL);
    }

    private List<HistoryEntry> entries(Set<HistoryManager.ResultFlag> flags) {
        boolean withOutput = flags.contains(HistoryManager.ResultFlag.INCLUDE_OUTPUT);
        List<HistoryEntry> out = new ArrayList<>();
        synchronized (history) {
            for (int i = 0; i < history.size(); i++) {
                String[] h = history.get(i);
                out.add(withOutput ? new HistoryEntry(0, i + 1, h[0], h[1]) : new HistoryEntry(0, i + 1, h[0]));
            }
        }
        return out;
    }

    /**
     * jupyter-jvm-basekernel 2.3.0 leaves {@code status} out of kernel_info, history and comm_info
     * replies, which the messaging protocol requires (Jupyter's conformance suite checks it): answer
     * those here.
     */
    @Override
    public void becomeHandlerForConnection(JupyterConnection connection) {
        LenientRequests.install();
        super.becomeHandlerForConnection(connection);
        connection.setHandler(MessageType.KERNEL_INFO_REQUEST, (env, msg) -> {
            env.setBusyDeferIdle();
            env.reply(new ProtocolReplies.KernelInfo(KERNEL_META.get("project"), KERNEL_META.get("version"),
                    getLanguageInfo(), getBanner(), getHelpLinks()));
        });
        connection.setHandler(MessageType.EXECUTE_REQUEST, this::execute);
        connection.setHandler(MessageType.HISTORY_REQUEST, (env, msg) -> {
            env.setBusyDeferIdle();
            env.reply(new ProtocolReplies.History(ProtocolReplies.lookup(getHistoryManager(), msg.getContent())));
        });
        connection.setHandler(MessageType.COMM_INFO_REQUEST, (env, msg) -> {
            env.setBusyDeferIdle();
            String target = msg.getContent() == null ? null : msg.getContent().getTargetName();
            var comms = new LinkedHashMap<String, CommInfoReply.CommInfo>();
            for (var comm : commManager) {
                if (target == null || target.equals(comm.getTargetName())) {
                    comms.put(comm.getID(), new CommInfoReply.CommInfo(comm.getTargetName()));
                }
            }
            env.reply(new ProtocolReplies.CommInfo(comms));
        });
        for (var type : List.of(MessageType.KERNEL_INFO_REQUEST,
                MessageType.EXECUTE_REQUEST,
                MessageType.INSPECT_REQUEST,
                MessageType.COMPLETE_REQUEST,
                MessageType.HISTORY_REQUEST,
                MessageType.IS_COMPLETE_REQUEST,
                MessageType.COMM_INFO_REQUEST,
                MessageType.SHUTDOWN_REQUEST,
                MessageType.INTERRUPT_REQUEST)) {
            answerAlways(connection, type);
        }
    }

    /**
     * Every request gets a reply: a handler that fails (a bad request, a bug, an Error such as a stack
     * overflow) answers with an error reply of the request's reply type instead of leaving the client
     * waiting.
     */
    private static <T> void answerAlways(JupyterConnection connection,
            MessageType<T> type) {
        ShellHandler<T> handler = connection.getHandler(type);
        if (handler == null) {
            return;
        }
        var replyType = MessageType.getType(type.getName().replace("_request", "_reply"));
        connection.setHandler(type, (env, msg) -> {
            try {
                handler.handle(env, msg);
            } catch (Throwable t) {
                Exception e = t instanceof Exception ex ? ex
                        : new IllegalStateException(t.getClass().getName() + ": " + t.getMessage(), t);
                env.replyError(replyType, ErrorReply.of(e));
            }
        });
    }

    private final List<Map<String, Object>> pages = Collections.synchronizedList(new ArrayList<>());

    /** Shows text in the frontend's pager (the execute reply's {@code page} payload), as IPython's {@code ?}. */
    void page(String text) {
        pages.add(Map.of("source", "page", "data", Map.of("text/plain", text), "start", 0));
    }

    /**
     * The base kernel's execute handler, plus the execute reply's payloads (the pager), which the
     * base kernel does not offer. Its stream plumbing is protected, hence the reflection.
     */
    private synchronized void execute(ShellReplyEnvironment env,
            Message<ExecuteRequest> message) {
        commManager.setMessageContext(message);
        var request = message.getContent();
        int count = executionCount.getAndIncrement();
        env.setBusyDeferIdle();
        env.publish(new PublishExecuteInput(request.getCode(), count));
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        InputStream oldIn = System.in;
        stdout.attach(env);
        stderr.attach(env);
        System.setOut(cellOut);
        System.setErr(cellErr);
        System.setIn(getIO().in);
        env.defer(() -> {
            System.setOut(oldOut);
            System.setErr(oldErr);
            System.setIn(oldIn);
            stdout.detach();
            stderr.detach();
        });
        ioAccess("setEnv", env);
        env.defer(() -> ioAccess("retractEnv", env));
        ioAccess("setJupyterInEnabled", request.isStdinEnabled());
        pages.clear();
        try {
            DisplayData out = eval(request.getCode());
            flushStreams(true);
            if (out != null) {
                env.publish(new PublishExecuteResult(count, out));
            }
            env.defer().reply(new ProtocolReplies.Execute(count, new ArrayList<>(pages)));
        } catch (Exception e) {
            flushStreams(true);
            // The cell's exception by its own class name (java.lang.OutOfMemoryError), not the kernel's wrapper.
            String ename = e instanceof EvaluationException ev ? ev.className : e.getClass().getSimpleName();
            String evalue = e.getMessage() == null ? "" : e.getMessage();
            List<String> traceback = formatError(e);
            var error = new ErrorReply(ename, evalue, traceback);
            error.setExecutionCount(count);
            env.publish(new PublishError(ename, evalue, traceback));
            env.defer().replyError(ExecuteReply.MESSAGE_TYPE.error(), error);
        }
    }

    /**
     * Sends the cell's waiting stdout and stderr text, so that it comes before the output about to be
     * sent ({@code all}: the cell is over, a broken character at the end included).
     */
    void flushStreams(boolean all) {
        if (all) {
            stdout.sendAll();
            stderr.sendAll();
        } else {
            stdout.send();
            stderr.send();
        }
    }

    private void ioAccess(String method, Object arg) {
        try {
            Class<?> type = arg instanceof Boolean ? boolean.class : ShellReplyEnvironment.class;
            Method m = JupyterIO.class.getDeclaredMethod(method, type);
            m.setAccessible(true);
            m.invoke(getIO(), arg);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("jupyter-jvm-basekernel changed: JupyterIO." + method, e);
        }
    }

    @Override
    public void interrupt() {
        shell.stop();
    }

    @Override
    public void onShutdown(boolean isRestarting) {
        shell.close();
        stdout.close();
        stderr.close();
    }

    /** A cell that does not compile: the compiler's messages, with cell line numbers. */
    static final class CompilationException extends Exception {
        CompilationException(String message) {
            super(message, null, false, false); // no stack: the kernel's own frames say nothing
        }
    }

    /** An exception thrown by a cell's code, carrying the original class name and stack. */
    static final class EvaluationException extends Exception {
        private final String className;

        EvaluationException(EvalException e) {
            super(e.getMessage(), e.getCause());
            this.className = e.getExceptionClassName();
            setStackTrace(userFrames(e.getStackTrace()));
        }

        /** The cell's frames: everything above JShell's wrapper and the kernel's machinery. */
        private static StackTraceElement[] userFrames(StackTraceElement[] frames) {
            int n = 0;
            while (n < frames.length && !frames[n].toString().contains("do_it$")
                    && !frames[n].getClassName().startsWith("jdk.internal.reflect")) {
                n++;
            }
            return Arrays.copyOf(frames, Math.min(frames.length, n + 1));
        }

        String title() {
            return className + (getMessage() == null ? "" : ": " + getMessage());
        }

        @Override
        public String toString() {
            return title();
        }
    }
}
