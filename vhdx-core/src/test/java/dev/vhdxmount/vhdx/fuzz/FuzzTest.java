package dev.vhdxmount.vhdx.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import org.junit.jupiter.api.io.TempDir;

/**
 * The CI-sized fuzz campaign of vhdx-core (issue 5): every mutated image must open and read to the end, or be
 * refused with VhdxFormatException, within 5 s. Part of the campaign runs in this JVM on two threads, part in a
 * JVM of its own with {@code -Xmx256m}, one case at a time, so that the memory bound is enforced, not assumed.
 *
 * <p>Sizes and seed: {@code -Dfuzz.cases} (default 3000), {@code -Dfuzz.forkedCases} (1000), {@code -Dfuzz.seed}.
 * A failure prints the (seed, case) that reproduces it ({@code scripts/fuzz.sh --replay CASE --seed SEED}) and
 * saves the input under {@code target/fuzz-failures/}, ready to become a fixture of {@link FuzzRegressionTest}.
 * The long campaign is {@code scripts/fuzz.sh}.
 */
class FuzzTest {
    private static final long SEED = Long.getLong("fuzz.seed", FuzzMain.DEFAULT_SEED);
    private static final int CASES = Integer.getInteger("fuzz.cases", 3000);
    private static final int FORKED_CASES = Integer.getInteger("fuzz.forkedCases", 1000);
    private static final Duration BOUND = Duration.ofSeconds(5);
    private static final Path FAILURES = Path.of("target", "fuzz-failures");

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
    void campaignInThisJvm() throws Exception {
        long start = System.nanoTime();
        FuzzReport report = new Campaign(seeds, SEED, dir.resolve("cases"), 2, BOUND, FAILURES)
                .run(0, CASES, System.out::println);
        System.out.print(report.summary("fuzz: cases 0.." + (CASES - 1) + " of seed " + SEED + " in this JVM",
                System.nanoTime() - start, 20));
        assertEquals(CASES, report.cases());
        assertEquals(0, report.failed(), () -> String.join("\n", report.failures()));
    }

    @Test
    void campaignUnderA256MiBHeap() throws Exception {
        long start = System.nanoTime();
        FuzzReport report = ForkedCampaign.run(seedsDir, Files.createDirectories(dir.resolve("forked")), SEED,
                CASES, FORKED_CASES, 1, "256m", BOUND, FAILURES.toAbsolutePath(), System.out::println);
        System.out.print(report.summary("fuzz: cases " + CASES + ".." + (CASES + FORKED_CASES - 1) + " of seed "
                + SEED + " in a -Xmx256m JVM", System.nanoTime() - start, 20));
        assertEquals(FORKED_CASES, report.cases());
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
        SplittableRandom r = Campaign.random(SEED, index);
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

    /** A case that hangs is cut at the bound, reported with the stack of its thread, and that thread ended. */
    @Test
    void aHungCaseIsReportedWithItsStackAndEnded() {
        Thread[] caseThread = new Thread[1];
        Outcome o;
        try (CaseRunner runner = new CaseRunner(Duration.ofMillis(300))) {
            o = runner.run(() -> {
                caseThread[0] = Thread.currentThread();
                while (true) {
                    spin();
                }
            });
            assertFalse(runner.lastCaseHung(), "the hung thread was ended");
        }
        assertEquals(Outcome.Status.FAILED, o.status());
        assertTrue(o.detail().contains("aHungCaseIsReportedWithItsStackAndEnded"), o.detail());
        assertFalse(caseThread[0].isAlive());
    }

    private static volatile long sink;

    private static void spin() {
        sink++; // no sleep: an interrupt alone must not be what ends it
    }
}
