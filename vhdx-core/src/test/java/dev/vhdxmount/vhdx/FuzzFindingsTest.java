package dev.vhdxmount.vhdx;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vhdxmount.vhdx.testkit.ImagePatcher;
import dev.vhdxmount.vhdx.testkit.VhdxBuilder;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the fuzzer found (see {@code fuzz.FuzzRegressionTest} for the inputs as found), each rebuilt here as the
 * smallest image that shows it: the reader must refuse with VhdxFormatException, never throw anything else.
 */
class FuzzFindingsTest {
    private static final int MIB = 1 << 20;

    @TempDir
    Path tmp;

    /** FileOffsetMB is 44 bits: from 2^43 on the byte offset is negative as a long, and passed every check. */
    @Test
    void payloadBlockOffsetPastTheLargestFilePosition() throws Exception {
        VhdxBuilder b = VhdxBuilder.dynamic(8L * MIB).blockSize(MIB);
        b.write(2L * MIB, VhdxBuilder.pattern(4096, 1));
        b.batEntryOverride(2, VhdxBuilder.PAYLOAD_BLOCK_FULLY_PRESENT | 0xFFFFFFFFFFF00000L);
        Path file = b.build(tmp.resolve("payload.vhdx")).path();
        VhdxFormatException e = assertThrows(VhdxFormatException.class, () -> VhdxImage.open(file).close());
        assertTrue(e.getMessage().contains("BAT entry 2 (payload block 2)")
                && e.getMessage().contains("FileOffsetMB 0xfffffffffff puts the block past the largest possible"
                        + " file offset"), e.getMessage());
    }

    @Test
    void sectorBitmapOffsetPastTheLargestFilePosition() throws Exception {
        VhdxBuilder base = VhdxBuilder.dynamic(8L * MIB).blockSize(MIB);
        base.build(tmp.resolve("base.vhdx"));
        VhdxBuilder child = VhdxBuilder.differencing(8L * MIB).blockSize(MIB).parent(base, "base.vhdx");
        child.write(MIB + 512, VhdxBuilder.pattern(512, 2)); // PARTIALLY_PRESENT: the bitmap is needed
        child.batEntryOverride(4096, VhdxBuilder.SB_BLOCK_PRESENT | (1L << 63)); // chunk 0's bitmap entry
        Path file = child.build(tmp.resolve("child.vhdx")).path();
        try (VhdxDisk disk = VhdxImage.open(file)) {
            VhdxFormatException e = assertThrows(VhdxFormatException.class,
                    () -> disk.read(MIB, ByteBuffer.allocate(4096)));
            assertTrue(e.getMessage().contains("sector bitmap of chunk 0")
                    && e.getMessage().contains("puts the block past the largest possible file offset"),
                    e.getMessage());
        }
    }

    /** Salvage lets a sector bitmap lie past the end; reading it asked PagedRegion for a page of negative size. */
    @Test
    void salvagedSectorBitmapWhollyPastTheEnd() throws Exception {
        VhdxBuilder base = VhdxBuilder.dynamic(8L * MIB).blockSize(MIB);
        base.build(tmp.resolve("base.vhdx"));
        VhdxBuilder child = VhdxBuilder.differencing(8L * MIB).blockSize(MIB).parent(base, "base.vhdx");
        child.write(MIB + 512, VhdxBuilder.pattern(512, 3));
        Path file = child.build(tmp.resolve("child.vhdx")).path();
        long bitmap = child.layout().bitmapBlockOffset(0);
        try (ImagePatcher p = new ImagePatcher(file)) {
            p.truncate(Math.min(bitmap, child.layout().blockOffset(1)));
        }
        try (VhdxDisk disk = VhdxImage.open(file, OpenOptions.DEFAULTS.withAllowTruncated(true))) {
            VhdxFormatException.Truncated e = assertThrows(VhdxFormatException.Truncated.class,
                    () -> disk.read(MIB, ByteBuffer.allocate(4096)));
            long bitOfTheRead = bitmap + MIB / 512 / 8; // the byte holding the bit of virtual offset 1 MiB
            assertTrue(e.getMessage().startsWith("sector bitmap at 0x" + Long.toHexString(bitOfTheRead))
                    && e.getMessage().contains("lies past the end of the file"), e.getMessage());
        }
    }
}
