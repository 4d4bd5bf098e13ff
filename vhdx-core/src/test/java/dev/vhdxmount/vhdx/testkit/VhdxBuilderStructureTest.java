package dev.vhdxmount.vhdx.testkit;

import static dev.vhdxmount.vhdx.testkit.Sizes.KIB;
import static dev.vhdxmount.vhdx.testkit.Sizes.MIB;
import static dev.vhdxmount.vhdx.testkit.Sizes.GIB;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checks the bytes the builder writes against MS-VHDX field by field, recomputing every checksum with
 * {@link CRC32C} here, and reads the images qemu-img cannot (4096-byte sectors, differencing, dirty logs) back with
 * {@link MiniReader} to show they hold what {@link VhdxBuilder#expected} says.
 */
class VhdxBuilderStructureTest {
    private static final UUID KNOWN = UUID.fromString("01020304-0506-0708-090a-0b0c0d0e0f10");
    /** KNOWN in the §2 GUID layout: the first three fields little-endian, the last eight bytes in order. */
    private static final String KNOWN_BYTES = "04030201060508070 90a0b0c0d0e0f10".replace(" ", "");

    @TempDir
    Path dir;

    // ------------------------------------------------------------ headers (§2.2.1, §2.2.2)

    @Test
    void fileIdentifierAndHeadersAreWellFormed() throws IOException {
        byte[] f = bytes(VhdxBuilder.dynamic(16 * MIB).creator("tester").dataWriteGuid(KNOWN).build(file("h.vhdx")));
        assertEquals("vhdxfile", ascii(f, 0, 8));
        assertEquals("tester", new String(f, 8, 12, StandardCharsets.UTF_16LE));
        for (long h : new long[] {Layout.HEADER_1, Layout.HEADER_2}) {
            assertEquals("head", ascii(f, h, 4));
            assertEquals(crc(f, h, 4096, 4), le(f, h).getInt(4), "header CRC-32C at " + h);
            assertEquals(KNOWN_BYTES, hex(f, h + 32, 16), "DataWriteGuid");
            assertEquals(0, le(f, h).getShort(64), "LogVersion");
            assertEquals(1, le(f, h).getShort(66), "Version");
            assertEquals(MIB, le(f, h).getInt(68), "LogLength");
            assertEquals(MIB, le(f, h).getLong(72), "LogOffset");
            assertEquals("00".repeat(16), hex(f, h + 48, 16), "LogGuid of a clean image");
        }
        assertEquals(1, le(f, Layout.HEADER_1).getLong(8));
        assertEquals(2, le(f, Layout.HEADER_2).getLong(8));
    }

    @Test
    void headerOptions() throws IOException {
        byte[] corrupt = bytes(VhdxBuilder.dynamic(4 * MIB).headerSequenceNumbers(8, 3).corruptHeader1Checksum()
                .build(file("c.vhdx")));
        assertNotEquals(crc(corrupt, Layout.HEADER_1, 4096, 4), le(corrupt, Layout.HEADER_1).getInt(4));
        assertEquals(crc(corrupt, Layout.HEADER_2, 4096, 4), le(corrupt, Layout.HEADER_2).getInt(4));
        assertEquals(8, le(corrupt, Layout.HEADER_1).getLong(8));

        byte[] same = bytes(VhdxBuilder.dynamic(4 * MIB).identicalHeaders(7).build(file("s.vhdx")));
        assertArrayEquals(slice(same, Layout.HEADER_1, 4096), slice(same, Layout.HEADER_2, 4096));
        assertEquals(7, le(same, Layout.HEADER_1).getLong(8));

        byte[] conflict = bytes(VhdxBuilder.dynamic(4 * MIB).conflictingHeaders(7).build(file("x.vhdx")));
        assertEquals(7, le(conflict, Layout.HEADER_1).getLong(8));
        assertEquals(7, le(conflict, Layout.HEADER_2).getLong(8));
        assertEquals(crc(conflict, Layout.HEADER_1, 4096, 4), le(conflict, Layout.HEADER_1).getInt(4));
        assertEquals(crc(conflict, Layout.HEADER_2, 4096, 4), le(conflict, Layout.HEADER_2).getInt(4));
        assertFalse(Arrays.equals(slice(conflict, Layout.HEADER_1, 4096), slice(conflict, Layout.HEADER_2, 4096)));
    }

    // ------------------------------------------------------------ region tables (§2.2.3)

    @Test
    void regionTablesAreWellFormed() throws IOException {
        UUID unknown = UUID.randomUUID();
        BuiltImage img = VhdxBuilder.dynamic(4 * MIB).unknownRegion(unknown, true).build(file("r.vhdx"));
        byte[] f = bytes(img);
        for (long rt : new long[] {Layout.REGION_TABLE_1, Layout.REGION_TABLE_2}) {
            assertEquals("regi", ascii(f, rt, 4));
            assertEquals(crc(f, rt, 64 * KIB, 4), le(f, rt).getInt(4), "region table CRC-32C at " + rt);
            assertEquals(3, le(f, rt).getInt(8));
            assertEquals("6677c22d23f600429d64115e9bfd4a08", hex(f, rt + 16, 16), "BAT region GUID");
            assertEquals(img.layout().batOffset(), le(f, rt + 16).getLong(16));
            assertEquals(img.layout().batLength(), le(f, rt + 16).getInt(24));
            assertEquals(1, le(f, rt + 16).getInt(28), "Required");
            assertEquals("06a27c8b90479a4bb8fe575f050f886e", hex(f, rt + 48, 16), "metadata region GUID");
            assertEquals(img.layout().metadataOffset(), le(f, rt + 48).getLong(16));
            assertEquals(HexFormat.of().formatHex(Bin.guid(unknown)), hex(f, rt + 80, 16));
            assertEquals(img.layout().unknownRegionOffsets().get(0), le(f, rt + 80).getLong(16));
            assertEquals(1, le(f, rt + 80).getInt(28));
        }

        byte[] c = bytes(VhdxBuilder.dynamic(4 * MIB).knownRegionsRequired(false).corruptRegionTable1()
                .build(file("rc.vhdx")));
        assertNotEquals(crc(c, Layout.REGION_TABLE_1, 64 * KIB, 4), le(c, Layout.REGION_TABLE_1).getInt(4));
        assertEquals(crc(c, Layout.REGION_TABLE_2, 64 * KIB, 4), le(c, Layout.REGION_TABLE_2).getInt(4));
        assertEquals(0, le(c, Layout.REGION_TABLE_2 + 16).getInt(28), "Required left clear, as QEMU writes it");
    }

    // ------------------------------------------------------------ metadata (§2.6)

    @Test
    void metadataTableHoldsTheRequiredItems() throws IOException {
        UUID optional = UUID.randomUUID();
        VhdxBuilder b = VhdxBuilder.fixed(10 * MIB + 4096).blockSize(2 << 20).logicalSectorSize(4096)
                .physicalSectorSize(512).virtualDiskId(KNOWN).unknownMetadata(optional, false);
        BuiltImage img = b.build(file("m.vhdx"));
        byte[] f = bytes(img);
        Map<String, long[]> items = metadataItems(f, img.layout().metadataOffset());
        long md = img.layout().metadataOffset();
        long[] fp = items.get(VhdxBuilder.FILE_PARAMETERS.toString());
        assertEquals(4, fp[2], "File Parameters: IsRequired only");
        assertEquals(2 * MIB, le(f, md + fp[0]).getInt(0));
        assertEquals(1, le(f, md + fp[0]).getInt(4), "LeaveBlocksAllocated for a fixed disk, no HasParent");
        long[] vs = items.get(VhdxBuilder.VIRTUAL_DISK_SIZE.toString());
        assertEquals(6, vs[2], "IsVirtualDisk | IsRequired");
        assertEquals(10 * MIB + 4096, le(f, md + vs[0]).getLong(0));
        assertEquals(KNOWN_BYTES, hex(f, md + items.get(VhdxBuilder.PAGE_83_DATA.toString())[0], 16));
        assertEquals(4096, le(f, md + items.get(VhdxBuilder.LOGICAL_SECTOR_SIZE.toString())[0]).getInt(0));
        assertEquals(512, le(f, md + items.get(VhdxBuilder.PHYSICAL_SECTOR_SIZE.toString())[0]).getInt(0));
        assertEquals(0, items.get(optional.toString())[2], "unknown optional item: no flags");
        for (long[] it : items.values()) {
            assertTrue(it[0] >= 64 * KIB && it[0] + it[1] <= MIB, "§2.6.1.2: item inside the region, after the table");
        }

        byte[] g = bytes(VhdxBuilder.dynamic(4 * MIB).omitMetadata(VhdxBuilder.PAGE_83_DATA)
                .metadataOverride(VhdxBuilder.FILE_PARAMETERS, new byte[] {0, 0, 0x30, 0, 0, 0, 0, 0})
                .unknownMetadata(optional, true).build(file("m2.vhdx")));
        Map<String, long[]> items2 = metadataItems(g, img.layout().metadataOffset());
        assertFalse(items2.containsKey(VhdxBuilder.PAGE_83_DATA.toString()));
        assertEquals(3 * MIB, le(g, md + items2.get(VhdxBuilder.FILE_PARAMETERS.toString())[0]).getInt(0));
        assertEquals(4, items2.get(optional.toString())[2], "IsRequired");
    }

    @Test
    void parentLocatorIsUtf16KeyValuePairs() throws IOException {
        VhdxBuilder parent = VhdxBuilder.dynamic(8 * MIB).dataWriteGuid(KNOWN);
        Map<String, String> extra = new LinkedHashMap<>();
        VhdxBuilder child = VhdxBuilder.differencing(8 * MIB).parent(parent, ".\\parent.vhdx");
        BuiltImage img = child.build(file("child.vhdx"));
        byte[] f = bytes(img);
        long md = img.layout().metadataOffset();
        long[] pl = metadataItems(f, md).get(VhdxBuilder.PARENT_LOCATOR.toString());
        assertEquals(4, pl[2], "Parent Locator: IsRequired");
        assertEquals(2, le(f, md + metadataItems(f, md).get(VhdxBuilder.FILE_PARAMETERS.toString())[0]).getInt(4),
                "HasParent");
        long at = md + pl[0];
        assertEquals("b7ef4ab09ed1814ab78925b8e9445913", hex(f, at, 16), "VHDX parent locator type");
        int count = le(f, at).getShort(18);
        for (int i = 0; i < count; i++) {
            ByteBuffer e = le(f, at + 20 + 12L * i);
            String key = new String(f, (int) (at + e.getInt(0)), e.getShort(8), StandardCharsets.UTF_16LE);
            String value = new String(f, (int) (at + e.getInt(4)), e.getShort(10), StandardCharsets.UTF_16LE);
            extra.put(key, value);
        }
        assertEquals(Map.of("parent_linkage", "{" + KNOWN + "}", "relative_path", ".\\parent.vhdx"), extra);
    }

    // ------------------------------------------------------------ BAT and sector bitmaps (§2.5)

    @Test
    void batInterleavesSectorBitmapEntriesInDynamicAndFixedDisks() throws IOException {
        VhdxBuilder b = VhdxBuilder.dynamic(5 * GIB).blockSize(1 << 20);
        b.write(4 * GIB, new byte[] {1});
        BuiltImage img = b.build(file("d.vhdx"));
        Layout l = img.layout();
        assertEquals(4096, l.chunkRatio());
        assertEquals(5120 + 1, l.batEntries(), "§2.5: payload blocks + floor((blocks - 1) / chunk ratio)");
        assertEquals(4097, l.payloadBatIndex(4096));
        assertEquals(4096, l.bitmapBatIndex(0));
        try (var ch = Files.newByteChannel(img.path())) {
            assertEquals(6 | l.blockOffset(4096), batEntry(ch, l, 4097));
            assertEquals(0, batEntry(ch, l, 4096), "no sector bitmap block in a dynamic disk");
            assertEquals(0, batEntry(ch, l, 4095));
        }

        VhdxBuilder fx = VhdxBuilder.fixed(4 * GIB + 2 * MIB).blockSize(1 << 20);
        BuiltImage fi = fx.build(file("f.vhdx"));
        try (var ch = Files.newByteChannel(fi.path())) {
            long previous = 0;
            for (long blk = 0; blk < fi.layout().payloadBlocks(); blk++) {
                long e = batEntry(ch, fi.layout(), fi.layout().payloadBatIndex(blk));
                assertEquals(6, e & 7, "fixed: every block FULLY_PRESENT");
                assertTrue((e & ~0xFFFFFL) > previous);
                previous = e & ~0xFFFFFL;
            }
            assertEquals(0, batEntry(ch, fi.layout(), 4096), "the interleaved bitmap entry of a fixed disk");
        }

        VhdxBuilder raw = VhdxBuilder.dynamic(8 * MIB).blockSize(1 << 20);
        raw.write(0, new byte[] {1});
        Layout rl = raw.layout();
        long value = (6 | rl.blockOffset(0)) | (1L << 3);
        BuiltImage ri = raw.batEntryOverride(0, value).build(file("reserved.vhdx"));
        try (var ch = Files.newByteChannel(ri.path())) {
            assertEquals(value, batEntry(ch, ri.layout(), 0), "reserved bit 3 set by the override");
        }
    }

    @Test
    void differencingDiskHasASectorBitmapBlockPerChunkWithLsbFirstBits() throws IOException {
        VhdxBuilder b = VhdxBuilder.differencing(8 * GIB + MIB).blockSize(1 << 20).parentLocator(Map.of("x", "y"));
        b.write(3 * 512, new byte[512]); // sector 3
        b.write(9 * 512 + 100, new byte[600]); // sectors 9 and 10
        b.write(4 * GIB + 512, new byte[1]); // chunk 1, sector 1 of its first block
        BuiltImage img = b.build(file("diff.vhdx"));
        Layout l = img.layout();
        assertEquals(3 * (4096 + 1), l.batEntries(), "§2.5: differencing BAT = bitmap blocks * (chunk ratio + 1)");
        try (var ch = Files.newByteChannel(img.path())) {
            for (long c = 0; c < 3; c++) {
                long e = batEntry(ch, l, l.bitmapBatIndex(c));
                assertEquals(VhdxBuilder.SB_BLOCK_PRESENT, e & 7);
                assertEquals(l.bitmapBlockOffset(c), e & ~0xFFFFFL);
            }
            assertEquals(7, batEntry(ch, l, 0) & 7, "PARTIALLY_PRESENT");
            assertEquals(7, batEntry(ch, l, l.payloadBatIndex(4096)) & 7);
            assertEquals("080600", hex(read(ch, l.bitmapBlockOffset(0), 3), 0, 3), "bits 3, 9, 10");
            assertEquals("02", hex(read(ch, l.bitmapBlockOffset(1), 1), 0, 1), "bit 1 of chunk 1");
            assertEquals(l.bitmapBlockOffset(1), l.bitmapByteOffset(4 * GIB + 512));
        }

        VhdxBuilder full = VhdxBuilder.differencing(4 * MIB).blockSize(1 << 20).logicalSectorSize(4096)
                .parentLocator(Map.of("x", "y")).fullyPresentWrites(true);
        full.write(0, new byte[] {1});
        BuiltImage fi = full.build(file("full.vhdx"));
        assertEquals(32768, fi.layout().chunkRatio(), "2^23 * 4096 / 1 MiB");
        try (var ch = Files.newByteChannel(fi.path())) {
            assertEquals(6, batEntry(ch, fi.layout(), 0) & 7);
            assertEquals("00", hex(read(ch, fi.layout().bitmapBlockOffset(0), 1), 0, 1),
                    "FULLY_PRESENT leaves the bitmap bits clear: a reader must not look at them");
        }
    }

    // ------------------------------------------------------------ the log (§2.3)

    @Test
    void logEntriesAreWellFormed() throws IOException {
        long firstSeq = 0x1_0000_0005L; // SequenceHigh 1, SequenceLow 5
        UUID other = UUID.randomUUID();
        VhdxBuilder b = VhdxBuilder.dynamic(32 * MIB).blockSize(1 << 20);
        b.write(2 * MIB, VhdxBuilder.pattern(4096, 1));
        b.write(5 * MIB, VhdxBuilder.pattern(4096, 2));
        LogBuilder log = b.log().guid(KNOWN).firstSequenceNumber(firstSeq);
        log.entry().bat(2).payload(2 * MIB, 4096).zero(b.layout().fileOffset(2 * MIB) + 8192, 8192);
        log.entry().bat(5);
        log.tornEntry().bat(5);
        log.foreignEntry(other).payload(5 * MIB, 10);
        log.staleEntry().bat(2);
        log.staleEntry();
        BuiltImage img = b.build(file("log.vhdx"));
        byte[] f = bytes(img);
        assertEquals(KNOWN_BYTES, hex(f, Layout.HEADER_1 + 48, 16), "header LogGuid");
        List<BuiltImage.LogEntryInfo> es = img.logEntries();
        assertEquals(6, es.size());
        for (BuiltImage.LogEntryInfo e : es) {
            long at = e.fileOffset();
            assertEquals("loge", ascii(f, at, 4));
            assertEquals(e.length(), le(f, at).getInt(8), "EntryLength");
            assertEquals(0, e.length() % 4096);
            assertEquals(e.tail(), le(f, at).getInt(12), "Tail");
            assertEquals(e.sequenceNumber(), le(f, at).getLong(16));
            assertEquals(img.layout().writtenFileSize(), le(f, at).getLong(48), "FlushedFileOffset");
            assertEquals(img.layout().fileSize(), le(f, at).getLong(56), "LastFileOffset");
            int stored = le(f, at).getInt(4);
            boolean torn = e == es.get(2);
            assertEquals(!torn, stored == crc(f, at, e.length(), 4), "entry CRC-32C over EntryLength");
        }
        assertEquals(List.of(true, true, false, false, false, false),
                es.stream().map(BuiltImage.LogEntryInfo::replayed).toList());
        assertEquals(List.of(firstSeq, firstSeq + 1, firstSeq + 2, firstSeq + 2, firstSeq - 100, firstSeq - 99),
                es.stream().map(BuiltImage.LogEntryInfo::sequenceNumber).toList());
        assertEquals(List.of(0L, 0L, 0L, 0L, es.get(4).logOffset(), es.get(4).logOffset()),
                es.stream().map(BuiltImage.LogEntryInfo::tail).toList());
        assertEquals(HexFormat.of().formatHex(Bin.guid(other)), hex(f, es.get(3).fileOffset() + 32, 16));

        // entry 0: data descriptors for the BAT sector and the payload sector, then a zero descriptor
        long e0 = es.get(0).fileOffset();
        assertEquals(3, le(f, e0).getInt(24), "DescriptorCount");
        assertEquals(4096 + 2 * 4096, es.get(0).length(), "one 4 KiB of header and descriptors, two data sectors");
        long batPage = img.layout().batOffset();
        assertEquals("desc", ascii(f, e0 + 64, 4));
        assertEquals(batPage, le(f, e0 + 64).getLong(16), "FileOffset");
        assertEquals(firstSeq, le(f, e0 + 64).getLong(24), "descriptor SequenceNumber");
        long ds = e0 + 4096;
        assertEquals("data", ascii(f, ds, 4));
        assertEquals(1, le(f, ds).getInt(4), "SequenceHigh");
        assertEquals(5, le(f, ds).getInt(4092), "SequenceLow");
        byte[] page = new byte[4096];
        System.arraycopy(f, (int) e0 + 64 + 8, page, 0, 8); // LeadingBytes
        System.arraycopy(f, (int) ds + 8, page, 8, 4084);
        System.arraycopy(f, (int) e0 + 64 + 4, page, 4092, 4); // TrailingBytes
        long entry2 = ByteBuffer.wrap(page).order(ByteOrder.LITTLE_ENDIAN).getLong(8 * 2);
        assertEquals(6 | img.layout().blockOffset(2), entry2, "the log's BAT sector makes block 2 FULLY_PRESENT");
        assertEquals(0, le(f, batPage).getLong(8 * 2), "while the BAT on disk still says NOT_PRESENT");
        assertEquals("zero", ascii(f, e0 + 128, 4));
        assertEquals(8192, le(f, e0 + 128).getLong(8), "ZeroLength");
        assertEquals(img.layout().fileOffset(2 * MIB) + 8192, le(f, e0 + 128).getLong(16));
        assertEquals(firstSeq, le(f, e0 + 128).getLong(24));
        assertEquals("STALE-SECTOR-", ascii(f, img.layout().fileOffset(2 * MIB), 13), "payload before replay");
    }

    @Test
    void aSequenceWrapsRoundTheEndOfTheLog() throws IOException {
        VhdxBuilder b = VhdxBuilder.dynamic(16 * MIB).blockSize(1 << 20);
        LogBuilder log = b.log().startAt(MIB - 12 * KIB);
        for (int i = 1; i <= 3; i++) {
            b.write(i * MIB, VhdxBuilder.pattern(4096, i));
            log.entry().bat(i).payload(i * MIB, 4096); // 12 KiB each
        }
        BuiltImage img = b.build(file("wrap.vhdx"));
        List<BuiltImage.LogEntryInfo> es = img.logEntries();
        assertEquals(List.of(MIB - 12L * KIB, 0L, 12L * KIB),
                es.stream().map(BuiltImage.LogEntryInfo::logOffset).toList());
        assertTrue(es.stream().allMatch(e -> e.tail() == MIB - 12 * KIB), "Tail = the sequence's first entry");
        assertEquals(-1, b.expected().firstMismatch(new MiniReader(img.path(), es, null)));
    }

    // ------------------------------------------------------------ read back with the log replayed

    @Test
    void aDirtyDynamicImageReadsAsExpectedOnlyAfterReplay() throws IOException {
        VhdxBuilder b = VhdxBuilder.dynamic(48 * MIB + 512).blockSize(1 << 20);
        b.write(MIB - 10, VhdxBuilder.pattern(3 * 4096, 1)); // blocks 0 and 1
        b.write(7 * MIB, VhdxBuilder.pattern(5000, 2));
        b.write(40 * MIB, VhdxBuilder.pattern(70000, 3));
        b.log().entry().bat(0).bat(1).payload(MIB - 10, 3 * 4096)
                .and().entry().bat(7).rewritePayload(7 * MIB + 4096, VhdxBuilder.pattern(4096, 9))
                .and().entry().appendBlock(40)
                .and().tornEntry().bat(7).payload(7 * MIB, 4096)
                .and().foreignEntry(UUID.randomUUID()).bat(0);
        BuiltImage img = b.build(file("dirty.vhdx"));
        ExpectedDisk want = b.expected();
        List<BuiltImage.LogEntryInfo> replayed = img.logEntries().stream().filter(BuiltImage.LogEntryInfo::replayed)
                .toList();
        assertEquals(3, replayed.size());

        MiniReader after = new MiniReader(img.path(), replayed, null);
        assertEquals(-1, want.firstMismatch(after));
        assertEquals(img.layout().fileSize(), after.fileLength(), "the replayed file grows to LastFileOffset");
        assertEquals(img.layout().writtenFileSize(), Files.size(img.path()));
        assertTrue(img.layout().writtenFileSize() <= img.layout().blockOffset(40));
        assertEquals(VhdxBuilder.pattern(4096, 9)[0], want.read(7 * MIB + 4096, 1)[0]);

        MiniReader before = new MiniReader(img.path(), List.of(), null);
        assertEquals(0, before.batEntry(0), "before replay the BAT says NOT_PRESENT");
        assertNotEquals(-1, want.firstMismatch(before), "a reader that ignores the log reads other bytes");
        MiniReader all = new MiniReader(img.path(), img.logEntries(), null);
        assertNotEquals(-1, want.firstMismatch(all), "a reader that replays torn and foreign entries too");
    }

    @Test
    void differencingChainWith4KSectorsAndALogReadsAsExpected() throws IOException {
        long size = 24 * MIB;
        VhdxBuilder parent = VhdxBuilder.dynamic(size).blockSize(1 << 20).logicalSectorSize(4096);
        parent.write(0, VhdxBuilder.pattern(12 * MIB, 1)); // blocks 0..11 full of parent data
        ExpectedDisk parentWant = parent.expected();

        VhdxBuilder child = VhdxBuilder.differencing(size).blockSize(1 << 20).logicalSectorSize(4096)
                .parent(parent, ".\\parent.vhdx");
        child.write(4096 + 100, VhdxBuilder.pattern(50, 2)); // block 0: one sector of child data, rest parent
        child.write(2 * MIB + 3 * 4096, VhdxBuilder.pattern(4096, 3)); // block 2, carried by the log
        child.blockState(3, VhdxBuilder.PAYLOAD_BLOCK_ZERO); // zeros, not the parent
        child.blockState(4, VhdxBuilder.PAYLOAD_BLOCK_FULLY_PRESENT); // zeros from the child file
        child.blockState(5, VhdxBuilder.PAYLOAD_BLOCK_PARTIALLY_PRESENT); // bits clear: all parent
        child.write(6 * MIB, VhdxBuilder.pattern(4096, 4)).blockState(6, VhdxBuilder.PAYLOAD_BLOCK_UNMAPPED);
        child.log().entry().bat(2).sectorBitmap(2).payload(2 * MIB + 3 * 4096, 4096);
        BuiltImage img = child.build(file("child.vhdx"));

        ExpectedDisk want = child.expected(parentWant);
        assertArrayEquals(parentWant.read(0, 4096), want.read(0, 4096), "sector 0 of block 0 comes from the parent");
        assertArrayEquals(VhdxBuilder.pattern(50, 2), want.read(4096 + 100, 50));
        assertArrayEquals(new byte[100], want.read(4096, 100), "the rest of the child's sector is its own zeros");
        assertArrayEquals(new byte[4096], want.read(3 * MIB, 4096));
        assertArrayEquals(new byte[4096], want.read(4 * MIB, 4096));
        assertArrayEquals(parentWant.read(5 * MIB, 4096), want.read(5 * MIB, 4096));
        assertEquals(List.of(new ExpectedDisk.Range(6 * MIB, MIB)), want.ambiguousRanges());

        List<BuiltImage.LogEntryInfo> replayed = img.logEntries();
        assertEquals(-1, want.firstMismatch(new MiniReader(img.path(), replayed, parentWant)));
        assertNotEquals(-1, want.firstMismatch(new MiniReader(img.path(), List.of(), parentWant)));
    }

    @Test
    void anInactiveLogIsNotReplayed() throws IOException {
        VhdxBuilder b = VhdxBuilder.dynamic(8 * MIB).blockSize(1 << 20);
        b.write(MIB, VhdxBuilder.pattern(4096, 1));
        b.log().notReferencedByHeader().entry().bat(1).payload(MIB, 4096);
        BuiltImage img = b.build(file("leftover.vhdx"));
        assertEquals(new UUID(0, 0), img.logGuid());
        assertFalse(img.logEntries().get(0).replayed());
        assertEquals(-1, b.expected().firstMismatch(new MiniReader(img.path(), List.of(), null)));
    }

    @Test
    void misuseIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> VhdxBuilder.dynamic(MIB).blockSize(3 << 20));
        assertThrows(IllegalArgumentException.class, () -> VhdxBuilder.dynamic(MIB).logicalSectorSize(1024));
        assertThrows(IllegalArgumentException.class, () -> VhdxBuilder.dynamic(MIB).write(MIB - 1, new byte[2]));
        assertThrows(IllegalStateException.class, () -> VhdxBuilder.differencing(MIB).build(file("p.vhdx")));
        assertThrows(IllegalStateException.class, () -> VhdxBuilder.differencing(MIB).expected());
        VhdxBuilder unwritten = VhdxBuilder.dynamic(8 * MIB);
        unwritten.log().entry().payload(0, 4096);
        assertThrows(IllegalStateException.class, () -> unwritten.build(file("u.vhdx")));
    }

    // ------------------------------------------------------------ ExpectedDisk

    @Test
    void expectedDiskIsSparse() throws IOException {
        VhdxBuilder b = VhdxBuilder.dynamic(8 * GIB).blockSize(1 << 20);
        b.write(8 * GIB - 3, new byte[] {7, 8, 9});
        ExpectedDisk want = b.expected();
        assertArrayEquals(new byte[] {0, 7, 8, 9}, want.read(8 * GIB - 4, 4));
        assertEquals(Map.of(8 * GIB - 3, 3L), want.dataRanges());
        ExpectedDisk.Source zeros = (off, dst) -> {
            int n = (int) Math.min(dst.remaining(), 8 * GIB - off);
            dst.put(new byte[n]);
            return n;
        };
        assertEquals(-1, want.firstMismatch(zeros, 0, 64 * MIB));
        assertEquals(8 * GIB - 3, want.firstMismatch(zeros, 8 * GIB - 64 * MIB, 64 * MIB));
        Path raw = dir.resolve("e.raw");
        want.writeRaw(raw);
        assertEquals(8 * GIB, Files.size(raw));
    }

    // ------------------------------------------------------------ helpers

    private Path file(String name) {
        return dir.resolve(name);
    }

    private static byte[] bytes(BuiltImage img) throws IOException {
        // the structures tested here all lie in the first few MiB; do not load sparse gigabytes
        try (var ch = Files.newByteChannel(img.path())) {
            return read(ch, 0, (int) Math.min(ch.size(), 16 * MIB));
        }
    }

    private static byte[] read(java.nio.channels.SeekableByteChannel ch, long offset, int length) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(length);
        ch.position(offset);
        while (b.hasRemaining() && ch.read(b) > 0) {
            // keep reading
        }
        return b.array();
    }

    private static long batEntry(java.nio.channels.SeekableByteChannel ch, Layout l, long index) throws IOException {
        return ByteBuffer.wrap(read(ch, l.batEntryOffset(index), 8)).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    /** CRC-32C over [offset, +length) with the 4-byte checksum field at offset + checksumAt taken as zero. */
    private static int crc(byte[] f, long offset, long length, int checksumAt) {
        byte[] copy = Arrays.copyOfRange(f, (int) offset, (int) (offset + length));
        Arrays.fill(copy, checksumAt, checksumAt + 4, (byte) 0);
        CRC32C c = new CRC32C();
        c.update(copy);
        return (int) c.getValue();
    }

    private static ByteBuffer le(byte[] f, long offset) {
        return ByteBuffer.wrap(f, (int) offset, f.length - (int) offset).slice().order(ByteOrder.LITTLE_ENDIAN);
    }

    private static String ascii(byte[] f, long offset, int length) {
        return new String(f, (int) offset, length, StandardCharsets.US_ASCII);
    }

    private static String hex(byte[] f, long offset, int length) {
        return HexFormat.of().formatHex(f, (int) offset, (int) offset + length);
    }

    private static byte[] slice(byte[] f, long offset, int length) {
        return Arrays.copyOfRange(f, (int) offset, (int) offset + length);
    }

    /** Item GUID (as UUID string) to {offset, length, flags} from the §2.6.1 metadata table. */
    private static Map<String, long[]> metadataItems(byte[] f, long md) {
        assertEquals("metadata", ascii(f, md, 8));
        Map<String, long[]> items = new LinkedHashMap<>();
        int count = le(f, md).getShort(10);
        for (int i = 0; i < count; i++) {
            long e = md + 32 + 32L * i;
            ByteBuffer g = le(f, e);
            UUID id = new UUID(((g.getInt(0) & 0xFFFFFFFFL) << 32) | ((g.getShort(4) & 0xFFFFL) << 16)
                    | (g.getShort(6) & 0xFFFFL), ByteBuffer.wrap(f, (int) e + 8, 8).getLong());
            items.put(id.toString(), new long[] {g.getInt(16) & 0xFFFFFFFFL, g.getInt(20), g.getInt(24)});
        }
        return items;
    }
}
