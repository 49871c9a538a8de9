package io.lessr.exercise;

import java.util.Arrays;
import java.util.function.Supplier;

/**
 * How an exercise's check reports, so that nbgrader scores it as any test cell: a pass is one line on
 * stdout; a failure is an {@link AssertionError} whose message says what to fix, without a stack trace
 * (the kit's frames would tell a student nothing); nothing ever goes to stderr.
 */
public final class Check {
    private final String exercise;

    /** The check of {@code exercise}, named as the notebook names it (for example {@code seqToEopMultigraph}). */
    public Check(String exercise) {
        this.exercise = exercise;
    }

    public String exercise() {
        return exercise;
    }

    /** Prints the one line of a check that passed. */
    public void passed(String what) {
        System.out.println("✔ " + exercise + ": " + what);
    }

    /** The failure to throw: the message, the exercise's name first. */
    public AssertionError failed(String message) {
        AssertionError e = new AssertionError(exercise + ": " + message);
        e.setStackTrace(new StackTraceElement[0]);
        return e;
    }

    /** A failure with a hint on the usual mistake that gives this output (none when {@code hint} is null). */
    public AssertionError failed(String message, String hint) {
        return failed(hint == null ? message : message + "\nHint: " + hint);
    }

    /**
     * Runs the student's code: its value, or a failure that says which call threw what, and where in
     * the student's declaration (JShell numbers the lines of each declaration from 1).
     */
    public <T> T call(String description, Supplier<T> code) {
        try {
            T value = code.get();
            if (value == null) {
                throw failed(description + " returned null");
            }
            return value;
        } catch (AssertionError e) {
            throw e;
        } catch (UnsupportedOperationException e) {
            if (isStub(e)) {
                String method = e.getStackTrace()[0].getMethodName();
                throw failed((method.equals(exercise) ? "" : method + " is ") + "not implemented yet: replace"
                        + " // YOUR CODE HERE and the throw after it with your code, run that cell, then this one");
            }
            throw failed(description + " threw " + describe(e));
        } catch (RuntimeException | StackOverflowError e) {
            throw failed(description + " threw " + describe(e));
        }
    }

    /** The released notebook's stub throws UnsupportedOperationException from the cell itself. */
    private static boolean isStub(UnsupportedOperationException e) {
        StackTraceElement[] frames = e.getStackTrace();
        return frames.length > 0 && frames[0].getClassName().startsWith("REPL.");
    }

    static String describe(Throwable e) {
        String where = Arrays.stream(e.getStackTrace())
                .filter(f -> f.getClassName().startsWith("REPL."))
                .findFirst()
                .map(f -> " in " + f.getMethodName() + ", line " + f.getLineNumber() + " of its declaration")
                .orElse("");
        return e.getClass().getName() + (e.getMessage() == null ? "" : ": " + e.getMessage()) + where;
    }
}
