package dev.vhdxmount.vhdx.fuzz;

import static java.nio.charset.StandardCharsets.US_ASCII;

import dev.vhdxmount.vhdx.OpenOptions;
import java.io.BufferedReader;
import java.io.Closeable;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.zip.GZIPOutputStream;

/**
 * Runs fuzz cases in one JVM: keeps its own copies of the seed files, mutates them for a case, opens and reads the
 * image with a time bound ({@link CaseRunner}), saves the files of a failing case and restores the copies.
 *
 * <p>Case {@code i} of campaign seed {@code s} draws everything (seed image, options, mutations, reads) from
 * {@link #random}(s, i) alone, in the order {@link #run} draws it, so any case is replayed from its index: the
 * regression fixtures' replay commands depend on that order.
 *
 * <p>As a program, it is a worker JVM of a {@link Campaign}: it reads case indices on its standard input, one a line,
 * runs them one at a time and answers each on its standard output with a {@code drawn} line (the seed image and
 * mutations, before the image is opened: the parent then knows what it was even if this JVM never answers again)
 * and an {@code outcome} line, tab-separated fields escaped by {@link FuzzReport#escape}. Whatever else is printed to
 * {@code System.out} goes to standard error, which the parent keeps in a log. After a case over the time bound this
 * JVM halts (status {@link #EXIT_HUNG}): its case thread may still be running, and only the end of the JVM ends it.
 *
 * <pre>
 * --seeds DIR --work DIR --seed S --timeout-ms M [--save DIR]
 * --test-hang I   for FuzzTest: case I spins in its case thread instead of reading, as a hung reader would
 * --test-stall I  for FuzzTest: after drawing case I this JVM's main thread spins, so it never answers
 * </pre>
 */
final class FuzzWorker implements Closeable {
    /** The exit status of a worker that halted after a hung case. */
    static final int EXIT_HUNG = 3;
    /** The exit status of a worker whose harness failed: a problem of the fuzzer, not a finding. */
    static final int EXIT_HARNESS = 2;

    /** Case {@code index} as drawn, before it is opened. */
    record Drawn(long index, String image, List<String> mutations) {}

    /** Loaded when a case first draws them: a worker that is replaced after a hang restarts faster. */
    private final List<Path> seedDirs;
    private final SeedImage[] seeds;
    private final long seed;
    private final Path dir;
    private final Path failuresDir;
    private final CaseRunner runner;
    private final Map<String, List<WorkingFile>> copies = new HashMap<>();
    private long hangCase = -1;

    /**
     * @param dir         where the copies of the seed files are made
     * @param failuresDir where the files of a failing case are saved (gzip), to become a regression fixture; or null
     */
    FuzzWorker(Path seedsDir, long seed, Path dir, Duration timeout, Path failuresDir) throws IOException {
        this.seedDirs = SeedImages.dirs(seedsDir);
        if (seedDirs.isEmpty()) {
            throw new IllegalArgumentException("no seed images in " + seedsDir);
        }
        this.seeds = new SeedImage[seedDirs.size()];
        this.seed = seed;
        this.dir = dir;
        this.failuresDir = failuresDir;
        this.runner = new CaseRunner(timeout);
    }

    /** The random of case {@code index}: a hash of (seed, index), so neighbouring cases are unrelated. */
    static SplittableRandom random(long seed, long index) {
        return new SplittableRandom(seed * 0x9E3779B97F4A7C15L ^ (index + 1) * 0xC2B2AE3D27D4EB4FL);
    }

    /** Runs case {@code index}; {@code drawn} is told what it is before the image is opened. */
    Outcome run(long index, Consumer<Drawn> drawn) throws IOException {
        SplittableRandom r = random(seed, index);
        SeedImage image = seed(r.nextInt(seeds.length));
        OpenOptions options = r.nextInt(4) == 0 ? OpenOptions.DEFAULTS.withAllowTruncated(true)
                : OpenOptions.DEFAULTS;
        List<WorkingFile> files = files(image);
        Outcome outcome = null;
        try {
            List<String> mutations = new Mutator(image, files, r).mutate();
            if (options.allowTruncated()) {
                mutations.add("opened with allowTruncated");
            }
            drawn.accept(new Drawn(index, image.name(), mutations));
            outcome = index == hangCase ? runner.run(FuzzWorker::spinForever)
                    : runner.run(files.get(0).path(), options, r.split());
            if (outcome.status() == Outcome.Status.FAILED && failuresDir != null) {
                save(index, image, files, mutations, outcome);
            }
            return outcome;
        } finally {
            if (outcome == null || !outcome.timedOut()) { // a hung thread may still read them: the JVM ends anyway
                for (WorkingFile f : files) {
                    f.restore();
                }
            }
        }
    }

    /** A case for people: its seed image, mutations and outcome. */
    static String describe(long index, String image, List<String> mutations, Outcome o) {
        return "case " + index + " (" + image + "):\n  " + String.join("\n  ", mutations) + "\n  -> " + o.status()
                + " in " + o.nanos() / 1_000_000 + " ms: " + o.exception() + " " + o.message();
    }

    private SeedImage seed(int i) throws IOException {
        if (seeds[i] == null) {
            seeds[i] = SeedImage.load(seedDirs.get(i));
        }
        return seeds[i];
    }

    private List<WorkingFile> files(SeedImage image) throws IOException {
        List<WorkingFile> list = copies.get(image.name());
        if (list == null) {
            Path d = Files.createDirectories(dir.resolve(image.name()));
            list = new ArrayList<>();
            for (SeedImage.File f : image.files()) {
                list.add(new WorkingFile(image.dir().resolve(f.fileName()), f.nonZeroChunks(),
                        d.resolve(f.fileName())));
            }
            copies.put(image.name(), list);
        }
        return list;
    }

    /** The mutated files as they were read, gzip'd, with what was done to them: a regression fixture. */
    private void save(long index, SeedImage image, List<WorkingFile> files, List<String> mutations, Outcome outcome)
            throws IOException {
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

    // ------------------------------------------------------------------------------------------ worker JVM

    /** One protocol line: the fields escaped, tab-separated. */
    static String line(List<String> fields) {
        StringBuilder s = new StringBuilder();
        for (String f : fields) {
            if (!s.isEmpty()) {
                s.append('\t');
            }
            s.append(FuzzReport.escape(f));
        }
        return s.toString();
    }

    static List<String> fields(String line) {
        return Arrays.stream(line.split("\t", -1)).map(FuzzReport::unescape).toList();
    }

    public static void main(String[] argv) {
        PrintStream protocol = new PrintStream(new FileOutputStream(FileDescriptor.out), false, US_ASCII);
        System.setOut(System.err);
        // a parent that dies (a build killed on a timeout) leaves a hung or stalled worker spinning: end with it
        ProcessHandle.current().parent().ifPresent(p -> p.onExit().thenRun(() -> Runtime.getRuntime().halt(1)));
        try {
            Map<String, String> a = FuzzMain.parse(argv);
            FuzzMain.quietLogging();
            long stallCase = Long.parseLong(a.getOrDefault("test-stall", "-1"));
            Path save = a.containsKey("save") ? Path.of(a.get("save")) : null;
            try (FuzzWorker w = new FuzzWorker(Path.of(a.get("seeds")), Long.parseLong(a.get("seed")),
                    Files.createDirectories(Path.of(a.get("work"))),
                    Duration.ofMillis(Long.parseLong(a.get("timeout-ms"))), save)) {
                w.hangCase = Long.parseLong(a.getOrDefault("test-hang", "-1"));
                protocol.println("ready");
                protocol.flush();
                BufferedReader in = new BufferedReader(new InputStreamReader(System.in, US_ASCII));
                for (String l = in.readLine(); l != null; l = in.readLine()) {
                    long index = Long.parseLong(l);
                    Outcome o = w.run(index, d -> {
                        List<String> f = new ArrayList<>(List.of("drawn", Long.toString(index), d.image()));
                        f.addAll(d.mutations());
                        protocol.println(line(f));
                        protocol.flush();
                        if (index == stallCase) {
                            stallForever();
                        }
                    });
                    List<String> f = new ArrayList<>(List.of("outcome", Long.toString(index)));
                    f.addAll(o.fields());
                    protocol.println(line(f));
                    protocol.flush();
                    if (o.timedOut()) {
                        // halt, not exit: a shutdown must not wait on anything the hung thread holds
                        Runtime.getRuntime().halt(EXIT_HUNG);
                    }
                }
            }
        } catch (Throwable e) {
            e.printStackTrace();
            System.err.flush();
            Runtime.getRuntime().halt(EXIT_HARNESS);
        }
        System.exit(0);
    }

    private static volatile long sink;

    /** What {@code --test-hang} runs as the case: no sleep, so that an interrupt does not end it. */
    private static Outcome spinForever() {
        while (true) {
            sink++;
        }
    }

    /** What {@code --test-stall} runs on the main thread: the worker then answers nothing. */
    private static void stallForever() {
        while (true) {
            sink++;
        }
    }
}
