package dev.vhdxmount.vhdx.fuzz;

import dev.vhdxmount.vhdx.OpenOptions;
import dev.vhdxmount.vhdx.VhdxDisk;
import dev.vhdxmount.vhdx.VhdxFormatException;
import dev.vhdxmount.vhdx.VhdxImage;
import java.io.Closeable;
import java.nio.file.Path;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Opens and reads one image on a thread of its own, with a time bound: a case that does not end in time is a
 * failure reported with the stack of the thread that hangs, which is then ended.
 */
final class CaseRunner implements Closeable {
    private static final AtomicInteger THREADS = new AtomicInteger();

    private final Duration timeout;
    private ExecutorService executor;
    private volatile Thread caseThread;
    /** Whether the last case's thread could not be ended: it may still be using the files. */
    private boolean abandoned;

    CaseRunner(Duration timeout) {
        this.timeout = timeout;
        this.executor = newExecutor();
    }

    boolean lastCaseHung() {
        return abandoned;
    }

    Outcome run(Path image, OpenOptions options, SplittableRandom readRandom) {
        return run(() -> openAndRead(image, options, readRandom));
    }

    /** Runs {@code task} as a case: its outcome, or a timeout with the stack of the thread that hangs. */
    Outcome run(Callable<Outcome> task) {
        abandoned = false;
        Future<Outcome> f = executor.submit(task);
        long start = System.nanoTime();
        try {
            return f.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            Thread t = caseThread;
            StackTraceElement[] stack = t.getStackTrace();
            long nanos = System.nanoTime() - start;
            f.cancel(true);
            executor.shutdownNow();
            end(t);
            abandoned = t.isAlive();
            executor = newExecutor();
            return Outcome.timedOut(nanos, stack);
        } catch (ExecutionException e) {
            return Outcome.failed("case thread", e.getCause(), System.nanoTime() - start, 0);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /**
     * Ends a hung case's thread: interrupted (its file reads then fail), and if that is not enough, stopped. A
     * thread left running would eat the CPU and heap the following cases are timed and bounded by, and one timeout
     * would become hundreds. {@code Thread.stop} is deprecated, but this thread shares nothing worth protecting.
     */
    @SuppressWarnings("deprecation")
    private static void end(Thread t) {
        try {
            t.join(2000);
            if (t.isAlive()) {
                t.stop();
                t.join(2000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The case itself: anything but the project's format exception is a failure of the reader. */
    private static Outcome openAndRead(Path image, OpenOptions options, SplittableRandom r) {
        long start = System.nanoTime();
        DiskReader reader = null;
        try (VhdxDisk disk = VhdxImage.open(image, options)) {
            reader = new DiskReader(disk, r);
            reader.readAll();
            return Outcome.ok(System.nanoTime() - start, reader.bytesRead());
        } catch (VhdxFormatException e) {
            return Outcome.refused(e, System.nanoTime() - start, read(reader));
        } catch (DiskReader.ContractViolation e) {
            return Outcome.failed("read contract", e, System.nanoTime() - start, read(reader));
        } catch (Throwable e) { // RuntimeException, an IOException of the OS, OutOfMemoryError, StackOverflowError
            return Outcome.failed("unexpected", e, System.nanoTime() - start, read(reader));
        }
    }

    private static long read(DiskReader reader) {
        return reader == null ? 0 : reader.bytesRead();
    }

    private ExecutorService newExecutor() {
        return Executors.newSingleThreadExecutor(task -> {
            Thread t = new Thread(task, "fuzz-case-" + THREADS.incrementAndGet());
            t.setDaemon(true);
            caseThread = t;
            return t;
        });
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
