package dev.vhdxmount.vhdx;

import static dev.vhdxmount.vhdx.testkit.Sizes.GIB;
import static dev.vhdxmount.vhdx.testkit.Sizes.MIB;
import static dev.vhdxmount.vhdx.testkit.Sizes.TIB;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vhdxmount.vhdx.error.VhdxFormatException;
import dev.vhdxmount.vhdx.read.ReadTarget;
import dev.vhdxmount.vhdx.testkit.BuiltImage;
import dev.vhdxmount.vhdx.testkit.VhdxBuilder;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A translated piece that reads zeros or the parent runs on through the blocks after it that read the same way (the
 * BAT scanned page by page), and stops at the first that does not; an entry it stops at is checked by the next
 * translation as before.
 */
class TranslateRunsTest {

    @TempDir
    Path tmp;

    @Test
    void zerosSpanAlikeBlocksAndStopAtTheFirstOther() throws Exception {
        // 512-byte sectors, 1 MiB blocks: 4096 blocks per chunk, whose sector-bitmap entry sits between blocks 4095
        // and 4096; allocated here, its state (6) must not be read as a payload entry's
        VhdxBuilder b = VhdxBuilder.dynamic(8 * GIB).blockSize(MIB).allocateSectorBitmaps(true);
        b.blockState(4094, VhdxBuilder.PAYLOAD_BLOCK_ZERO);
        b.blockState(4097, VhdxBuilder.PAYLOAD_BLOCK_UNMAPPED);
        b.write(5000L * MIB, VhdxBuilder.pattern(512, 1));
        BuiltImage img = b.build(tmp.resolve("spans.vhdx"));
        try (VirtualDisk disk = VhdxImage.open(img.path())) {
            assertEquals(new ReadTarget.Zeros(Integer.MAX_VALUE),
                    DiskInternals.translate(disk, 0, Integer.MAX_VALUE), "2 GiB of NOT_PRESENT, ZERO, UNMAPPED");
            assertEquals(new ReadTarget.Zeros((int) (5000L * MIB - 4090L * MIB)),
                    DiskInternals.translate(disk, 4090L * MIB, Integer.MAX_VALUE), "up to the block in the file");
            assertEquals(new ReadTarget.Zeros(100), DiskInternals.translate(disk, 0, 100), "never past maxLength");
            assertEquals(new ReadTarget.Zeros(MIB), DiskInternals.translate(disk, 8 * GIB - MIB, Integer.MAX_VALUE),
                    "never past the last block");
        }
    }

    @Test
    void theParentSpansNotPresentBlocksOnlyInADifferencingDisk() throws Exception {
        VhdxBuilder base = VhdxBuilder.dynamic(64L * MIB).blockSize(MIB);
        base.build(tmp.resolve("base.vhdx"));
        VhdxBuilder child = VhdxBuilder.differencing(64L * MIB).blockSize(MIB).parent(base, "base.vhdx");
        child.blockState(10, VhdxBuilder.PAYLOAD_BLOCK_ZERO);
        child.blockState(11, VhdxBuilder.PAYLOAD_BLOCK_UNDEFINED);
        child.write(20L * MIB + 4096, VhdxBuilder.pattern(512, 1));
        BuiltImage img = child.build(tmp.resolve("child.avhdx"));
        try (VirtualDisk disk = VhdxImage.open(img.path())) {
            assertEquals(new ReadTarget.InParent(MIB / 2, 10 * MIB - MIB / 2),
                    DiskInternals.translate(disk, MIB / 2, Integer.MAX_VALUE), "up to the ZERO block");
            assertEquals(new ReadTarget.Zeros(2 * MIB), DiskInternals.translate(disk, 10L * MIB, Integer.MAX_VALUE),
                    "ZERO and UNDEFINED alike, NOT_PRESENT not");
            assertEquals(new ReadTarget.InParent(12L * MIB, 8 * MIB),
                    DiskInternals.translate(disk, 12L * MIB, Integer.MAX_VALUE), "up to the PARTIALLY_PRESENT block");
            assertEquals(new ReadTarget.InParent(20L * MIB, 4096),
                    DiskInternals.translate(disk, 20L * MIB, Integer.MAX_VALUE), "whose bitmap runs are pieces");
        }
    }

    @Test
    void anEntryThatEndsARunIsCheckedByTheNextTranslation() throws Exception {
        // a BAT over the size the open scans whole: its entries are checked as they are read
        VhdxBuilder b = VhdxBuilder.dynamic(16 * TIB).blockSize(MIB);
        b.batEntryOverride(9, 4 | (1L << 3)); // block 9: the reserved state 4, and a reserved bit
        BuiltImage img = b.build(tmp.resolve("corrupt.vhdx"));
        try (VirtualDisk disk = VhdxImage.open(img.path())) {
            assertEquals(new ReadTarget.Zeros(9 * MIB), DiskInternals.translate(disk, 0, 16 * MIB));
            VhdxFormatException e = assertThrows(VhdxFormatException.class,
                    () -> disk.read(0, ByteBuffer.allocate(16 * MIB)));
            assertTrue(e.getMessage().startsWith("BAT entry 9 (payload block 9)"), e.getMessage());
        }
    }
}
