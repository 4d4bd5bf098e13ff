package dev.vhdxmount.vhdx;

import dev.vhdxmount.vhdx.error.VhdxFormatException;

import static dev.vhdxmount.vhdx.testkit.Sizes.MIB;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vhdxmount.vhdx.format.FileParameters;
import dev.vhdxmount.vhdx.format.Guids;
import dev.vhdxmount.vhdx.format.Page83Data;
import dev.vhdxmount.vhdx.format.RegionTable;
import dev.vhdxmount.vhdx.format.SectorSize;
import dev.vhdxmount.vhdx.format.VirtualDiskSize;
import dev.vhdxmount.vhdx.testkit.Hashes;
import dev.vhdxmount.vhdx.testkit.BuiltImage;
import dev.vhdxmount.vhdx.testkit.ImagePatcher;
import dev.vhdxmount.vhdx.testkit.VhdxBuilder;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each validation rule, broken once on a copy of a valid image (checksums recomputed so the break reaches the rule):
 * the open fails with the right exception type and a message that names the structure and the offset. A few breaks
 * the spec tolerates (one bad header or region table copy) must still read the right bytes.
 *
 * <p>The valid image comes from the test kit's builder, and where things lie in it from the builder's own layout,
 * never from the reader under test; so it needs no qemu-img and never skips.
 */
class CorruptionTest {
    @TempDir
    static Path dir;
    static Path base;
    static String baseSha;
    static Layout layout;

    /** Where the builder put things. */
    record Layout(long batOffset, long metadataOffset, long logOffset, long fileSize,
            dev.vhdxmount.vhdx.testkit.Layout built) {
        long itemEntry(UUID id) {
            return built.metadataEntryOffset(id);
        }

        long itemData(UUID id) {
            return built.metadataItemOffset(id);
        }
    }

    @FunctionalInterface
    interface Mutation {
        void apply(ImagePatcher p, Layout l) throws Exception;
    }

    record Case(String name, Mutation mutation, Class<? extends Exception> expected, String messagePart) {
        @Override
        public String toString() {
            return name;
        }
    }

    /** A dynamic 64 MiB disk of 1 MiB blocks, its first 24 MiB data, as qemu-img's image for this test was. */
    @BeforeAll
    static void makeBase() throws Exception {
        VhdxBuilder b = VhdxBuilder.dynamic(64L * MIB).blockSize(MIB);
        b.write(0, VhdxBuilder.pattern(24 * MIB, 7));
        BuiltImage built = b.build(dir.resolve("base.vhdx"));
        base = built.path();
        dev.vhdxmount.vhdx.testkit.Layout l = built.layout();
        layout = new Layout(l.batOffset(), l.metadataOffset(), l.logOffset(), l.writtenFileSize(), l);
        baseSha = b.expected().sha256();
        assertEquals(Files.size(base), layout.fileSize());
    }

    static Stream<Case> corruptions() {
        UUID unknown = UUID.fromString("12345678-1234-1234-1234-123456789abc");
        return Stream.of(
                // file identifier and headers (§2.2.1, §2.2.2)
                refused("no vhdxfile signature", (p, l) -> p.putLong(0, 0x1234), VhdxFormatException.NotVhdx.class,
                        "no 'vhdxfile' signature at offset 0"),
                refused("both headers' CRC wrong", (p, l) -> p.flipByte(ImagePatcher.HEADER_1 + 100)
                        .flipByte(ImagePatcher.HEADER_2 + 100),
                        "no valid header: header 1 at 0x10000: CRC-32C mismatch"),
                refused("both headers' signature wrong", (p, l) -> p.bothHeaders(b -> b.putInt(0, 0x11223344)),
                        "header 1 at 0x10000: signature is not 'head'"),
                refused("header version 2", (p, l) -> p.bothHeaders(b -> b.putShort(66, (short) 2)),
                        "Version is 2, expected 1"),
                refused("equal sequence numbers, different headers", (p, l) -> p
                        .bothHeaders(b -> b.putLong(8, 99)).header(2, b -> b.putLong(16, 1)), // another FileWriteGuid
                        "same SequenceNumber 99 but different contents"),
                refused("LogLength not a multiple of 1 MiB", (p, l) -> p.bothHeaders(b -> b.putInt(68, 4096)),
                        "LogLength 0x1000 is not a multiple of 1 MiB"),
                refused("LogOffset inside the header section", (p, l) -> p.bothHeaders(b -> b.putLong(72, 0)),
                        "LogOffset 0x0 must be a multiple of 1 MiB"),
                // region table (§2.2.3)
                refused("both region tables' CRC wrong", (p, l) -> p.flipByte(ImagePatcher.REGION_TABLE_1 + 20)
                        .flipByte(ImagePatcher.REGION_TABLE_2 + 20), "both region tables are invalid"),
                refused("region table signature", (p, l) -> p.bothRegionTables(b -> b.putInt(0, 0)),
                        "region table 1 at 0x30000: signature is not 'regi'"),
                refused("region EntryCount 2048", (p, l) -> p.bothRegionTables(b -> b.putInt(8, 2048)),
                        "EntryCount 2048 exceeds the maximum of 2047"),
                refused("unknown required region", (p, l) -> p.bothRegionTables(b -> addRegion(b, unknown,
                        l.fileSize() - MIB, MIB, true)), VhdxFormatException.Unsupported.class,
                        "is marked required but is unknown"),
                refused("region overlapping the log", (p, l) -> p.bothRegionTables(b -> addRegion(b, unknown,
                        l.logOffset(), MIB, false)), "overlaps the log"),
                refused("region past the end of the file", (p, l) -> p.bothRegionTables(b -> addRegion(b, unknown,
                        l.fileSize() + 16 * MIB, MIB, false)), VhdxFormatException.Truncated.class,
                        "ends past the end of the file"),
                refused("region offset not 1 MiB aligned", (p, l) -> p.bothRegionTables(b -> b.putLong(16 + 16,
                        b.getLong(16 + 16) + 4096)), "must be a multiple of 1 MiB"),
                refused("region GUID twice", (p, l) -> p.bothRegionTables(b -> {
                    byte[] first = new byte[16];
                    b.get(16, first);
                    b.put(48, first);
                }), "the same region GUID appears twice"),
                refused("no BAT region", (p, l) -> p.bothRegionTables(b -> {
                    for (int i = 0; i < b.getInt(8); i++) {
                        if (Guids.read(b, 16 + 32 * i).equals(RegionTable.BAT)) {
                            Guids.write(b, 16 + 32 * i, unknown);
                        }
                    }
                }), "no BAT region"),
                // metadata (§2.6)
                refused("metadata signature", (p, l) -> p.putLong(l.metadataOffset(), 0),
                        "signature is not 'metadata'"),
                refused("unknown required metadata item", (p, l) -> p.edit(l.itemEntry(Page83Data.ID), 32, false,
                        b -> {
                            Guids.write(b, 0, unknown);
                            b.putInt(24, 4); // IsRequired
                        }),
                        VhdxFormatException.Unsupported.class, "is marked required but is unknown"),
                refused("required item missing", (p, l) -> p.edit(l.itemEntry(FileParameters.ID), 16, false,
                        b -> Guids.write(b, 0, unknown)).putInt(l.itemEntry(FileParameters.ID) + 24, 0),
                        "required item File Parameters"),
                refused("item of the wrong size", (p, l) -> p.putInt(l.itemEntry(FileParameters.ID) + 20, 4),
                        "is 4 bytes, expected 8"),
                refused("item inside the metadata table", (p, l) -> p.putInt(l.itemEntry(FileParameters.ID) + 16,
                        0x100), "lies inside the metadata table"),
                refused("item past the metadata region", (p, l) -> p.putInt(l.itemEntry(FileParameters.ID) + 16,
                        0x7ffff000), "ends past the metadata region"),
                refused("items overlapping", (p, l) -> p.putInt(l.itemEntry(VirtualDiskSize.ID) + 16,
                        (int) (l.itemData(FileParameters.ID) - l.metadataOffset()) + 4), "overlap"),
                refused("block size 3 MiB", (p, l) -> p.putInt(l.itemData(FileParameters.ID), 3 << 20),
                        "BlockSize 3145728 is not a power of two"),
                refused("block size 512 MiB", (p, l) -> p.putInt(l.itemData(FileParameters.ID), 512 << 20),
                        "BlockSize"),
                refused("File Parameters reserved bits", (p, l) -> p.putInt(l.itemData(FileParameters.ID) + 4,
                        0x10), "reserved flag bits 2-31 are not zero"),
                refused("logical sector size 1000", (p, l) -> p.putInt(l.itemData(SectorSize.LOGICAL_ID), 1000),
                        "Logical Sector Size: sector size is 1000"),
                refused("physical sector size 1000", (p, l) -> p.putInt(l.itemData(SectorSize.PHYSICAL_ID), 1000),
                        "Physical Sector Size: sector size is 1000"),
                refused("virtual size not a sector multiple", (p, l) -> p.putLong(l.itemData(VirtualDiskSize.ID),
                        64 * MIB + 100), "is not a multiple of the 512-byte logical sector size"),
                refused("virtual size over 64 TiB", (p, l) -> p.putLong(l.itemData(VirtualDiskSize.ID),
                        (64L << 40) + 512), "bytes is more than 64 TiB, the largest MS-VHDX allows"),
                refused("BAT region too small", (p, l) -> p.putLong(l.itemData(VirtualDiskSize.ID), 1L << 40),
                        "is too small for"),
                refused("HasParent without a parent locator", (p, l) -> p.putInt(l.itemData(FileParameters.ID) + 4,
                        2), "no Parent Locator item"),
                // BAT (§2.5)
                refused("BAT state 4", (p, l) -> p.putLong(l.batOffset(), 4), "state 4 is reserved"),
                refused("BAT reserved bits", (p, l) -> p.putLong(l.batOffset(), (5L << 20) | 6 | (1 << 10)),
                        "reserved bits 3-19 are not zero"),
                refused("BAT block at offset 0", (p, l) -> p.putLong(l.batOffset(), 6), "FileOffsetMB is 0"),
                refused("BAT block over the metadata region", (p, l) -> p.putLong(l.batOffset(),
                        l.metadataOffset() | 6), "overlaps the metadata region"),
                refused("BAT block past the end of the file", (p, l) -> p.putLong(l.batOffset(),
                        (l.fileSize() + 64 * MIB) | 6), VhdxFormatException.Truncated.class,
                        "lies past the end of the file"),
                refused("PARTIALLY_PRESENT without a parent", (p, l) -> p.putLong(l.batOffset(),
                        (l.fileSize() - MIB) | 7), "only valid in a differencing disk"),
                // log (§2.3)
                refused("active log with no valid entry", (p, l) -> p.bothHeaders(b -> Guids.write(b, 48, unknown)),
                        "holds no valid sequence of entries"),
                refused("active log with LogVersion 1", (p, l) -> p.bothHeaders(b -> {
                    Guids.write(b, 48, unknown);
                    b.putShort(64, (short) 1);
                }), VhdxFormatException.Unsupported.class, "LogVersion 1"),
                refused("active log past the end of the file", (p, l) -> p.bothHeaders(b -> {
                    Guids.write(b, 48, unknown);
                    b.putLong(72, l.fileSize() + 2 * MIB);
                }), VhdxFormatException.Truncated.class, "the log ends past the end of the file"),
                // truncation
                refused("cut inside the header section", (p, l) -> p.truncate(100 * 1024),
                        VhdxFormatException.Truncated.class, "header 2 at 0x20000: needs 4096 bytes"),
                refused("empty file", (p, l) -> p.truncate(0), VhdxFormatException.NotVhdx.class,
                        "the file is empty"),
                refused("cut before the data", (p, l) -> p.truncate(l.fileSize() - 20 * MIB),
                        VhdxFormatException.Truncated.class, "lies past the end of the file"));
    }

    private static UUID unknown() {
        return UUID.fromString("12345678-1234-1234-1234-123456789abc");
    }

    private static void addRegion(ByteBuffer b, UUID guid, long offset, long length, boolean required) {
        int count = b.getInt(8);
        int at = 16 + 32 * count;
        Guids.write(b, at, guid);
        b.putLong(at + 16, offset);
        b.putInt(at + 24, (int) length);
        b.putInt(at + 28, required ? 1 : 0);
        b.putInt(8, count + 1);
    }

    private static Case refused(String name, Mutation m, String messagePart) {
        return new Case(name, m, VhdxFormatException.class, messagePart);
    }

    private static Case refused(String name, Mutation m, Class<? extends Exception> type, String messagePart) {
        return new Case(name, m, type, messagePart);
    }

    private static Path copy(String name) throws Exception {
        Path p = dir.resolve(name.replaceAll("[^a-zA-Z0-9]+", "_") + ".vhdx");
        Files.copy(base, p, StandardCopyOption.REPLACE_EXISTING);
        return p;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("corruptions")
    void refusedWithAClearMessage(Case c) throws Exception {
        Path image = copy(c.name());
        try (ImagePatcher p = new ImagePatcher(image)) {
            c.mutation().apply(p, layout);
        }
        Exception e = assertThrows(c.expected(), () -> VhdxImage.open(image).close());
        assertEquals(c.expected(), e.getClass(), "exception type; message: " + e.getMessage());
        assertTrue(e.getMessage().contains(c.messagePart()), "message '" + e.getMessage() + "' should contain '"
                + c.messagePart() + "'");
        assertTrue(!e.getMessage().contains("\n"), "one line");
    }

    @Test
    void header1CorruptFallsBackToHeader2() throws Exception {
        Path image = copy("header1");
        try (ImagePatcher p = new ImagePatcher(image)) {
            p.flipByte(ImagePatcher.HEADER_1 + 200);
        }
        try (VirtualDisk disk = VhdxImage.open(image)) {
            assertEquals(2, VhdxImage.info(disk).orElseThrow().currentHeader());
            assertTrue(VhdxImage.info(disk).orElseThrow().headers().get(0).problem().orElseThrow().contains("CRC-32C mismatch"));
            assertEquals(baseSha, Hashes.sha256(disk));
        }
    }

    @Test
    void higherSequenceNumberWins() throws Exception {
        Path image = copy("sequence");
        try (ImagePatcher p = new ImagePatcher(image)) {
            p.header(1, b -> b.putLong(8, 1000)).header(2, b -> b.putLong(8, 999));
        }
        try (VirtualDisk disk = VhdxImage.open(image)) {
            assertEquals(1, VhdxImage.info(disk).orElseThrow().currentHeader());
        }
        try (ImagePatcher p = new ImagePatcher(image)) {
            p.header(2, b -> b.putLong(8, 1001));
        }
        try (VirtualDisk disk = VhdxImage.open(image)) {
            assertEquals(2, VhdxImage.info(disk).orElseThrow().currentHeader());
        }
    }

    @Test
    void identicalHeadersWithEqualSequenceNumbersAreAccepted() throws Exception {
        Path image = copy("disk2vhd");
        ByteBuffer h1 = ByteBuffer.allocate(4096);
        try (var ch = java.nio.channels.FileChannel.open(image, java.nio.file.StandardOpenOption.READ,
                java.nio.file.StandardOpenOption.WRITE)) {
            ch.read(h1, ImagePatcher.HEADER_1);
            ch.write(h1.flip(), ImagePatcher.HEADER_2);
        }
        try (VirtualDisk disk = VhdxImage.open(image)) {
            assertEquals(baseSha, Hashes.sha256(disk));
        }
    }

    @Test
    void regionTable1CorruptFallsBackToCopy2() throws Exception {
        Path image = copy("region1");
        try (ImagePatcher p = new ImagePatcher(image)) {
            p.flipByte(ImagePatcher.REGION_TABLE_1 + 40);
        }
        try (VirtualDisk disk = VhdxImage.open(image)) {
            assertEquals(2, VhdxImage.info(disk).orElseThrow().regionTableUsed());
            assertEquals(baseSha, Hashes.sha256(disk));
        }
    }

    @Test
    void unknownOptionalRegionAndItemAreIgnored() throws Exception {
        Path image = copy("optional");
        try (ImagePatcher p = new ImagePatcher(image)) {
            p.putInt(layout.fileSize() + MIB - 4, 0x55aa55aa); // room for the region past the data
            p.bothRegionTables(b -> addRegion(b, unknown(), layout.fileSize(), MIB, false));
        }
        try (VirtualDisk disk = VhdxImage.open(image)) {
            assertEquals(baseSha, Hashes.sha256(disk));
        }
    }
}
