package dev.vhdxmount.mount;

import static dev.vhdxmount.vhdx.testkit.Sizes.MIB;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.vhdxmount.mount.cli.ExitCode;
import dev.vhdxmount.vhdx.DiskInternals;
import dev.vhdxmount.vhdx.OpenOptions;
import dev.vhdxmount.vhdx.VhdxImage;
import dev.vhdxmount.vhdx.VirtualDisk;
import dev.vhdxmount.vhdx.read.ReadTarget;
import dev.vhdxmount.vhdx.testkit.BuiltImage;
import dev.vhdxmount.vhdx.testkit.Corpus;
import dev.vhdxmount.vhdx.testkit.ExpectedDisk;
import dev.vhdxmount.vhdx.testkit.VhdxBuilder;

/**
 * Truncated images (partial copies and downloads): refused by default with where the file ends and which structure
 * or block needs more; mounted with {@code --allow-truncated}, reads of what lies past the end answer EIO, logged
 * once per block however often they are read, while everything else reads right.
 */
@Timeout(300)
class TruncatedImageIT extends MountTest {
    static final String CORPUS_TRUNCATED = "metal-tools/MSEdge-Win10_preview_truncated.vhdx.gz";

    /** The corpus image {@code file} (a MANIFEST.tsv path) decompressed to the sparse file {@code target}. */
    static Path corpusImage(String file, Path target) throws IOException {
        return Corpus.decompress(file, target);
    }

    @Test
    void theCorpusPartialCopyIsRefusedSayingWhereTheFileEndsAndSalvagedOnRequest() throws Exception {
        // Windows 8.1's 40 GiB dynamic image cut to 3 MiB: the BAT is whole, its region and 353 blocks are not
        Path image = corpusImage(CORPUS_TRUNCATED, dir.resolve("msedge.vhdx"));
        MountIt.Result refused = MountIt.cli(image.toString(), mnt.toString()).expect(ExitCode.CORRUPT_IMAGE);
        List<String> lines = refused.stderr().lines().toList();
        assertEquals(1, lines.size(), refused.stderr());
        assertTrue(lines.get(0).contains("BAT region [0x300000, 0x400000) ends past the end of the file at 0x302c00")
                && lines.get(0).contains("--allow-truncated"), lines.get(0));
        assertFalse(MountIt.isMounted(mnt));

        // which blocks lie past the end, and which read as zeros, from the reader's own translation
        long pastTheEnd = -1;
        long zeros = -1;
        try (VirtualDisk disk = VhdxImage.open(image, OpenOptions.DEFAULTS.withAllowTruncated(true))) {
            long blockSize = VhdxImage.info(disk).orElseThrow().metadata().fileParameters().blockSize();
            for (long offset = 0; offset < disk.size() && (pastTheEnd < 0 || zeros < 0); offset += blockSize) {
                ReadTarget t = DiskInternals.translate(disk, offset, 4096);
                if (t instanceof ReadTarget.InFile f && f.fileOffset() >= Files.size(image) && pastTheEnd < 0) {
                    pastTheEnd = offset / blockSize;
                } else if (t instanceof ReadTarget.Zeros && zeros < 0) {
                    zeros = offset / blockSize;
                }
            }
            assertTrue(pastTheEnd >= 0 && zeros >= 0, "blocks " + pastTheEnd + ", " + zeros);
            salvage(image, blockSize, List.of(pastTheEnd), List.of(zeros), null);
        }
    }

    @Test
    void aBuilderImageCutInsideABlock() throws Exception {
        VhdxBuilder b = VhdxBuilder.dynamic(64L * MIB).blockSize(MIB);
        for (int block : new int[] {0, 1, 5, 9, 20, 40, 41}) {
            b.write((long) block * MIB, VhdxBuilder.pattern(MIB, block + 1));
        }
        BuiltImage built = b.build(dir.resolve("cut.vhdx"));
        ExpectedDisk want = b.expected();
        // blocks lie in the file in BAT order: cut inside the fourth (block 9), so 9, 20, 40 and 41 are lost
        long cut = built.layout().blockOffset(9) + 300_000;
        assertTrue(built.layout().batOffset() + built.layout().batLength() < cut);
        try (RandomAccessFile f = new RandomAccessFile(built.path().toFile(), "rw")) {
            f.setLength(cut);
        }
        MountIt.Result refused = MountIt.cli(built.path().toString(), mnt.toString()).expect(ExitCode.CORRUPT_IMAGE);
        assertTrue(refused.stderr().contains("(payload block 9)") && refused.stderr().contains(
                "lies past the end of the file at 0x" + Long.toHexString(cut)), refused.stderr());
        salvage(built.path(), MIB, List.of(9L, 20L, 40L, 41L), List.of(0L, 1L, 5L, 2L, 63L), want);
    }

    /**
     * Mounts {@code image} with --allow-truncated: every read touching a lost block fails with EIO, each lost block
     * is logged once however often and wherever it is read, the other blocks read right (as {@code want} says, or
     * zeros), and the mount keeps serving.
     */
    private void salvage(Path image, long blockSize, List<Long> lost, List<Long> readable, ExpectedDisk want)
            throws Exception {
        Path log = dir.resolve("salvage.log");
        MountIt.Result mounted = MountIt.cli("--allow-truncated", "--log-file", log.toString(), image.toString(),
                mnt.toString()).expect(ExitCode.OK);
        // the user is told at once how much is lost, not only by the reads that fail later
        if (want != null) {
            long runs = java.util.stream.IntStream.range(0, lost.size())
                    .filter(i -> i == 0 || lost.get(i) != lost.get(i - 1) + 1).count();
            String missing = lost.size() * blockSize / MIB + ".0 MiB of the disk's data (" + runs + " run"
                    + (runs == 1 ? "" : "s") + ","
                    + " the first at virtual offset 0x" + Long.toHexString(lost.get(0) * blockSize) + ") lie";
            assertTrue(mounted.stderr().contains(missing) && mounted.stderr().contains("past the end of the file"),
                    "'" + missing + "' in: " + mounted.stderr());
        } else {
            assertTrue(mounted.stderr().contains("of the disk's data (") && mounted.stderr().contains(
                    "past the end of the file"), mounted.stderr());
        }
        Path diskRaw = mnt.resolve("disk.raw");
        int failures = 0;
        for (long block : lost) {
            for (int i = 0; i < 12; i++) {
                // different places and sizes inside the block, and the same place again
                long offset = block * blockSize + blockSize / 2 + (i % 6) * (blockSize / 16) / 4096 * 4096;
                assertTrue(MountIt.readFailsWithEio(diskRaw, offset, 4096 << (i % 4)), "block " + block + " at "
                        + offset + " must fail with EIO, never read as zeros");
                failures++;
            }
        }
        for (long block : readable) {
            byte[] got = MountIt.readAt(diskRaw, block * blockSize, (int) Math.min(blockSize, 4 * MIB));
            byte[] expected = want != null ? want.read(block * blockSize, got.length) : new byte[got.length];
            assertArrayEquals(expected, got, "block " + block);
        }
        assertEquals(1, MountIt.servers(mnt).size(), "still serving");
        MountIt.shOk("fusermount -u '" + mnt + "'");
        MountIt.awaitGone(mnt);

        List<String> errors = Files.readAllLines(log).stream().filter(l -> l.contains(" ERROR ")).toList();
        List<String> perBlock = new ArrayList<>();
        for (long block : lost) {
            List<String> mine = errors.stream().filter(l -> l.contains("payload block " + block + " ")).toList();
            assertEquals(1, mine.size(), "one line for block " + block + " after " + failures + " failed reads: "
                    + errors);
            assertTrue(mine.get(0).contains("not logged again") && mine.get(0).contains("past the end of the file"),
                    mine.get(0));
            perBlock.addAll(mine);
        }
        assertEquals(perBlock.size(), errors.size(), "no other errors: " + errors);
    }

    /**
     * A dirty image cut short: cut below the log's FlushedFileOffset it is refused even with --allow-truncated (the
     * log cannot be replayed over data that is gone); cut above it, the log is replayed in memory and only the lost
     * block fails.
     */
    @Test
    void aDirtyImageCutShort() throws Exception {
        for (boolean belowFlushed : new boolean[] {true, false}) {
            VhdxBuilder b = VhdxBuilder.dynamic(32L * MIB).blockSize(MIB);
            b.write(0, VhdxBuilder.pattern(MIB, 1));
            b.write(7L * MIB, VhdxBuilder.pattern(MIB, 2));
            b.write(3L * MIB, VhdxBuilder.pattern(4096, 3)); // what the log carries: on disk the block is not present
            long block7 = b.layout().blockOffset(7);
            var entry = b.log().entry().bat(3).payload(3L * MIB, 4096);
            if (!belowFlushed) {
                // the log says the file was flushed and extended to block 7's start: the cut is past both (a file
                // between FlushedFileOffset and LastFileOffset is legitimately short, and reads as zeros there)
                entry.flushedFileOffset(block7).lastFileOffset(block7);
            }
            BuiltImage built = b.build(dir.resolve("dirty-" + belowFlushed + ".vhdx"));
            long cut = block7 + 4096;
            try (RandomAccessFile f = new RandomAccessFile(built.path().toFile(), "rw")) {
                f.setLength(cut);
            }
            MountIt.Result refused = MountIt.cli(built.path().toString(), mnt.toString())
                    .expect(ExitCode.CORRUPT_IMAGE);
            assertTrue(refused.stderr().contains("truncated") && refused.stderr().contains("0x"
                    + Long.toHexString(cut)), refused.stderr());
            if (belowFlushed) {
                MountIt.Result salvage = MountIt.cli("--allow-truncated", built.path().toString(), mnt.toString())
                        .expect(ExitCode.CORRUPT_IMAGE);
                assertTrue(salvage.stderr().contains("FlushedFileOffset 0x" + Long.toHexString(block7 + MIB)
                        + " lies past the end of the file at 0x" + Long.toHexString(cut)), salvage.stderr());
                continue;
            }
            MountIt.cli("--allow-truncated", built.path().toString(), mnt.toString()).expect(ExitCode.OK);
            Path diskRaw = mnt.resolve("disk.raw");
            assertArrayEquals(b.expected().read(3L * MIB, 4096), MountIt.readAt(diskRaw, 3L * MIB, 4096),
                    "the block the log replays");
            assertArrayEquals(b.expected().read(0, MIB), MountIt.readAt(diskRaw, 0, MIB));
            assertTrue(MountIt.readFailsWithEio(diskRaw, 7L * MIB + 512 * 1024, 4096));
            MountIt.shOk("fusermount -u '" + mnt + "'");
            MountIt.awaitGone(mnt);
        }
    }
}
