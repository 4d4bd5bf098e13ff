package dev.vhdxmount.vhdx.fuzz;

import dev.vhdxmount.vhdx.OpenOptions;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.zip.GZIPOutputStream;

/**
 * Runs cases {@code [first, first + count)} of the campaign {@code seed}: case {@code i} draws everything (seed
 * image, options, mutations, reads) from a random seeded by (seed, i) alone, so any case is replayed by its index.
 * Worker threads each keep their own copies of the seed files, mutate them, run the case, and restore them.
 */
final class Campaign {
    private final List<SeedImage> seeds;
    private final long seed;
    private final Path workDir;
    private final int threads;
    private final Duration timeout;
    private final Path failuresDir;
    private volatile Consumer<String> caseLog;

    /**
     * @param failuresDir where the files of a failing case are saved (gzip), to become a regression fixture; or null
     */
    Campaign(List<SeedImage> seeds, long seed, Path workDir, int threads, Duration timeout, Path failuresDir) {
        if (seeds.isEmpty()) {
            throw new IllegalArgumentException("no seed images");
        }
        this.seeds = List.copyOf(seeds);
        this.seed = seed;
        this.workDir = workDir;
        this.threads = threads;
        this.timeout = timeout;
        this.failuresDir = failuresDir;
    }

    /** Prints every case (seed image, mutations, outcome) to {@code log}: for replaying one case. */
    Campaign verbose(Consumer<String> log) {
        this.caseLog = log;
        return this;
    }

    /** The random of case {@code index}: a hash of (seed, index), so neighbouring cases are unrelated. */
    static SplittableRandom random(long seed, long index) {
        return new SplittableRandom(seed * 0x9E3779B97F4A7C15L ^ (index + 1) * 0xC2B2AE3D27D4EB4FL);
    }

    FuzzReport run(long first, long count, Consumer<String> progress) throws IOException {
        FuzzReport report = new FuzzReport();
        AtomicLong next = new AtomicLong(first);
        long end = first + count;
        long start = System.nanoTime();
        List<Thread> workers = new ArrayList<>();
        List<Throwable> crashed = new ArrayList<>();
        for (int w = 0; w < threads; w++) {
            Worker worker = new Worker(workDir.resolve("w" + w));
            Thread t = new Thread(() -> {
                try (worker) {
                    for (long i = next.getAndIncrement(); i < end; i = next.getAndIncrement()) {
                        worker.runCase(i, report);
                        long done = report.cases();
                        if (done % Math.max(1, count / 10) == 0) {
                            double s = (System.nanoTime() - start) / 1e9;
                            progress.accept(String.format("fuzz: %d/%d cases, %.0f cases/s, %d failed", done, count,
                                    done / s, report.failed()));
                        }
                    }
                } catch (IOException | RuntimeException e) {
                    synchronized (crashed) {
                        crashed.add(e);
                    }
                }
            }, "fuzz-worker-" + w);
            workers.add(t);
            t.start();
        }
        for (Thread t : workers) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
        }
        if (!crashed.isEmpty()) {
            throw new IOException("a fuzz worker crashed (a harness problem, not a finding)", crashed.get(0));
        }
        return report;
    }

    /** One thread's copies of the seed files and its case runner. */
    private final class Worker implements AutoCloseable {
        private final Path dir;
        private final Map<String, List<WorkingFile>> copies = new HashMap<>();
        private final CaseRunner runner;
        private int generation;

        Worker(Path dir) {
            this.dir = dir;
            this.runner = new CaseRunner(timeout);
        }

        void runCase(long index, FuzzReport report) throws IOException {
            SplittableRandom r = random(seed, index);
            SeedImage image = seeds.get(r.nextInt(seeds.size()));
            OpenOptions options = r.nextInt(4) == 0 ? OpenOptions.DEFAULTS.withAllowTruncated(true)
                    : OpenOptions.DEFAULTS;
            List<WorkingFile> files = files(image);
            try {
                List<String> mutations = new Mutator(image, files, r).mutate();
                if (options.allowTruncated()) {
                    mutations.add("opened with allowTruncated");
                }
                Outcome outcome = runner.run(files.get(0).path(), options, r.split());
                if (outcome.status() == Outcome.Status.FAILED && failuresDir != null) {
                    save(index, image, files, mutations, outcome);
                }
                report.add(seed, index, image.name(), mutations, outcome);
                if (caseLog != null) {
                    caseLog.accept("case " + index + " (" + image.name() + "):\n  " + String.join("\n  ", mutations)
                            + "\n  -> " + outcome.status() + " in " + outcome.nanos() / 1_000_000 + " ms: "
                            + outcome.exception() + " " + outcome.message());
                }
            } finally {
                if (runner.lastCaseHung()) {
                    discard(image); // the hung thread may still hold them
                } else {
                    for (WorkingFile f : files) {
                        f.restore();
                    }
                }
            }
        }

        private List<WorkingFile> files(SeedImage image) throws IOException {
            List<WorkingFile> list = copies.get(image.name());
            if (list == null) {
                Path d = Files.createDirectories(dir.resolve(generation + "").resolve(image.name()));
                list = new ArrayList<>();
                for (SeedImage.File f : image.files()) {
                    list.add(new WorkingFile(image.dir().resolve(f.fileName()), f.nonZeroChunks(),
                            d.resolve(f.fileName())));
                }
                copies.put(image.name(), list);
            }
            return list;
        }

        private void discard(SeedImage image) throws IOException {
            for (WorkingFile f : copies.remove(image.name())) {
                f.close();
            }
            generation++;
        }

        /** The mutated files as they were read, gzip'd, with what was done to them: a regression fixture. */
        private void save(long index, SeedImage image, List<WorkingFile> files, List<String> mutations,
                Outcome outcome) throws IOException {
            Path d = Files.createDirectories(failuresDir.resolve("seed-" + seed + "-case-" + index));
            for (WorkingFile f : files) {
                try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(
                        d.resolve(f.path().getFileName() + ".gz")))) {
                    Files.copy(f.path(), out);
                }
            }
            List<String> info = new ArrayList<>();
            info.add("top=" + files.get(0).path().getFileName());
            info.add("seedImage=" + image.name());
            info.add("allowTruncated=" + mutations.contains("opened with allowTruncated"));
            info.add("outcome=" + FuzzReport.escape(outcome.message()));
            mutations.forEach(m -> info.add("# " + FuzzReport.escape(m)));
            Files.write(d.resolve("case.properties"), info);
        }

        @Override
        public void close() throws IOException {
            runner.close();
            for (List<WorkingFile> list : copies.values()) {
                for (WorkingFile f : list) {
                    f.close();
                }
            }
        }
    }
}
