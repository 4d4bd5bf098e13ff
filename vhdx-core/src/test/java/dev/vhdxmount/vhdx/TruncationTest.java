package dev.vhdxmount.vhdx;

import static dev.vhdxmount.vhdx.testkit.Sizes.MIB;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.vhdxmount.vhdx.error.VhdxFormatException;
import dev.vhdxmount.vhdx.testkit.BuiltImage;
import dev.vhdxmount.vhdx.testkit.VhdxBuilder;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A truncated image says where it is cut as fields, not only in its message: the file, the payload block or the
 * structure, the virtual and file offsets of the first missing byte and where the file ends. The expected values
 * come from the builder's layout.
 */
class TruncationTest {

    @TempDir
    Path tmp;

    /** Blocks 0, 1, 5 and 9 written, in that order in the file; the file cut inside block 5's data. */
    private record Cut(Path path, long blockStart, long cutAt) {}

    private Cut cutInsideBlock5() throws Exception {
        VhdxBuilder b = VhdxBuilder.dynamic(16L * MIB).blockSize(MIB);
        for (int block : new int[] {0, 1, 5, 9}) {
            b.write((long) block * MIB, VhdxBuilder.pattern(MIB, block + 1));
        }
        BuiltImage built = b.build(tmp.resolve("cut.vhdx"));
        long start = built.layout().blockOffset(5);
        long cut = start + 300_000;
        try (RandomAccessFile f = new RandomAccessFile(built.path().toFile(), "rw")) {
            f.setLength(cut);
        }
        return new Cut(built.path(), start, cut);
    }

    @Test
    void theOpenNamesTheFirstBlockPastTheEnd() throws Exception {
        Cut cut = cutInsideBlock5();
        VhdxFormatException.Truncated e = assertThrows(VhdxFormatException.Truncated.class,
                () -> VhdxImage.open(cut.path()).close());
        assertEquals(cut.path(), e.file());
        assertEquals("payload block 5", e.structure());
        assertEquals(5, e.payloadBlock());
        assertEquals(5L * MIB + (cut.cutAt() - cut.blockStart()), e.virtualOffset());
        assertEquals(cut.cutAt(), e.fileOffset());
        assertEquals(cut.cutAt(), e.fileEnd());
    }

    @Test
    void aSalvagedReadNamesTheBlockAndTheFirstMissingByte() throws Exception {
        Cut cut = cutInsideBlock5();
        try (VirtualDisk disk = VhdxImage.open(cut.path(), OpenOptions.DEFAULTS.withAllowTruncated(true))) {
            VhdxFormatException.Truncated e = assertThrows(VhdxFormatException.Truncated.class,
                    () -> disk.read(5L * MIB + 4096, ByteBuffer.allocate(MIB - 4096)));
            assertEquals(cut.path(), e.file());
            assertEquals("payload block 5", e.structure());
            assertEquals(5, e.payloadBlock());
            long missing = cut.cutAt() - cut.blockStart();
            assertEquals(5L * MIB + missing, e.virtualOffset());
            assertEquals(cut.cutAt(), e.fileOffset());
            assertEquals(cut.cutAt(), e.fileEnd());
            assertEquals(String.format("payload block 5 (virtual offset 0x%x): data at file offset 0x%x..0x%x lies"
                    + " past the end of the file at 0x%x (truncated image)", 5L * MIB + missing, cut.cutAt(),
                    cut.blockStart() + MIB, cut.cutAt()), e.getMessage(), "the message as it was");
        }
    }

    @Test
    void aStructureCutShortIsNamed() throws Exception {
        Path file = VhdxBuilder.dynamic(16L * MIB).blockSize(MIB).build(tmp.resolve("head.vhdx")).path();
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(100 * 1024);
        }
        VhdxFormatException.Truncated e = assertThrows(VhdxFormatException.Truncated.class,
                () -> VhdxImage.open(file).close());
        assertEquals(file, e.file());
        assertEquals("header 2", e.structure());
        assertEquals(-1, e.payloadBlock());
        assertEquals(-1, e.virtualOffset());
        assertEquals(128 * 1024, e.fileOffset());
        assertEquals(100 * 1024, e.fileEnd());
    }
}
