package dev.vhdxmount.vhdx.check;

import static dev.vhdxmount.vhdx.testkit.Sizes.MIB;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vhdxmount.vhdx.OpenOptions;
import dev.vhdxmount.vhdx.error.VhdxFormatException;
import dev.vhdxmount.vhdx.testkit.BuiltImage;
import dev.vhdxmount.vhdx.testkit.Hashes;
import dev.vhdxmount.vhdx.testkit.ImagePatcher;
import dev.vhdxmount.vhdx.testkit.Layout;
import dev.vhdxmount.vhdx.testkit.VhdxBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One crafted image per finding: a sound image from the test kit's builder, broken in one place (by the builder's
 * own knobs or {@link ImagePatcher}, with places from the builder's {@link Layout}); the check must report that
 * finding, with its severity, and nothing worse. Sound images of every type come out with no finding at all.
 */
class ImageCheckTest {
    @TempDir
    Path tmp;

    /** A dynamic 16 MiB disk of 1 MiB blocks with data in blocks 0, 1 and 5. */
    private static VhdxBuilder dynamic() {
        VhdxBuilder b = VhdxBuilder.dynamic(16L * MIB).blockSize(MIB);
        b.write(0, VhdxBuilder.pattern(2 * MIB, 1));
        b.write(5L * MIB + 4096, VhdxBuilder.pattern(4096, 2));
        return b;
    }

    private BuiltImage build(VhdxBuilder b, String name) throws Exception {
        return b.build(tmp.resolve(name));
    }

    private static CheckReport check(Path image) throws Exception {
        return ImageCheck.run(image, OpenOptions.DEFAULTS, Progress.NONE);
    }

    private static String show(CheckReport r) {
        return r.findings().stream().map(f -> f.severity() + " " + f.kind().id() + ": " + f.message())
                .collect(Collectors.joining("\n"));
    }

    /** The report has a finding of {@code kind} with {@code severity} whose message holds {@code text}, none worse. */
    private static Finding assertFinding(CheckReport r, Kind kind, Severity severity, String text) {
        List<Finding> found = r.findings().stream().filter(f -> f.kind() == kind && f.severity() == severity
                && f.message().contains(text)).toList();
        assertEquals(1, found.size(), "one " + severity + " " + kind.id() + " with '" + text + "' in:\n" + show(r));
        assertEquals(severity, r.worst().orElseThrow(), "nothing worse than the finding:\n" + show(r));
        return found.get(0);
    }

    @Test
    void soundImagesOfEveryTypeAreClean() throws Exception {
        assertEquals(List.of(), check(build(dynamic(), "dynamic.vhdx").path()).findings());
        VhdxBuilder fixed = VhdxBuilder.fixed(8L * MIB).blockSize(MIB);
        fixed.write(MIB, VhdxBuilder.pattern(4096, 3));
        assertEquals(List.of(), check(build(fixed, "fixed.vhdx").path()).findings());
        VhdxBuilder fourK = VhdxBuilder.dynamic(64L * MIB).logicalSectorSize(4096).blockSize(2 * MIB);
        fourK.write(10L * MIB, VhdxBuilder.pattern(8192, 4));
        assertEquals(List.of(), check(build(fourK, "4k.vhdx").path()).findings());
        Path child = chain(false).path();
        CheckReport r = check(child);
        assertEquals(List.of(), r.findings(), show(r));
        assertTrue(r.bytesRead() >= 2 * MIB, "both files' structures and the child's sector bitmap were read");
    }

    /** A base and a differencing child, in one folder; with {@code otherLinkage}, the child names another parent. */
    private BuiltImage chain(boolean otherLinkage) throws Exception {
        VhdxBuilder base = VhdxBuilder.dynamic(16L * MIB).blockSize(MIB);
        base.write(0, VhdxBuilder.pattern(3 * MIB, 5));
        build(base, "base.vhdx");
        VhdxBuilder child = VhdxBuilder.differencing(16L * MIB).blockSize(MIB).parent(base, ".\\base.vhdx");
        child.write(MIB + 512, VhdxBuilder.pattern(1024, 6));
        if (otherLinkage) {
            child.parentLocator(java.util.Map.of("parent_linkage", "{" + UUID.randomUUID() + "}",
                    "relative_path", ".\\base.vhdx"));
        }
        return build(child, "child.avhdx");
    }

    @Test
    void neverWritesTheImage() throws Exception {
        Path image = build(dynamic().log().entry().bat(1).payload(MIB, 4096).done(), "dirty.vhdx").path();
        String before = Hashes.sha256(image);
        long modified = Files.getLastModifiedTime(image).toMillis();
        check(image);
        assertEquals(before, Hashes.sha256(image));
        assertEquals(modified, Files.getLastModifiedTime(image).toMillis());
    }

    @Test
    void headerCopyInvalid() throws Exception {
        Finding f = assertFinding(check(build(dynamic().corruptHeader1Checksum(), "h.vhdx").path()),
                Kind.HEADER_INVALID, Severity.WARNING, "CRC-32C mismatch");
        assertEquals(Layout.HEADER_1, f.fileOffset());
        assertEquals("header 1", f.structure());
    }

    @Test
    void headerCopyStale() throws Exception {
        Finding f = assertFinding(check(build(dynamic().headerSequenceNumbers(3, 9), "h.vhdx").path()),
                Kind.HEADER_STALE, Severity.WARNING, "found 3");
        assertEquals(Layout.HEADER_1, f.fileOffset());
        assertTrue(f.expected().contains("SequenceNumber 8 or 9"), f.expected());
    }

    @Test
    void headerCopiesDisagreeOnTheLog() throws Exception {
        Path image = build(dynamic(), "h.vhdx").path();
        try (ImagePatcher p = new ImagePatcher(image)) {
            p.header(1, b -> b.putInt(68, 2 * MIB)); // the older copy: LogLength 2 MiB
        }
        assertFinding(check(image), Kind.HEADERS_DIFFER, Severity.WARNING, "LogLength 0x200000");
    }

    @Test
    void regionTableCopyInvalid() throws Exception {
        Finding f = assertFinding(check(build(dynamic().corruptRegionTable1(), "r.vhdx").path()),
                Kind.REGION_TABLE_INVALID, Severity.WARNING, "CRC-32C mismatch");
        assertEquals(Layout.REGION_TABLE_1, f.fileOffset());
    }

    @Test
    void regionTableCopiesDiffer() throws Exception {
        Path image = build(dynamic(), "r.vhdx").path();
        try (ImagePatcher p = new ImagePatcher(image)) {
            p.regionTable(2, b -> b.putInt(16 + 28, b.getInt(16 + 28) ^ 1)); // entry 0's Required flag
        }
        assertFinding(check(image), Kind.REGION_TABLES_DIFFER, Severity.ERROR, "region table 2");
    }

    @Test
    void dirtyLogSaysWhatReplayChanges() throws Exception {
        VhdxBuilder b = dynamic();
        b.log().entry().bat(1).payload(MIB, 4096);
        Finding f = assertFinding(check(build(b, "dirty.vhdx").path()), Kind.LOG_DIRTY, Severity.WARNING,
                "1 entries to replay");
        assertTrue(f.found().contains("BAT region: ") && f.found().contains("block data: "), f.found());
        assertEquals(MIB, f.fileOffset(), "where the log is");
    }

    @Test
    void aLogThatGrowsTheFileWithoutBoundIsCheckedInBoundedTime() throws Exception {
        VhdxBuilder b = dynamic();
        long far = 1L << 50; // 1 PiB: zeros the log writes there, and the file it says it grows to
        b.log().entry().bat(1).payload(MIB, 4096).zero(far, 1L << 40).lastFileOffset(far + (1L << 40));
        Path image = build(b, "grown.vhdx").path();
        CheckReport r = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(60),
                () -> check(image));
        Finding f = assertFinding(r, Kind.LOG_DIRTY, Severity.WARNING, "the file grows from ");
        assertTrue(f.found().contains("past the file's end: 0 of " + (1L << 40) + " bytes changed"), f.found());
        assertTrue(r.findings().stream().anyMatch(n -> n.severity() == Severity.NOTE
                && n.found().startsWith("not read: the check maps the first")), show(r));
    }

    @Test
    void zeroGuids() throws Exception {
        VhdxBuilder b = dynamic().dataWriteGuid(new UUID(0, 0)).virtualDiskId(new UUID(0, 0));
        CheckReport r = check(build(b, "g.vhdx").path());
        assertFinding(r, Kind.ZERO_GUID, Severity.WARNING, "header 2 DataWriteGuid at 0x20020");
        assertFinding(r, Kind.ZERO_GUID, Severity.WARNING, "Page 83 Data (VirtualDiskId) at 0x");
    }

    @Test
    void batEntryWithAReservedState() throws Exception {
        VhdxBuilder b = dynamic();
        Layout l = b.layout();
        b.batEntryOverride(l.payloadBatIndex(3), 4);
        Path image = build(b, "bat.vhdx").path();
        // the open refuses the image at that entry; the check lists it and goes on
        assertThrows(VhdxFormatException.class, () -> dev.vhdxmount.vhdx.VhdxImage.open(image).close());
        Finding f = assertFinding(check(image), Kind.BAT_ENTRY_INVALID, Severity.ERROR, "reserved state 4");
        assertEquals(l.batEntryOffset(l.payloadBatIndex(3)), f.fileOffset());
    }

    @Test
    void partiallyPresentBlockInADynamicDisk() throws Exception {
        VhdxBuilder b = dynamic().blockState(5, VhdxBuilder.PAYLOAD_BLOCK_PARTIALLY_PRESENT);
        assertFinding(check(build(b, "s.vhdx").path()), Kind.BLOCK_STATE_FORBIDDEN, Severity.ERROR,
                "payload block 5");
    }

    @Test
    void blockOverTheMetadataRegion() throws Exception {
        VhdxBuilder b = dynamic();
        Layout l = b.layout();
        b.batEntryOverride(l.payloadBatIndex(5), l.metadataOffset() | 6);
        assertFinding(check(build(b, "o.vhdx").path()), Kind.BLOCK_OVERLAPS_STRUCTURE, Severity.ERROR,
                "over the metadata region");
    }

    @Test
    void twoBlocksShareFileSpace() throws Exception {
        VhdxBuilder b = dynamic();
        Layout l = b.layout();
        b.batEntryOverride(l.payloadBatIndex(5), l.blockOffset(0) | 6);
        Finding f = assertFinding(check(build(b, "o.vhdx").path()), Kind.BLOCKS_OVERLAP, Severity.ERROR,
                "with BAT entry 0 (payload block 0)");
        assertEquals("BAT entry 5 (payload block 5)", f.structure());
    }

    @Test
    void truncatedFile() throws Exception {
        BuiltImage img = build(dynamic(), "t.vhdx");
        try (ImagePatcher p = new ImagePatcher(img.path())) {
            p.truncate(img.layout().blockOffset(5) + 4096);
        }
        Finding f = assertFinding(check(img.path()), Kind.PAST_END, Severity.ERROR, "payload block 5");
        assertEquals(img.layout().batEntryOffset(img.layout().payloadBatIndex(5)), f.fileOffset());
    }

    @Test
    void manyFindingsOfAKindAreCounted() throws Exception {
        VhdxBuilder b = VhdxBuilder.dynamic(64L * MIB).blockSize(MIB);
        b.write(0, VhdxBuilder.pattern(40 * MIB, 7));
        BuiltImage img = build(b, "t.vhdx");
        try (ImagePatcher p = new ImagePatcher(img.path())) {
            p.truncate(img.layout().blockOffset(10));
        }
        CheckReport r = check(img.path());
        assertEquals(Findings.LISTED, r.findings().stream().filter(f -> f.kind() == Kind.PAST_END).count(), show(r));
        assertFinding(r, Kind.MORE_FINDINGS, Severity.ERROR, "10 more past-end findings (30 in all");
        assertEquals(30, r.count(Severity.ERROR), "the counted ones count");
    }

    @Test
    void sectorBitmapBitsForABlockNotPresent() throws Exception {
        BuiltImage child = chain(false);
        try (ImagePatcher p = new ImagePatcher(child.path())) { // block 4 (not present): its first 4 sectors
            p.edit(child.layout().bitmapByteOffset(4L * MIB), 1, false, buf -> buf.put(0, (byte) 0x0f));
        }
        Finding f = assertFinding(check(child.path()), Kind.SECTOR_BITMAP_INCONSISTENT, Severity.WARNING,
                "no bit set for a NOT_PRESENT block");
        assertTrue(f.found().startsWith("4 of 2048"), f.found());
    }

    @Test
    void partiallyPresentBlockWithoutItsSectorBitmap() throws Exception {
        VhdxBuilder base = VhdxBuilder.dynamic(16L * MIB).blockSize(MIB);
        build(base, "base.vhdx");
        VhdxBuilder child = VhdxBuilder.differencing(16L * MIB).blockSize(MIB).parent(base, ".\\base.vhdx");
        child.write(MIB + 512, VhdxBuilder.pattern(1024, 6));
        child.batEntryOverride(child.layout().bitmapBatIndex(0), 0);
        CheckReport r = check(build(child, "child.avhdx").path());
        assertFinding(r, Kind.SECTOR_BITMAP_INCONSISTENT, Severity.ERROR, "a sector bitmap for chunk 0");
    }

    @Test
    void dataNothingRefersTo() throws Exception {
        VhdxBuilder b = dynamic();
        Layout l = b.layout();
        b.batEntryOverride(l.payloadBatIndex(1), 0); // block 1's data stays in the file, no longer referred to
        BuiltImage img = build(b, "u.vhdx");
        Finding f = assertFinding(check(img.path()), Kind.UNREFERENCED_DATA, Severity.WARNING,
                MIB + " non-zero bytes");
        assertEquals(l.blockOffset(1), f.fileOffset());
    }

    @Test
    void dataInTheHeaderSectionsReservedSpace() throws Exception {
        Path image = build(dynamic(), "u.vhdx").path();
        try (ImagePatcher p = new ImagePatcher(image)) {
            p.putLong(Layout.HEADER_2 + 3 * 4096, 0x4142434445464748L);
        }
        Finding f = assertFinding(check(image), Kind.UNREFERENCED_DATA, Severity.WARNING,
                "8 non-zero bytes between 0x23000 and 0x23007");
        assertTrue(f.structure().startsWith("reserved space of the header section"), f.structure());
    }

    @Test
    void trailingData() throws Exception {
        BuiltImage img = build(dynamic(), "t.vhdx");
        long end = Files.size(img.path());
        try (ImagePatcher p = new ImagePatcher(img.path())) {
            p.edit(end, 4096, false, buf -> buf.put(100, (byte) 1));
        }
        Finding f = assertFinding(check(img.path()), Kind.TRAILING_DATA, Severity.WARNING,
                "4096 bytes, 1 of them non-zero");
        assertEquals(end, f.fileOffset());
    }

    @Test
    void parentWhoseLinkageDisagrees() throws Exception {
        Path child = chain(true).path();
        Finding f = assertFinding(check(child), Kind.PARENT_CHAIN, Severity.ERROR, "is not the child's parent_linkage");
        assertEquals(child, f.file());
    }

    @Test
    void missingParent() throws Exception {
        Path child = chain(false).path();
        Files.delete(tmp.resolve("base.vhdx"));
        assertFinding(check(child), Kind.PARENT_CHAIN, Severity.ERROR, "no such file");
    }

    @Test
    void theParentsFindingsAreReportedAsItsOwn() throws Exception {
        Path child = chain(false).path();
        try (ImagePatcher p = new ImagePatcher(tmp.resolve("base.vhdx"))) {
            p.flipByte(Layout.HEADER_1 + 200);
        }
        Finding f = assertFinding(check(child), Kind.HEADER_INVALID, Severity.WARNING, "header 1");
        assertEquals(tmp.resolve("base.vhdx").toAbsolutePath().normalize(), f.file().toAbsolutePath().normalize());
    }

    @Test
    void whatCannotBeParsedFailsAsTheOpenDoes() throws Exception {
        Path image = build(dynamic(), "x.vhdx").path();
        try (ImagePatcher p = new ImagePatcher(image)) {
            p.flipByte(Layout.HEADER_1 + 100).flipByte(Layout.HEADER_2 + 100);
        }
        assertThrows(VhdxFormatException.class, () -> check(image));
    }

    @Test
    void stopsWhenCancelled() throws Exception {
        Path image = build(dynamic(), "c.vhdx").path();
        long[] seen = new long[2];
        Progress cancelling = new Progress() {
            @Override
            public void addTotal(long bytes) {
                seen[0] += bytes;
            }

            @Override
            public void advance(long bytes) {
                seen[1] += bytes;
            }

            @Override
            public boolean cancelled() {
                return seen[1] > 0;
            }
        };
        assertThrows(CancellationException.class, () -> ImageCheck.run(image, OpenOptions.DEFAULTS, cancelling));
        assertTrue(seen[0] > 0 && seen[1] > 0, "progress was reported before the stop");
    }
}
