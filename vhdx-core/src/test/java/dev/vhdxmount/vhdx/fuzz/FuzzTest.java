package dev.vhdxmount.vhdx.fuzz;

import dev.vhdxmount.vhdx.error.VhdxFormatException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vhdxmount.vhdx.testkit.Slow;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CI-sized fuzz campaign of vhdx-core (issue 5): every mutated image must open and read to the end, or be
 * refused with VhdxFormatException, within 5 s. It runs in two worker JVMs with {@code -Xmx256m}, one case at a time
 * in each, so that the memory bound is enforced, not assumed.
 *
 * <p>Size, workers and seed: {@code -Dfuzz.cases} (default 4000), {@code -Dfuzz.jobs} (2), {@code -Dfuzz.seed}.
 * A failure prints the (seed, case) that reproduces it ({@code scripts/fuzz.sh --replay CASE --seed SEED}) and
 * saves the input under {@code target/fuzz-failures/}, ready to become a fixture of {@link FuzzRegressionTest}.
 * The long campaign is {@code scripts/fuzz.sh}.
 */
@Slow
class FuzzTest {
    private static final long SEED = Long.getLong("fuzz.seed", FuzzMain.DEFAULT_SEED);
    private static final int CASES = Integer.getInteger("fuzz.cases", 4000);
    private static final int JOBS = Integer.getInteger("fuzz.jobs", 2);
    private static final Duration BOUND = Duration.ofSeconds(5);
    private static final Path FAILURES = Path.of("target", "fuzz-failures");
    /**
     * C1 only: a worker of this campaign lives for a few thousand cases, too few to earn back what C2 spends
     * compiling (and recompiling, as cases take ever other paths through the reader).
     */
    private static final String SHORT_LIVED_JVM = "-XX:TieredStopAtLevel=1";

    @TempDir
    static Path dir;
    static Path seedsDir;
    static List<SeedImage> seeds;

    @BeforeAll
    static void buildSeeds() throws Exception {
        FuzzMain.quietLogging();
        seedsDir = Files.createDirectories(dir.resolve("seeds"));
        seeds = SeedImages.build(seedsDir);
        assertTrue(seeds.size() >= 11, "builder seeds at least: " + seeds.size());
    }

    @Test
    void campaign() throws Exception {
        long start = System.nanoTime();
        FuzzReport report = new Campaign(seedsDir, dir.resolve("campaign"), SEED, JOBS, "256m", BOUND,
                FAILURES.toAbsolutePath()).jvmOptions(SHORT_LIVED_JVM).run(0, CASES, System.out::println);
        System.out.print(report.summary("fuzz: cases 0.." + (CASES - 1) + " of seed " + SEED + " in " + JOBS
                + " -Xmx256m JVMs", System.nanoTime() - start, 20));
        assertEquals(CASES, report.cases());
        assertEquals(0, report.failed(), () -> String.join("\n", report.failures()));
    }

    /** A case is its (seed, index): the same mutations, the same bytes, on any run. */
    @Test
    void aCaseIsReplayedExactly() throws Exception {
        for (long index = 0; index < 40; index++) {
            List<String> first = new ArrayList<>();
            List<String> second = new ArrayList<>();
            mutateAndHash(index, dir.resolve("replay-a-" + index), first);
            mutateAndHash(index, dir.resolve("replay-b-" + index), second);
            assertEquals(first, second, "case " + index);
        }
    }

    private static void mutateAndHash(long index, Path work, List<String> out) throws Exception {
        SplittableRandom r = FuzzWorker.random(SEED, index);
        SeedImage image = seeds.get(r.nextInt(seeds.size()));
        List<WorkingFile> files = new ArrayList<>();
        for (SeedImage.File f : image.files()) {
            Files.createDirectories(work);
            files.add(new WorkingFile(image.dir().resolve(f.fileName()), f.nonZeroChunks(),
                    work.resolve(f.fileName())));
        }
        out.addAll(new Mutator(image, files, r).mutate());
        for (WorkingFile f : files) {
            out.add(f.path().getFileName() + " " + f.size() + " " + crc(f.path()));
            f.restore();
            assertEquals(crc(image.dir().resolve(f.path().getFileName())), crc(f.path()), "restored");
            f.close();
        }
    }

    /** CRC-32C of a file, streamed: mutated files may have been extended by a GiB. */
    private static long crc(Path file) throws Exception {
        CRC32C c = new CRC32C();
        try (FileChannel ch = FileChannel.open(file)) {
            ByteBuffer b = ByteBuffer.allocate(1 << 20);
            while (ch.read(b.clear()) > 0) {
                c.update(b.flip());
            }
            return c.getValue() ^ ch.size() << 32;
        }
    }

    /**
     * A case that hangs is cut at the bound and reported with the stack of its thread and what replays it; its
     * worker JVM, the only thing that can end that thread, is killed, and the cases after it run in another.
     */
    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // fail, not hang, the build
    void aHungCaseIsReportedWithItsStackAndEnded() throws Exception {
        Campaign campaign = new Campaign(seedsDir, dir.resolve("hang"), SEED, 1, "256m", Duration.ofMillis(500), null)
                .jvmOptions(SHORT_LIVED_JVM).workerArgs("--test-hang", "1");
        FuzzReport report = campaign.run(1, 2, System.out::println);

        assertEquals(2, report.cases());
        String failure = failureOf(report, 1);
        assertTrue(failure.contains("no result after") && failure.contains("hung thread \"fuzz-case-")
                && failure.contains("FuzzWorker.spinForever"), failure);
        assertReplayable(failure, 1);
        assertWorkersEnded(campaign);
    }

    /**
     * A worker that answers nothing, not even that its case hung, is given up on past the bound and a grace: its
     * threads are dumped (the main thread's stack shows where it stopped), it is killed, and another takes over.
     */
    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // fail, not hang, the build
    void aWorkerThatStopsAnsweringIsDumpedAndKilled() throws Exception {
        Campaign campaign = new Campaign(seedsDir, dir.resolve("stall"), SEED, 1, "256m", Duration.ofMillis(500), null)
                .grace(Duration.ofSeconds(2)).jvmOptions(SHORT_LIVED_JVM).workerArgs("--test-stall", "1");
        FuzzReport report = campaign.run(1, 2, System.out::println);

        assertEquals(2, report.cases());
        String failure = failureOf(report, 1);
        assertTrue(failure.contains("no answer from the worker JVM") && failure.contains("\"main\"")
                && failure.contains("FuzzWorker.stallForever"), failure);
        assertReplayable(failure, 1);
        assertWorkersEnded(campaign);
    }

    private static String failureOf(FuzzReport report, long index) {
        return report.failures().stream().filter(f -> f.startsWith("FAILURE seed " + SEED + " case " + index + " "))
                .findFirst().orElseThrow(() -> new AssertionError("case " + index + " did not fail: "
                        + report.failures()));
    }

    /** The failure names the case and the mutations that its worker drew, and the command that replays it. */
    private static void assertReplayable(String failure, long index) {
        assertTrue(failure.contains("reproduce: scripts/fuzz.sh --replay " + index + " --seed " + SEED), failure);
        String head = "\n  mutations:\n    ";
        String firstMutation = failure.substring(failure.indexOf(head) + head.length()).lines().findFirst().orElse("");
        assertFalse(firstMutation.isBlank() || firstMutation.startsWith("(the worker never said)"), failure);
    }

    /** The worker of the hung case was replaced (case 2 ran after it), and none is left running. */
    private static void assertWorkersEnded(Campaign campaign) {
        List<ProcessHandle> workers = campaign.workers();
        assertTrue(workers.size() >= 2, "a worker replaced the one that hung: " + workers);
        for (ProcessHandle w : workers) {
            assertFalse(w.isAlive(), "worker " + w.pid() + " ended");
        }
    }
}
