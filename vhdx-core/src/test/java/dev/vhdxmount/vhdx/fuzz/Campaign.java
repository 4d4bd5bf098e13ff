package dev.vhdxmount.vhdx.fuzz;

import static java.nio.charset.StandardCharsets.US_ASCII;

import java.io.BufferedReader;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Runs cases {@code [first, first + count)} of the campaign {@code seed} in worker JVMs ({@link FuzzWorker}), each
 * with a bounded heap ({@code -Xmx256m}) and one case at a time, so that the memory bound is the JVM's own and not a
 * hope: an image that makes the reader hold too much fails its case with OutOfMemoryError.
 *
 * <p>A worker whose case hangs answers with the stack of the case's thread and is then killed and replaced: a JVM
 * cannot end a thread that heeds no interrupt ({@code Thread.stop} throws from JDK 20 on), and a thread left
 * running would eat the CPU and heap that the following cases are timed and bounded by. A worker that stops
 * answering altogether (past the case bound and a grace for its own work) has its threads dumped by {@code jcmd},
 * and is killed and replaced too; one that dies during a case fails that case. Either way the case is reported by
 * its (seed, index), which replays it, with the mutations the worker said it drew.
 */
final class Campaign {
    /** Loading the seeds: each file is mapped and scanned for its non-zero chunks. */
    private static final Duration STARTUP_BOUND = Duration.ofMinutes(2);
    private static final Duration JCMD_BOUND = Duration.ofSeconds(10);

    private final Path seedsDir;
    private final Path workDir;
    private final long seed;
    private final int jobs;
    private final String heap;
    private final Duration timeout;
    private final Path failuresDir;
    /** Past the case bound: the worker's mutation of the files, its report of a hang, the saving of a failure. */
    private Duration grace = Duration.ofSeconds(60);
    private List<String> jvmOptions = List.of();
    private List<String> workerArgs = List.of();
    private volatile Consumer<String> caseLog;
    private final List<ProcessHandle> workers = Collections.synchronizedList(new ArrayList<>());

    /**
     * @param seedsDir    seeds written by {@link SeedImages#build}: the workers load them instead of building their own
     * @param failuresDir where the files of failing cases are saved (gzip), to become regression fixtures; or null
     */
    Campaign(Path seedsDir, Path workDir, long seed, int jobs, String heap, Duration timeout, Path failuresDir) {
        if (jobs < 1) {
            throw new IllegalArgumentException("jobs: " + jobs);
        }
        this.seedsDir = seedsDir;
        this.workDir = workDir;
        this.seed = seed;
        this.jobs = jobs;
        this.heap = heap;
        this.timeout = timeout;
        this.failuresDir = failuresDir;
    }

    /** Prints every case (seed image, mutations, outcome) to {@code log}. */
    Campaign verbose(Consumer<String> log) {
        this.caseLog = log;
        return this;
    }

    /** How long past the case bound a worker may stay silent before it is dumped and killed. */
    Campaign grace(Duration grace) {
        this.grace = grace;
        return this;
    }

    /** More options of the worker JVMs (the heap is the campaign's). */
    Campaign jvmOptions(String... options) {
        this.jvmOptions = List.of(options);
        return this;
    }

    /** More arguments of every worker: FuzzTest's {@code --test-hang} and {@code --test-stall}. */
    Campaign workerArgs(String... args) {
        this.workerArgs = List.of(args);
        return this;
    }

    /** Every worker JVM started so far, the replaced ones too. */
    List<ProcessHandle> workers() {
        return List.copyOf(workers);
    }

    FuzzReport run(long first, long count, Consumer<String> progress) throws IOException {
        Files.createDirectories(workDir);
        FuzzReport report = new FuzzReport();
        AtomicLong next = new AtomicLong(first);
        long end = first + count;
        long start = System.nanoTime();
        ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "fuzz-watchdog");
            t.setDaemon(true);
            return t;
        });
        List<Thread> threads = new ArrayList<>();
        List<Throwable> crashed = Collections.synchronizedList(new ArrayList<>());
        for (int j = 0; j < jobs; j++) {
            int job = j;
            Thread t = new Thread(() -> {
                Worker w = null;
                try {
                    for (long i = next.getAndIncrement(); i < end; i = next.getAndIncrement()) {
                        if (w == null) {
                            w = new Worker(job, watchdog);
                        }
                        Result r = w.run(i);
                        report.add(seed, i, r.image, r.mutations, r.outcome);
                        if (caseLog != null) {
                            caseLog.accept(FuzzWorker.describe(i, r.image, r.mutations, r.outcome));
                        }
                        if (r.workerEnded) {
                            w.kill();
                            w = null;
                        }
                        long done = report.cases();
                        if (done % Math.max(1, count / 10) == 0) {
                            double s = (System.nanoTime() - start) / 1e9;
                            progress.accept(String.format("fuzz: %d/%d cases, %.0f cases/s, %d failed", done, count,
                                    done / s, report.failed()));
                        }
                    }
                } catch (IOException | RuntimeException e) {
                    crashed.add(e);
                    next.set(end); // the other jobs stop too: the report would be partial
                } finally {
                    if (w != null) {
                        w.close();
                    }
                }
            }, "fuzz-job-" + j);
            threads.add(t);
            t.start();
        }
        try {
            for (Thread t : threads) {
                t.join();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } finally {
            watchdog.shutdownNow();
        }
        if (!crashed.isEmpty()) {
            throw new IOException("the fuzz harness failed (a harness problem, not a finding)", crashed.get(0));
        }
        return report;
    }

    /** How a case ended, and whether its worker must go: after a hang it may still be running the case. */
    private record Result(String image, List<String> mutations, Outcome outcome, boolean workerEnded) {}

    /** A worker JVM, its protocol, and the watchdog on its answers. */
    private final class Worker implements Closeable {
        private final Process process;
        private final BufferedReader out;
        private final Writer in;
        private final Path log;
        private final Path dump;
        private final ScheduledExecutorService watchdog;
        /** Guarded by this: the case the watchdog is on, and whether it has answered or been given up on. */
        private long watched = -1;
        private boolean answered;
        private String silence;

        Worker(int job, ScheduledExecutorService watchdog) throws IOException {
            this.watchdog = watchdog;
            this.log = workDir.resolve("job" + job + ".log");
            this.dump = workDir.resolve("job" + job + ".threads");
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            // under surefire java.class.path may be a manifest-only jar; surefire also gives the real test class path
            String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
            List<String> cmd = new ArrayList<>(List.of(java, "-Xmx" + heap, "-Xss1m"));
            cmd.addAll(jvmOptions);
            cmd.addAll(List.of("-cp", classPath, FuzzWorker.class.getName(), "--seeds", seedsDir.toString(),
                    "--work", workDir.resolve("job" + job).toString(), "--seed", Long.toString(seed),
                    "--timeout-ms", Long.toString(timeout.toMillis())));
            if (failuresDir != null) {
                cmd.addAll(List.of("--save", failuresDir.toString()));
            }
            cmd.addAll(workerArgs);
            process = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
            workers.add(process.toHandle());
            out = new BufferedReader(new InputStreamReader(process.getInputStream(), US_ASCII));
            in = new OutputStreamWriter(process.getOutputStream(), US_ASCII);
            ScheduledFuture<?> dog = watch(-1, STARTUP_BOUND);
            String ready = out.readLine();
            dog.cancel(false);
            if (!"ready".equals(ready) || answeredTooLate()) {
                kill();
                throw new IOException("a fuzz worker did not start (exit " + exit() + "); its log " + log + ":\n"
                        + tail(log));
            }
        }

        Result run(long index) throws IOException {
            long start = System.nanoTime();
            ScheduledFuture<?> dog = watch(index, timeout.plus(grace));
            String image = "(not drawn)";
            List<String> mutations = List.of("(the worker never said)");
            try {
                in.write(index + "\n");
                in.flush();
                String drawn = out.readLine();
                if (drawn != null) {
                    List<String> f = FuzzWorker.fields(drawn);
                    check(f, "drawn", index);
                    image = f.get(2);
                    mutations = f.subList(3, f.size());
                    String ended = out.readLine();
                    if (ended != null) {
                        f = FuzzWorker.fields(ended);
                        check(f, "outcome", index);
                        Outcome o = Outcome.ofFields(f.subList(2, f.size()));
                        return new Result(image, mutations, o, answeredTooLate() || o.timedOut());
                    }
                }
            } catch (IOException e) {
                // a broken pipe: the worker is gone, which is what follows
            } finally {
                dog.cancel(false);
            }
            answeredTooLate(); // so that the watchdog, if it has not begun, leaves it be
            int exit = exit();
            long nanos = System.nanoTime() - start;
            String why;
            synchronized (this) {
                why = silence;
            }
            if (why != null) {
                return new Result(image, mutations, Outcome.unanswered(nanos, why), true);
            }
            if (exit == FuzzWorker.EXIT_HARNESS) {
                throw new IOException("the fuzz worker failed at case " + index + "; its log " + log + ":\n"
                        + tail(log));
            }
            return new Result(image, mutations, Outcome.workerDied(exit, nanos, tail(log)), true);
        }

        private void check(List<String> fields, String kind, long index) throws IOException {
            if (fields.size() < 2 || !fields.get(0).equals(kind) || !fields.get(1).equals(Long.toString(index))) {
                throw new IOException("fuzz worker protocol: expected " + kind + " " + index + ", got " + fields);
            }
        }

        /** Arms the watchdog on case {@code index} (-1: the start). */
        private synchronized ScheduledFuture<?> watch(long index, Duration bound) {
            watched = index;
            answered = false;
            silence = null;
            return watchdog.schedule(() -> silent(index, bound), bound.toNanos(), TimeUnit.NANOSECONDS);
        }

        /** The worker has answered; whether the watchdog had already given up on it (and is killing it). */
        private synchronized boolean answeredTooLate() {
            answered = true;
            return silence != null;
        }

        /** On the watchdog's thread: the worker has not answered {@code index} in time. */
        private void silent(long index, Duration bound) {
            synchronized (this) {
                if (watched != index || answered) {
                    return;
                }
                silence = "(dump under way)";
            }
            String threads = threadDump();
            synchronized (this) {
                silence = "no answer in " + bound.toMillis() + " ms; its threads then:\n" + threads;
            }
            process.destroyForcibly();
        }

        /** The worker's threads by {@code jcmd}: a JVM whose own time bound did not fire may still answer that. */
        private String threadDump() {
            Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
            if (!Files.isExecutable(jcmd)) {
                return "(no thread dump: no " + jcmd + ")";
            }
            try {
                Process p = new ProcessBuilder(jcmd.toString(), Long.toString(process.pid()), "Thread.print")
                        .redirectErrorStream(true).redirectOutput(dump.toFile()).start();
                if (!p.waitFor(JCMD_BOUND.toMillis(), TimeUnit.MILLISECONDS)) {
                    p.destroyForcibly();
                    return "(no thread dump: jcmd did not answer in " + JCMD_BOUND.toSeconds() + " s)";
                }
                return Files.readString(dump, US_ASCII);
            } catch (IOException e) {
                return "(no thread dump: " + e + ")";
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return "(no thread dump: interrupted)";
            }
        }

        private int exit() {
            try {
                return process.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
                return -1;
            }
        }

        /** Ends the worker now: its case may still be running. */
        void kill() {
            process.destroyForcibly();
            exit();
        }

        /** Ends the worker when it has nothing to do: its standard input ends, so does it. */
        @Override
        public void close() {
            try {
                in.close();
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    kill();
                }
            } catch (IOException e) {
                kill();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                kill();
            }
        }
    }

    private static String tail(Path log) throws IOException {
        if (!Files.exists(log)) {
            return "";
        }
        List<String> lines = Files.readAllLines(log, StandardCharsets.ISO_8859_1);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
    }
}
