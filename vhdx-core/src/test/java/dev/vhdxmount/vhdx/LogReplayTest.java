package dev.vhdxmount.vhdx;

import static dev.vhdxmount.vhdx.testkit.Sizes.KIB;
import static dev.vhdxmount.vhdx.testkit.Sizes.MIB;

import dev.vhdxmount.vhdx.error.VhdxFormatException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vhdxmount.vhdx.testkit.BuiltImage;
import dev.vhdxmount.vhdx.testkit.Hashes;
import dev.vhdxmount.vhdx.testkit.LocatedReader;
import dev.vhdxmount.vhdx.testkit.ExpectedDisk;
import dev.vhdxmount.vhdx.testkit.LogBuilder;
import dev.vhdxmount.vhdx.testkit.VhdxBuilder;
import dev.vhdxmount.vhdx.log.LogReplay;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Dirty images: the log is replayed in memory before the metadata and BAT are read, and the file is not changed.
 * The builder leaves on disk the state before the log (a BAT that says NOT_PRESENT, stale sectors), so a reader that
 * skips replay, or replays the wrong entries, reads something other than {@code expected()}.
 */
class LogReplayTest {

    @TempDir
    Path tmp;

    private void assertReadsAsExpected(VhdxBuilder b, String name) throws Exception {
        BuiltImage img = b.build(tmp.resolve(name + ".vhdx"));
        String before = Hashes.sha256(img.path());
        long mtime = Files.getLastModifiedTime(img.path()).toMillis();
        ExpectedDisk want = b.expected();
        try (VirtualDisk disk = VhdxImage.open(img.path())) {
            assertTrue(VhdxImage.info(disk).orElseThrow().log().isPresent(), "the log was replayed");
            assertEquals(-1, want.firstMismatch(disk::read), "first byte that differs from the replayed disk");
            assertEquals(-1, want.firstMismatch(new LocatedReader(disk)), "located: first byte that differs");
        }
        assertEquals(before, Hashes.sha256(img.path()), "the image file is not changed");
        assertEquals(mtime, Files.getLastModifiedTime(img.path()).toMillis());
    }

    @Test
    void dataAndZeroDescriptorsOverTheBatAndPayload() throws Exception {
        VhdxBuilder b = VhdxBuilder.dynamic(32L * MIB).blockSize(MIB);
        b.write(2L * MIB, VhdxBuilder.pattern(3 * 4096, 2));
        b.write(5L * MIB + 4096, VhdxBuilder.pattern(4096, 5));
        LogBuilder log = b.log();
        log.entry().bat(2).payload(2L * MIB, 4096).zero(b.layout().fileOffset(2L * MIB) + 8192, 4096);
        log.entry().bat(5).payload(5L * MIB + 4096, 4096);
        assertReadsAsExpected(b, "descriptors");
        LogReplay.Summary summary = summary(tmp.resolve("descriptors.vhdx"));
        assertEquals(2, summary.entries());
        assertEquals(1, summary.zeroDescriptors());
    }

    @Test
    void tornNewerEntryAndForeignGuidAreIgnored() throws Exception {
        VhdxBuilder b = VhdxBuilder.dynamic(16L * MIB).blockSize(MIB);
        b.write(3L * MIB, VhdxBuilder.pattern(4096, 3));
        b.write(7L * MIB, VhdxBuilder.pattern(4096, 7));
        b.log().entry().bat(3).payload(3L * MIB, 4096)
                .and().entry().bat(7)
                .and().tornEntry().bat(3).payload(3L * MIB, 4096)
                .and().foreignEntry(UUID.randomUUID()).bat(7);
        assertReadsAsExpected(b, "torn");
    }

    @Test
    void staleOlderSequenceIsIgnored() throws Exception {
        VhdxBuilder b = VhdxBuilder.dynamic(16L * MIB).blockSize(MIB);
        b.write(4L * MIB, VhdxBuilder.pattern(4096, 4));
        b.log().staleEntry().bat(4).and().entry().bat(4).payload(4L * MIB, 4096);
        assertReadsAsExpected(b, "stale");
    }

    @Test
    void sequenceThatWrapsRoundTheEndOfTheLog() throws Exception {
        VhdxBuilder b = VhdxBuilder.dynamic(16L * MIB).blockSize(MIB);
        LogBuilder log = b.log().startAt(MIB - 12 * KIB);
        for (int i = 1; i <= 4; i++) {
            b.write(i * (long) MIB, VhdxBuilder.pattern(4096, i));
            log.entry().bat(i).payload(i * (long) MIB, 4096);
        }
        assertReadsAsExpected(b, "wrap");
        LogReplay.Summary summary = summary(tmp.resolve("wrap.vhdx"));
        assertEquals(4, summary.entries(), "every entry of the wrapped sequence, not only those after log offset 0");
        assertEquals(MIB - 12 * KIB, summary.tailLogOffset());
    }

    @Test
    void logThatGrowsTheFile() throws Exception {
        VhdxBuilder b = VhdxBuilder.dynamic(64L * MIB).blockSize(MIB);
        b.write(40L * MIB, VhdxBuilder.pattern(MIB, 40));
        b.log().length(2L * MIB).entry().appendBlock(40);
        assertReadsAsExpected(b, "grow");
    }

    @Test
    void dirtyImageWith4096ByteSectors() throws Exception {
        VhdxBuilder b = VhdxBuilder.dynamic(64L * MIB).blockSize(MIB).logicalSectorSize(4096);
        b.write(9L * MIB, VhdxBuilder.pattern(8192, 9));
        b.log().entry().bat(9).payload(9L * MIB, 8192);
        assertReadsAsExpected(b, "4k");
    }

    @Test
    void replayChangesWhatIsRead() throws Exception {
        VhdxBuilder b = VhdxBuilder.dynamic(16L * MIB).blockSize(MIB);
        b.write(3L * MIB, VhdxBuilder.pattern(4096, 3));
        b.log().entry().bat(3).payload(3L * MIB, 4096);
        BuiltImage img = b.build(tmp.resolve("changes.vhdx"));
        // what the file says without its log: the block is not present
        ExpectedDisk zeros = ExpectedDisk.zeros(16L * MIB, 512);
        try (VirtualDisk disk = VhdxImage.open(img.path())) {
            assertNotEquals(zeros.sha256(), ExpectedDisk.sha256(disk::read, disk.size()));
        }
    }

    @Test
    void activeLogWithNoValidEntryIsRefused() throws Exception {
        VhdxBuilder b = VhdxBuilder.dynamic(16L * MIB).blockSize(MIB);
        b.write(3L * MIB, VhdxBuilder.pattern(4096, 3));
        b.log().tornEntry().bat(3);
        BuiltImage img = b.build(tmp.resolve("none.vhdx"));
        VhdxFormatException e = assertThrows(VhdxFormatException.class, () -> VhdxImage.open(img.path()).close());
        assertTrue(e.getMessage().contains("no valid sequence") && e.getMessage().contains("CRC-32C mismatch"),
                e.getMessage());
    }

    @Test
    void fileShorterThanFlushedFileOffsetIsRefused() throws Exception {
        VhdxBuilder b = VhdxBuilder.dynamic(16L * MIB).blockSize(MIB);
        b.write(3L * MIB, VhdxBuilder.pattern(4096, 3));
        b.log().entry().bat(3).flushedFileOffset(1L << 40);
        BuiltImage img = b.build(tmp.resolve("flushed.vhdx"));
        VhdxFormatException e = assertThrows(VhdxFormatException.Truncated.class,
                () -> VhdxImage.open(img.path()).close());
        assertTrue(e.getMessage().contains("FlushedFileOffset 0x10000000000"), e.getMessage());
    }

    private static LogReplay.Summary summary(Path image) throws Exception {
        try (VirtualDisk disk = VhdxImage.open(image)) {
            return VhdxImage.info(disk).orElseThrow().log().orElseThrow();
        }
    }
}
