package dev.vhdxmount.vhdx.fuzz;

import dev.vhdxmount.vhdx.OpenOptions;
import dev.vhdxmount.vhdx.VirtualDisk;
import dev.vhdxmount.vhdx.error.VhdxFormatException;
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
 * failure reported with the stack of the thread that hangs.
 *
 * <p>That thread is interrupted, but nothing here can end it: {@code Thread.stop} throws from JDK 20 on, and a
 * thread that heeds no interrupt ends only with its JVM. A hung case therefore ends the worker JVM it ran in
 * ({@link FuzzWorker}), and the campaign goes on in a new one; run in-process (a regression fixture, a replay), the
 * hung thread is a daemon that lasts until its JVM exits, and the caller has already failed.
 */
final class CaseRunner implements Closeable {
    private static final AtomicInteger THREADS = new AtomicInteger();

    private final Duration timeout;
    private ExecutorService executor;
    private volatile Thread caseThread;

    CaseRunner(Duration timeout) {
        this.timeout = timeout;
        this.executor = newExecutor();
    }

    Outcome run(Path image, OpenOptions options, SplittableRandom readRandom) {
        return run(() -> openAndRead(image, options, readRandom));
    }

    /** Runs {@code task} as a case: its outcome, or a timeout with the stack of the thread that hangs. */
    Outcome run(Callable<Outcome> task) {
        Future<Outcome> f = executor.submit(task);
        long start = System.nanoTime();
        try {
            return f.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            Thread t = caseThread;
            StackTraceElement[] stack = t.getStackTrace();
            long nanos = System.nanoTime() - start;
            executor.shutdownNow(); // the interrupt ends a case blocked in a file read, not one that spins
            executor = newExecutor(); // the hung thread keeps the old one
            return Outcome.timedOut(nanos, t.getName(), stack);
        } catch (ExecutionException e) {
            return Outcome.failed("case thread", e.getCause(), System.nanoTime() - start, 0);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** The case itself: anything but the project's format exception is a failure of the reader. */
    private static Outcome openAndRead(Path image, OpenOptions options, SplittableRandom r) {
        long start = System.nanoTime();
        DiskReader reader = null;
        try (VirtualDisk disk = VhdxImage.open(image, options)) {
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
