package dev.vhdxmount.vhdx.fuzz;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Command line of the fuzzer ({@code scripts/fuzz.sh} runs it).
 *
 * <pre>
 * --cases N       cases to run (default 100000)
 * --seed S        campaign seed (default {@link #DEFAULT_SEED})
 * --first F       index of the first case (default 0)
 * --jobs J        worker JVMs, one case at a time in each (default: one per core)
 * --heap H        heap of each worker JVM (default 256m)
 * --timeout-ms M  time bound of one case (default 5000)
 * --work DIR      scratch directory, kept (default: a new temporary one, deleted at the end)
 * --seeds DIR     seed images built earlier (default: build them into the work directory)
 * --save DIR      save the files of failing cases there, gzip'd (default: none)
 * --classes FILE  write every outcome class with its count there
 * --describe true print the structures the mutator found in each seed file
 * --verbose true  print every case's mutations and outcome
 * --replay I      run case I alone in this JVM and print its mutations and outcome (saves it when --save is given)
 * </pre>
 *
 * <p>Exits 0 when no case failed, 1 when one did, 2 on a usage or harness error.
 */
public final class FuzzMain {
    static final long DEFAULT_SEED = 0x5EED_F022L;

    private FuzzMain() {}

    public static void main(String[] argv) throws Exception {
        Map<String, String> a;
        try {
            a = parse(argv);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        quietLogging();
        long seed = Long.decode(a.getOrDefault("seed", Long.toString(DEFAULT_SEED)));
        long first = Long.parseLong(a.getOrDefault("first", "0"));
        long cases = Long.parseLong(a.getOrDefault("cases", "100000"));
        int jobs = Integer.parseInt(a.getOrDefault("jobs",
                Integer.toString(Runtime.getRuntime().availableProcessors())));
        String heap = a.getOrDefault("heap", "256m");
        Duration timeout = Duration.ofMillis(Long.parseLong(a.getOrDefault("timeout-ms", "5000")));
        Path work = a.containsKey("work") ? Files.createDirectories(Path.of(a.get("work")))
                : Files.createTempDirectory("vhdx-fuzz");
        Path save = a.containsKey("save") ? Files.createDirectories(Path.of(a.get("save"))) : null;
        long start = System.nanoTime();
        Path seedsDir;
        List<SeedImage> seeds;
        if (a.containsKey("seeds")) {
            seedsDir = Path.of(a.get("seeds"));
            seeds = SeedImages.load(seedsDir);
        } else {
            seedsDir = Files.createDirectories(work.resolve("seeds"));
            seeds = SeedImages.build(seedsDir);
            System.out.printf("fuzz: %d seed images built in %s (%.1f s)%n", seeds.size(), seedsDir,
                    (System.nanoTime() - start) / 1e9);
        }

        if (a.containsKey("describe")) {
            for (SeedImage image : seeds) {
                for (SeedImage.File f : image.files()) {
                    System.out.println(image.name() + "/" + f.fileName() + ": " + f.map());
                }
            }
        }

        if (a.containsKey("replay")) {
            // in this JVM, which exits right after: that ends the case's thread if it hangs
            long index = Long.parseLong(a.get("replay"));
            Outcome o;
            List<String> mutations = new ArrayList<>();
            String[] image = new String[1];
            try (FuzzWorker worker = new FuzzWorker(seedsDir, seed, work.resolve("replay"), timeout, save)) {
                o = worker.run(index, d -> {
                    image[0] = d.image();
                    mutations.addAll(d.mutations());
                });
            }
            System.out.println(FuzzWorker.describe(index, image[0], mutations, o));
            if (o.status() == Outcome.Status.FAILED) {
                System.out.print(o.detail());
            }
            if (!a.containsKey("work")) {
                deleteTree(work);
            }
            System.exit(o.status() == Outcome.Status.FAILED ? 1 : 0);
        }

        long runStart = System.nanoTime();
        Campaign campaign = new Campaign(seedsDir, work.resolve("cases"), seed, jobs, heap, timeout, save);
        if (a.containsKey("verbose")) {
            campaign.verbose(System.out::println);
        }
        FuzzReport report = campaign.run(first, cases, System.out::println);
        long wall = System.nanoTime() - runStart;
        String how = jobs + " worker JVMs with -Xmx" + heap + ", one case at a time each";
        String title = String.format("fuzz campaign: seed %d (0x%x), cases %d..%d, %d seed images, %s, %d ms per "
                + "case bound", seed, seed, first, first + cases - 1, seeds.size(), how, timeout.toMillis());
        System.out.print(report.summary(title, wall, 30));
        if (a.containsKey("classes")) {
            Files.writeString(Path.of(a.get("classes")), report.allClasses());
            System.out.println("all outcome classes: " + a.get("classes"));
        }
        if (!a.containsKey("work")) {
            deleteTree(work);
        }
        System.exit(report.failed() == 0 ? 0 : 1);
    }

    /**
     * The reader logs a warning for every tolerated break (a bad region table copy...): thousands of mutated images
     * would bury the report.
     */
    static void quietLogging() {
        ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME))
                .setLevel(ch.qos.logback.classic.Level.ERROR);
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    static Map<String, String> parse(String[] argv) {
        Map<String, String> a = new HashMap<>();
        for (int i = 0; i < argv.length; i++) {
            if (!argv[i].startsWith("--") || i + 1 >= argv.length) {
                throw new IllegalArgumentException("usage: FuzzMain [--OPTION VALUE]... (see the class comment); "
                        + "bad argument: " + argv[i]);
            }
            a.put(argv[i].substring(2), argv[++i]);
        }
        return a;
    }
}
