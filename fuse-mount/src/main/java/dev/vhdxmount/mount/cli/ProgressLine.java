package dev.vhdxmount.mount.cli;

import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

import dev.vhdxmount.vhdx.check.Progress;

/**
 * The progress of long work ({@code --hash}, {@code --check}) as one line on stderr: bytes done of the total, the
 * rate and the time left, redrawn in place four times a second by a timer thread (the work itself never waits for
 * the terminal), and wiped when the work ends. Shown only when stderr is a terminal and without {@code -q}; a hidden
 * line still counts and still passes on a stop ({@link #cancelled}).
 *
 * <p>Drawn by hand rather than with me.tongfei:progressbar: that library finds the terminal's width through JLine,
 * which cost 200 to 620 ms at each start here (more than hashing a whole 1 GiB disk of zeros takes), brings 450 KiB
 * of jars into the runnable one, and computes its rate from whole elapsed seconds (no rate for the first second).
 * One line kept under 80 columns, redrawn with a carriage return and padded over the previous one, needs no width
 * and no escape sequence, so it works on any terminal.
 */
final class ProgressLine implements Progress, AutoCloseable {
    static final long REDRAW_MS = 250;

    private final String label;
    private final PrintStream err;
    private final BooleanSupplier stop;
    private final AtomicLong done = new AtomicLong();
    private final AtomicLong total = new AtomicLong();
    private final long started = System.nanoTime();
    private final ScheduledExecutorService timer;
    private int drawn;

    /**
     * @param show whether to draw at all (a terminal, and not {@code -q})
     * @param stop says when the user asked to stop (Ctrl-C)
     */
    ProgressLine(String label, boolean show, PrintStream err, BooleanSupplier stop) {
        this.label = label;
        this.err = err;
        this.stop = stop;
        if (show) {
            timer = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "vhdx-progress");
                t.setDaemon(true);
                return t;
            });
            timer.scheduleAtFixedRate(this::draw, REDRAW_MS, REDRAW_MS, TimeUnit.MILLISECONDS);
        } else {
            timer = null;
        }
    }

    @Override
    public void addTotal(long bytes) {
        total.addAndGet(bytes);
    }

    @Override
    public void advance(long bytes) {
        done.addAndGet(bytes);
    }

    @Override
    public boolean cancelled() {
        return stop.getAsBoolean();
    }

    private synchronized void draw() {
        String line = line(label, done.get(), total.get(), System.nanoTime() - started);
        StringBuilder b = new StringBuilder("\r").append(line);
        for (int i = line.length(); i < drawn; i++) {
            b.append(' ');
        }
        drawn = line.length();
        err.print(b);
        err.flush();
    }

    /** Stops redrawing and wipes the line, so that what follows on the terminal starts on a clean line. */
    @Override
    public synchronized void close() {
        if (timer == null) {
            return;
        }
        timer.shutdownNow();
        try {
            timer.awaitTermination(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (drawn > 0) {
            err.print("\r" + " ".repeat(drawn) + "\r");
            err.flush();
            drawn = 0;
        }
    }

    /** {@code sha256: 1.2 GiB of 10.0 GiB (12%), 1.5 GiB/s, 0:06 left}: under 80 columns for any size. */
    static String line(String label, long done, long total, long elapsedNanos) {
        StringBuilder b = new StringBuilder(label).append(": ").append(ImageReport.humanSize(done)).append(" of ")
                .append(ImageReport.humanSize(total));
        if (total > 0) {
            b.append(String.format(Locale.ROOT, " (%d%%)", done * 100 / total));
        }
        double seconds = elapsedNanos / 1e9;
        if (seconds >= 0.2 && done > 0) {
            double rate = done / seconds;
            b.append(", ").append(ImageReport.humanSize((long) rate)).append("/s");
            if (total > done) {
                b.append(", ").append(duration((long) Math.ceil((total - done) / rate))).append(" left");
            }
        }
        return b.toString();
    }

    static String duration(long seconds) {
        long h = seconds / 3600;
        long m = seconds / 60 % 60;
        long s = seconds % 60;
        return h > 0 ? String.format(Locale.ROOT, "%d:%02d:%02d", h, m, s)
                : String.format(Locale.ROOT, "%d:%02d", m, s);
    }
}
