package dev.vhdxmount.vhdx.fuzz;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.regex.Pattern;

/**
 * How one case ended: read through ({@code OK}), refused with the project's format exception ({@code REFUSED}), or
 * {@code FAILED}: any other exception or error, a broken read contract, or more than the time bound.
 *
 * @param exception the exception's class name (empty when OK)
 * @param bytesRead  virtual bytes read before the case ended
 * @param detail    for a failure: the stack trace (of the hung thread for a timeout)
 */
record Outcome(Status status, String exception, String message, long nanos, long bytesRead, String detail) {

    enum Status { OK, REFUSED, FAILED }

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

    static Outcome timedOut(long nanos, StackTraceElement[] stack) {
        StringBuilder s = new StringBuilder("hung thread:\n");
        for (StackTraceElement e : stack) {
            s.append("\tat ").append(e).append('\n');
        }
        return new Outcome(Status.FAILED, "timeout", "no result after " + nanos / 1_000_000 + " ms", nanos, 0,
                s.toString());
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
