package dev.vhdxmount.vhdx.testkit;

import static dev.vhdxmount.vhdx.testkit.Sizes.MIB;
import static dev.vhdxmount.vhdx.testkit.Sizes.GIB;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Cross-checks the builder against QEMU, an independent VHDX implementation: for the clean 512-byte-sector fixed
 * and dynamic images QEMU can read, {@code qemu-img check} must pass and {@code qemu-img convert -O raw} must equal
 * {@link VhdxBuilder#expected()}.
 */
class VhdxBuilderQemuTest {

    @TempDir
    Path dir;

    @BeforeAll
    static void needQemuImg() {
        Assumptions.assumeTrue(QemuImg.available(), "qemu-img is not installed");
    }

    static Stream<Arguments> cleanImages() {
        return Stream.of(VhdxBuilder.Type.FIXED, VhdxBuilder.Type.DYNAMIC)
                .flatMap(t -> Stream.of(1, 8, 32).map(mib -> Arguments.of(t, mib)));
    }

    @ParameterizedTest(name = "{0} with {1} MiB blocks")
    @MethodSource("cleanImages")
    void cleanImageReadsAsExpectedInQemu(VhdxBuilder.Type type, int blockMiB) throws Exception {
        int bs = blockMiB << 20;
        long size = 3L * bs + bs / 2 + 7 * 512; // not a multiple of the block size: the last block is partial
        VhdxBuilder b = type == VhdxBuilder.Type.FIXED ? VhdxBuilder.fixed(size) : VhdxBuilder.dynamic(size);
        b.blockSize(bs);
        b.write(0, VhdxBuilder.pattern(512, 1)); // first sector
        b.write(bs - 1000, VhdxBuilder.pattern(3000, 2)); // straddles blocks 0 and 1
        b.write(3L * bs - 4096, VhdxBuilder.pattern(8192, 3)); // straddles blocks 2 and 3 (block 1's rest stays empty)
        b.write(size - 700, VhdxBuilder.pattern(700, 4)); // the last bytes of the disk
        Path img = b.build(dir.resolve("img.vhdx")).path();

        QemuImg.runOrFail("check", "-f", "vhdx", img.toString());
        String info = QemuImg.runOrFail("info", "--output=json", "-f", "vhdx", img.toString()).output();
        assertTrue(info.contains("\"virtual-size\": " + size), info);
        Path raw = dir.resolve("img.raw");
        QemuImg.toRaw(img, raw);
        assertEquals(b.expected().sha256(), Hashes.sha256(raw));
    }

    /**
     * 5 GiB with 1 MiB blocks: chunk ratio 4096, so the sector bitmap entry after block 4095 shifts every later
     * payload entry by one; data on both sides of the 4 GiB line only reads right if the interleave is right.
     */
    @ParameterizedTest
    @ValueSource(strings = "DYNAMIC")
    void dataOnBothSidesOfTheFirstChunkReadsAsExpectedInQemu(VhdxBuilder.Type type) throws Exception {
        dataOnBothSidesOfTheFirstChunk(type);
    }

    /** A fixed 5 GiB disk: qemu-img converts every block of it (about 20 s). */
    @Slow
    @ParameterizedTest
    @ValueSource(strings = "FIXED")
    void dataOnBothSidesOfTheFirstChunkOfAFixedDiskReadsAsExpectedInQemu(VhdxBuilder.Type type) throws Exception {
        dataOnBothSidesOfTheFirstChunk(type);
    }

    private void dataOnBothSidesOfTheFirstChunk(VhdxBuilder.Type type) throws Exception {
        long size = 5 * GIB;
        VhdxBuilder b = type == VhdxBuilder.Type.FIXED ? VhdxBuilder.fixed(size) : VhdxBuilder.dynamic(size);
        b.blockSize(1 << 20);
        b.write(4 * GIB - 6000, VhdxBuilder.pattern(12000, 1)); // blocks 4095 and 4096
        b.write(4 * GIB + 3 * MIB + 17, VhdxBuilder.pattern(100, 2));
        b.write(1234 * MIB, VhdxBuilder.pattern(4096, 3));
        b.write(size - 512, VhdxBuilder.pattern(512, 4));
        BuiltImage built = b.build(dir.resolve("big.vhdx"));
        assertEquals(4097, built.layout().payloadBatIndex(4096));

        QemuImg.runOrFail("check", "-f", "vhdx", built.path().toString());
        Path raw = dir.resolve("big.raw");
        QemuImg.toRaw(built.path(), raw);
        assertNull(QemuImg.compareRawSparse(raw, b.expected()));
    }

    /** In a dynamic disk every state but FULLY_PRESENT reads as zeros, even where the block points at stale data. */
    @Test
    void blocksThatAreNotFullyPresentReadAsZerosInQemu() throws Exception {
        VhdxBuilder b = VhdxBuilder.dynamic(16 * MIB).blockSize(1 << 20);
        for (int blk = 0; blk < 5; blk++) {
            b.write(blk * MIB + 512, VhdxBuilder.pattern(4096, blk));
        }
        b.blockState(0, VhdxBuilder.PAYLOAD_BLOCK_NOT_PRESENT)
                .blockState(1, VhdxBuilder.PAYLOAD_BLOCK_UNDEFINED)
                .blockState(2, VhdxBuilder.PAYLOAD_BLOCK_ZERO)
                .blockState(3, VhdxBuilder.PAYLOAD_BLOCK_UNMAPPED); // block 4 stays FULLY_PRESENT
        Path img = b.build(dir.resolve("states.vhdx")).path();
        ExpectedDisk want = b.expected();
        assertEquals(1, want.dataRanges().size(), "only block 4 holds data");

        Path raw = dir.resolve("states.raw");
        QemuImg.toRaw(img, raw);
        assertEquals(want.sha256(), Hashes.sha256(raw));
    }

    /** Sector bitmap blocks allocated in a dynamic disk (a reader must ignore them) do not change what QEMU reads. */
    @Test
    void sectorBitmapBlocksInADynamicDiskAreIgnoredByQemu() throws Exception {
        VhdxBuilder b = VhdxBuilder.dynamic(4 * GIB + 8 * MIB).blockSize(1 << 20).allocateSectorBitmaps(true);
        b.write(4 * GIB - 512, VhdxBuilder.pattern(1024, 8));
        BuiltImage built = b.build(dir.resolve("sb.vhdx"));
        assertTrue(built.layout().bitmapBlockOffset(0) > 0);
        QemuImg.runOrFail("check", "-f", "vhdx", built.path().toString());
        Path raw = dir.resolve("sb.raw");
        QemuImg.toRaw(built.path(), raw);
        assertNull(QemuImg.compareRawSparse(raw, b.expected()));
    }

    @Test
    void qemuFallsBackToHeader2WhenTheNewerHeader1IsCorrupt() throws Exception {
        VhdxBuilder b = VhdxBuilder.dynamic(8 * MIB).blockSize(1 << 20).headerSequenceNumbers(9, 4);
        b.write(MIB, VhdxBuilder.pattern(777, 5));
        b.corruptHeader1Checksum();
        Path img = b.build(dir.resolve("h.vhdx")).path();
        Path raw = dir.resolve("h.raw");
        QemuImg.toRaw(img, raw);
        assertEquals(b.expected().sha256(), Hashes.sha256(raw));
    }

    /** The Required bits of regions (§2.2.3.2) and metadata items (§2.6.1.2) are where QEMU looks for them. */
    @Test
    void qemuHonoursTheRequiredBitsOfUnknownRegionsAndMetadataItems() throws Exception {
        UUID unknown = UUID.fromString("11111111-2222-3333-4444-555555555555");
        assertEquals(0, QemuImg.run("info", "-f", "vhdx", build(VhdxBuilder.dynamic(4 * MIB)
                .unknownRegion(unknown, false).unknownMetadata(unknown, false), "optional.vhdx")).exitCode());
        assertNotEquals(0, QemuImg.run("info", "-f", "vhdx", build(VhdxBuilder.dynamic(4 * MIB)
                .unknownRegion(unknown, true), "region.vhdx")).exitCode());
        assertNotEquals(0, QemuImg.run("info", "-f", "vhdx", build(VhdxBuilder.dynamic(4 * MIB)
                .unknownMetadata(unknown, true), "metadata.vhdx")).exitCode());
    }

    /**
     * QEMU replays a dirty log when it opens the image read-write ({@code qemu-img check -r all}, on a copy): the
     * replayed image must read as expected(), which checks the log entry encoding (descriptors, leading and trailing
     * bytes, data sectors, CRCs) against another implementation, and that the file on disk alone does not.
     *
     * <p>Only a sequence that does not wrap: QEMU replays just the part of a wrapped sequence that starts at log
     * offset 0. LastFileOffset is set off a MiB boundary because QEMU 7.2 grows the file only when it has to round
     * LastFileOffset up to one.
     */
    @Test
    void qemuReplayOfTheLogReadsAsExpected() throws Exception {
        VhdxBuilder b = VhdxBuilder.dynamic(64 * MIB).blockSize(1 << 20);
        b.write(3 * MIB + 100, VhdxBuilder.pattern(10000, 1));
        b.write(10 * MIB, VhdxBuilder.pattern(8192, 2));
        b.write(20 * MIB, VhdxBuilder.pattern(5000, 3));
        b.write(30 * MIB, VhdxBuilder.pattern(4096, 4));
        b.log()
                .staleEntry().bat(30).payload(30 * MIB, 4096).and()
                .entry().bat(3).payload(3 * MIB, 3 * 4096).and()
                .entry().bat(10).payload(10 * MIB + 4096, 4096)
                        .rewritePayload(30 * MIB, VhdxBuilder.pattern(4096, 99)).and()
                .entry().appendBlock(20).lastFileOffset(b.layout().fileSize() + MIB + 4096).and()
                .tornEntry().bat(10).payload(10 * MIB, 4096).and()
                .foreignEntry(UUID.randomUUID()).bat(3).payload(3 * MIB, 4096);
        BuiltImage built = b.build(dir.resolve("dirty.vhdx"));
        assertTrue(built.layout().writtenFileSize() < built.layout().fileSize(), "the log grows the file");
        assertNotEquals(0, QemuImg.run("info", "-f", "vhdx", built.path().toString()).exitCode(),
                "QEMU refuses a dirty image read-only");

        Path copy = dir.resolve("replayed.vhdx");
        Files.copy(built.path(), copy, StandardCopyOption.REPLACE_EXISTING);
        QemuImg.run("check", "-r", "all", "-f", "vhdx", copy.toString()); // replays; its exit code reports "repairs"
        QemuImg.runOrFail("check", "-f", "vhdx", copy.toString());
        Path raw = dir.resolve("replayed.raw");
        QemuImg.toRaw(copy, raw);
        ExpectedDisk want = b.expected();
        assertEquals(want.sha256(), Hashes.sha256(raw));
        assertEquals(VhdxBuilder.pattern(4096, 99)[0], want.read(30 * MIB, 1)[0], "the raw log write is expected");
    }

    private String build(VhdxBuilder b, String name) throws IOException {
        return b.build(dir.resolve(name)).path().toString();
    }

}
