package dev.vhdxmount.vhdx.fuzz;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
 * --jobs J        run in J child JVMs with --heap each, one case at a time in each (default 0: in this JVM)
 * --heap H        heap of each child JVM (default 256m)
 * --threads T     worker threads in this JVM when --jobs is 0 (default 1)
 * --timeout-ms M  time bound of one case (default 5000)
 * --work DIR      scratch directory, kept (default: a new temporary one, deleted at the end)
 * --seeds DIR     seed images built earlier (default: build them into the work directory)
 * --save DIR      save the files of failing cases there, gzip'd (default: none)
 * --report FILE   write the report in file form and exit 0 (what a child JVM hands back)
 * --classes FILE  write every outcome class with its count there
 * --describe true print the structures the mutator found in each seed file
 * --verbose true  print every case's mutations and outcome (in this JVM only)
 * --replay I      run case I alone and print its mutations and outcome (saves it when --save is given)
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
        int jobs = Integer.parseInt(a.getOrDefault("jobs", "0"));
        int threads = Integer.parseInt(a.getOrDefault("threads", "1"));
        String heap = a.getOrDefault("heap", "256m");
        Duration timeout = Duration.ofMillis(Long.parseLong(a.getOrDefault("timeout-ms", "5000")));
        Path work = a.containsKey("work") ? Files.createDirectories(Path.of(a.get("work")))
                : Files.createTempDirectory("vhdx-fuzz");
        Path save = a.containsKey("save") ? Files.createDirectories(Path.of(a.get("save"))) : null;
        if (a.containsKey("replay")) {
            first = Long.parseLong(a.get("replay"));
            cases = 1;
            jobs = 0;
            threads = 1;
        }

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

        long runStart = System.nanoTime();
        FuzzReport report;
        String how;
        if (jobs > 0) {
            how = jobs + " JVMs with -Xmx" + heap + ", one case at a time each";
            report = ForkedCampaign.run(seedsDir, work, seed, first, cases, jobs, heap, timeout, save,
                    System.out::println);
        } else {
            how = threads + " thread(s) in one JVM with max heap " + Runtime.getRuntime().maxMemory() / (1 << 20)
                    + " MiB";
            Campaign campaign = new Campaign(seeds, seed, work.resolve("cases"), threads, timeout, save);
            if (a.containsKey("replay") || a.containsKey("verbose")) {
                campaign.verbose(System.out::println);
            }
            report = campaign.run(first, cases, System.out::println);
        }
        long wall = System.nanoTime() - runStart;
        if (a.containsKey("report")) { // a child JVM: the parent prints the merged figures and decides
            report.write(Path.of(a.get("report")));
            System.out.printf("fuzz: cases %d..%d done, %d failed%n", first, first + cases - 1, report.failed());
            System.exit(0);
        }
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

    private static Map<String, String> parse(String[] argv) {
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
