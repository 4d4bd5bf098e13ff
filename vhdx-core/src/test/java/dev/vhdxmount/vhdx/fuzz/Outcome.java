package dev.vhdxmount.vhdx.fuzz;

import dev.vhdxmount.vhdx.error.VhdxFormatException;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.regex.Pattern;

/**
 * How one case ended: read through ({@code OK}), refused with the project's format exception ({@code REFUSED}), or
 * {@code FAILED}: any other exception or error, a broken read contract, more than the time bound, or the end of the
 * worker JVM that ran it.
 *
 * @param exception the exception's class name (empty when OK)
 * @param bytesRead  virtual bytes read before the case ended
 * @param detail    for a failure: the stack trace (of the hung thread for a timeout, of every thread when the worker
 *                  JVM itself stopped answering)
 */
record Outcome(Status status, String exception, String message, long nanos, long bytesRead, String detail) {

    enum Status { OK, REFUSED, FAILED }

    private static final String TIMEOUT = "timeout";

    private static final Pattern PATH = Pattern.compile("(?<!\\w)/[^\\s:;,()'\\[\\]{}]+");
    private static final Pattern GUID = Pattern.compile(
            "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
    private static final Pattern HEX = Pattern.compile("0x[0-9a-fA-F]+");
    private static final Pattern NUMBER = Pattern.compile("\\b\\d+\\b");

    static Outcome ok(long nanos, long bytesRead) {
        return new Outcome(Status.OK, "", "", nanos, bytesRead, "");
    }

    static Outcome refused(Throwable e, long nanos, long bytesRead) {
        return new Outcome(Status.REFUSED, e.getClass().getName(), String.valueOf(e.getMessage()), nanos, bytesRead,
                "");
    }

    static Outcome failed(String what, Throwable e, long nanos, long bytesRead) {
        return new Outcome(Status.FAILED, e.getClass().getName(), what + ": " + e, nanos, bytesRead, stack(e));
    }

    static Outcome timedOut(long nanos, String threadName, StackTraceElement[] stack) {
        StringBuilder s = new StringBuilder("hung thread \"" + threadName + "\":\n");
        for (StackTraceElement e : stack) {
            s.append("\tat ").append(e).append('\n');
        }
        return new Outcome(Status.FAILED, TIMEOUT, "no result after " + nanos / 1_000_000 + " ms", nanos, 0,
                s.toString());
    }

    /** A worker JVM that did not answer in time, even to say that its case had hung: it was killed. */
    static Outcome unanswered(long nanos, String threadDump) {
        return new Outcome(Status.FAILED, TIMEOUT, "no answer from the worker JVM after " + nanos / 1_000_000
                + " ms; killed", nanos, 0, threadDump);
    }

    /** A worker JVM that ended during the case (a crash of the JVM, an Error outside the case thread). */
    static Outcome workerDied(int exitStatus, long nanos, String logTail) {
        return new Outcome(Status.FAILED, "worker JVM", "the worker JVM exited with status " + exitStatus
                + " during the case", nanos, 0, "the worker's last output:\n" + logTail);
    }

    /** Whether the case outlived the time bound: the thread that ran it may still be running. */
    boolean timedOut() {
        return exception.equals(TIMEOUT);
    }

    /** The outcome as strings, for the worker protocol ({@link FuzzWorker}). */
    List<String> fields() {
        return List.of(status.name(), exception, message, Long.toString(nanos), Long.toString(bytesRead), detail);
    }

    static Outcome ofFields(List<String> f) {
        return new Outcome(Status.valueOf(f.get(0)), f.get(1), f.get(2), Long.parseLong(f.get(3)),
                Long.parseLong(f.get(4)), f.get(5));
    }

    /**
     * The outcome with the variable parts of its message (paths, GUIDs, numbers) replaced, so that cases refused
     * by the same rule count together: {@code VhdxFormatException: header # at <hex>: CRC-32C mismatch ...}.
     */
    String outcomeClass() {
        if (status == Status.OK) {
            return "ok";
        }
        String m = PATH.matcher(message).replaceAll("<path>");
        m = GUID.matcher(m).replaceAll("<guid>");
        m = HEX.matcher(m).replaceAll("<hex>");
        m = NUMBER.matcher(m).replaceAll("#");
        if (m.length() > 110) {
            m = m.substring(0, 110) + "...";
        }
        String type = exception.substring(exception.lastIndexOf('.') + 1);
        return (status == Status.FAILED ? "FAILED " : "") + type + ": " + m;
    }

    private static String stack(Throwable e) {
        StringWriter w = new StringWriter();
        e.printStackTrace(new PrintWriter(w));
        return w.toString();
    }
}
