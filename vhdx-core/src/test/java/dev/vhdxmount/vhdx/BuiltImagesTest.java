package dev.vhdxmount.vhdx;

import static dev.vhdxmount.vhdx.testkit.Sizes.MIB;
import static dev.vhdxmount.vhdx.testkit.Sizes.GIB;

import dev.vhdxmount.vhdx.error.VhdxFormatException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vhdxmount.vhdx.testkit.ExpectedDisk;
import dev.vhdxmount.vhdx.testkit.LocatedReader;
import dev.vhdxmount.vhdx.testkit.VhdxBuilder;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Random;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Images from the test-only builder (written from the spec, independently of the reader) for what qemu-img cannot
 * make: 4096-byte sectors, every BAT state, header and region-table variants. The expected content is the
 * builder's model, never the reader's output.
 */
class BuiltImagesTest {

    @TempDir
    Path tmp;

    static Stream<Arguments> shapes() {
        return Stream.of(
                Arguments.of("dynamic", 4096, 1, 40L * GIB + 3 * 4096), // past the first 32 GiB chunk at 4K
                Arguments.of("dynamic", 4096, 256, 33L * GIB),
                Arguments.of("fixed", 4096, 8, 100L * MIB + 4096),
                Arguments.of("dynamic", 512, 2, 5L * GIB + 512),
                Arguments.of("fixed", 512, 1, 64L * MIB));
    }

    @ParameterizedTest(name = "{0}, {1}-byte sectors, {2} MiB blocks, {3} bytes")
    @MethodSource("shapes")
    void readsWhatTheBuilderWrote(String type, int sectorSize, int blockMiB, long size) throws Exception {
        VhdxBuilder b = (type.equals("fixed") ? VhdxBuilder.fixed(size) : VhdxBuilder.dynamic(size))
                .logicalSectorSize(sectorSize).physicalSectorSize(4096).blockSize(blockMiB * MIB);
        Random random = new Random(size);
        b.write(0, VhdxBuilder.pattern(70000, 1));
        long chunk = (1L << 23) * sectorSize;
        for (long at : new long[] {blockMiB * MIB - 777, chunk - 5000, size - 9000, size / 2 + 12345}) {
            if (at > 0 && at + 9000 <= size) {
                b.write(at, VhdxBuilder.pattern(9000, at));
            }
        }
        Path file = b.build(tmp.resolve("img.vhdx")).path();
        ExpectedDisk want = b.expected();
        try (VirtualDisk disk = VhdxImage.open(file)) {
            assertEquals(size, disk.size());
            assertEquals(sectorSize, disk.logicalSectorSize());
            assertEquals(4096, disk.physicalSectorSize());
            assertEquals(type, VhdxImage.info(disk).orElseThrow().diskType());
            LocatedReader located = new LocatedReader(disk);
            for (var r : want.dataRanges().entrySet()) {
                long from = Math.max(0, r.getKey() - 8192);
                long to = Math.min(size, r.getKey() + r.getValue() + 8192);
                assertEquals(-1, want.firstMismatch(disk::read, from, to - from), "around " + r);
                assertEquals(-1, want.firstMismatch(located, from, to - from), "located, around " + r);
            }
            for (int i = 0; i < 200; i++) {
                long offset = (long) (random.nextDouble() * size);
                int length = (int) Math.min(size - offset, 1 + random.nextInt(3 * MIB));
                assertEquals(-1, want.firstMismatch(disk::read, offset, length), "read at " + offset);
                assertEquals(-1, want.firstMismatch(located, offset, length), "located read at " + offset);
            }
            assertTrue(located.fileBytes() > 0, "data handed out as file ranges");
            assertEquals(0, located.readBytes(), "a clean image has nothing that only read() can give");
        }
    }

    @Test
    void everyPayloadStateOfADynamicDisk() throws Exception {
        VhdxBuilder b = VhdxBuilder.dynamic(16L * MIB).blockSize(MIB);
        for (int block = 0; block < 16; block++) {
            b.write(block * (long) MIB + 100, VhdxBuilder.pattern(5000, block));
        }
        b.blockState(1, VhdxBuilder.PAYLOAD_BLOCK_NOT_PRESENT);
        b.blockState(2, VhdxBuilder.PAYLOAD_BLOCK_UNDEFINED);
        b.blockState(3, VhdxBuilder.PAYLOAD_BLOCK_ZERO);
        b.blockState(4, VhdxBuilder.PAYLOAD_BLOCK_UNMAPPED);
        b.blockState(5, VhdxBuilder.PAYLOAD_BLOCK_UNMAPPED_V0);
        Path file = b.build(tmp.resolve("states.vhdx")).path();
        ExpectedDisk want = b.expected();
        try (VirtualDisk disk = VhdxImage.open(file)) {
            assertEquals(want.sha256(), ExpectedDisk.sha256(disk::read, disk.size()));
            LocatedReader located = new LocatedReader(disk);
            assertEquals(want.sha256(), ExpectedDisk.sha256(located, disk.size()), "located");
            assertEquals(11L * MIB, located.fileBytes(), "the 11 present blocks, as file ranges");
            assertEquals(5L * MIB, located.zeroBytes(), "the 5 other states, as zeros");
            for (int block = 1; block <= 5; block++) {
                ByteBuffer buf = ByteBuffer.allocate(MIB);
                disk.read(block * (long) MIB, buf);
                assertTrue(isZero(buf.array()), "block " + block + " reads as zeros, whatever lies at its offset");
            }
            assertEquals(11L, VhdxImage.info(disk).orElseThrow().batStates().orElseThrow()
                    .get(dev.vhdxmount.vhdx.format.PayloadBlockState.FULLY_PRESENT));
        }
    }

    @Test
    void headerAndRegionTableVariants() throws Exception {
        byte[] data = VhdxBuilder.pattern(4096, 3);
        VhdxBuilder[] variants = {
            VhdxBuilder.dynamic(8L * MIB).corruptHeader1Checksum(),
            VhdxBuilder.dynamic(8L * MIB).identicalHeaders(77),
            VhdxBuilder.dynamic(8L * MIB).headerSequenceNumbers(9, 3),
            VhdxBuilder.dynamic(8L * MIB).corruptRegionTable1(),
            VhdxBuilder.dynamic(8L * MIB).knownRegionsRequired(true).unknownRegion(UUID.randomUUID(), false)
                    .unknownMetadata(UUID.randomUUID(), false),
        };
        int i = 0;
        for (VhdxBuilder b : variants) {
            b.write(MIB, data);
            Path file = b.build(tmp.resolve("v" + i++ + ".vhdx")).path();
            try (VirtualDisk disk = VhdxImage.open(file)) {
                assertEquals(b.expected().sha256(), ExpectedDisk.sha256(disk::read, disk.size()), file.toString());
            }
        }
        VhdxBuilder conflicting = VhdxBuilder.dynamic(8L * MIB).conflictingHeaders(5);
        Path file = conflicting.build(tmp.resolve("conflict.vhdx")).path();
        VhdxFormatException e = assertThrows(VhdxFormatException.class, () -> VhdxImage.open(file).close());
        assertTrue(e.getMessage().contains("same SequenceNumber 5"), e.getMessage());

        Path required = VhdxBuilder.dynamic(8L * MIB).unknownMetadata(UUID.randomUUID(), true)
                .build(tmp.resolve("required.vhdx")).path();
        assertThrows(VhdxFormatException.Unsupported.class, () -> VhdxImage.open(required).close());
    }

    /** One read whose pieces alternate between this file, zeros and this file again: each piece gets its own room. */
    @Test
    void aReadAcrossPresentAndAbsentBlocks() throws Exception {
        VhdxBuilder b = VhdxBuilder.dynamic(8L * MIB).blockSize(MIB);
        b.write(0, VhdxBuilder.pattern(MIB, 1));
        b.write(2L * MIB, VhdxBuilder.pattern(MIB, 2));
        Path file = b.build(tmp.resolve("holes.vhdx")).path();
        ExpectedDisk want = b.expected();
        try (VirtualDisk disk = VhdxImage.open(file)) {
            for (long[] r : new long[][] {{MIB / 2, 2 * MIB}, {MIB - 1, 2}, {0, 8L * MIB}, {3L * MIB - 5, 5L * MIB}}) {
                ByteBuffer one = ByteBuffer.allocate((int) r[1]);
                assertEquals(r[1], disk.read(r[0], one), "one read of " + r[1] + " bytes at " + r[0]);
                assertEquals(-1, want.firstMismatch((offset, dst) -> {
                    int n = dst.remaining();
                    dst.put(one.array(), (int) (offset - r[0]), n);
                    return n;
                }, r[0], r[1]), "read at " + r[0]);
            }
        }
    }

    /** Issue 12 item 6: qemu-img and libvhdi refuse an empty virtual disk, and Hyper-V never writes one. */
    @Test
    void aVirtualDiskSizeOfZeroIsRefusedAsCorrupt() throws Exception {
        Path file = VhdxBuilder.dynamic(8L * MIB).metadataOverride(VhdxBuilder.VIRTUAL_DISK_SIZE, new byte[8])
                .build(tmp.resolve("empty.vhdx")).path();
        VhdxFormatException e = assertThrows(VhdxFormatException.class, () -> VhdxImage.open(file).close());
        assertEquals(VhdxFormatException.class, e.getClass(), e.getMessage());
        assertTrue(e.getMessage().contains("Virtual Disk Size: VirtualDiskSize is 0"), e.getMessage());
    }

    private static boolean isZero(byte[] b) {
        for (byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }
}
