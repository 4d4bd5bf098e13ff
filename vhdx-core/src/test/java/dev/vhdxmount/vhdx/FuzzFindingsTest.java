package dev.vhdxmount.vhdx;

import static dev.vhdxmount.vhdx.testkit.Sizes.MIB;

import dev.vhdxmount.vhdx.error.VhdxFormatException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vhdxmount.vhdx.format.Guids;
import dev.vhdxmount.vhdx.testkit.BuiltImage;
import dev.vhdxmount.vhdx.testkit.ImagePatcher;
import dev.vhdxmount.vhdx.testkit.VhdxBuilder;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the fuzzer found (see {@code fuzz.FuzzRegressionTest} for the inputs as found), each rebuilt here as the
 * smallest image that shows it: the reader must refuse with VhdxFormatException, never throw anything else.
 */
class FuzzFindingsTest {

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
        try (VirtualDisk disk = VhdxImage.open(file)) {
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
        try (VirtualDisk disk = VhdxImage.open(file, OpenOptions.DEFAULTS.withAllowTruncated(true))) {
            VhdxFormatException.Truncated e = assertThrows(VhdxFormatException.Truncated.class,
                    () -> disk.read(MIB, ByteBuffer.allocate(4096)));
            long bitOfTheRead = bitmap + MIB / 512 / 8; // the byte holding the bit of virtual offset 1 MiB
            assertTrue(e.getMessage().startsWith("sector bitmap at 0x" + Long.toHexString(bitOfTheRead))
                    && e.getMessage().contains("lies past the end of the file"), e.getMessage());
        }
    }

    /** A NUL in a locator path made Path.resolve throw InvalidPathException out of VhdxImage.open. */
    @Test
    void parentLocatorPathWithANulCharacter() throws Exception {
        VhdxBuilder base = VhdxBuilder.dynamic(8L * MIB).blockSize(MIB);
        base.build(tmp.resolve("base.vhdx"));
        VhdxBuilder bad = VhdxBuilder.differencing(8L * MIB).blockSize(MIB).parentLocator(Map.of(
                "parent_linkage", "{" + base.dataWriteGuid() + "}", "relative_path", ".\\base\0.vhdx"));
        Path badFile = bad.build(tmp.resolve("bad.vhdx")).path();
        VhdxFormatException.ParentNotFound e = assertThrows(VhdxFormatException.ParentNotFound.class,
                () -> VhdxImage.open(badFile).close());
        assertTrue(e.getMessage().contains("not a path here (Nul character not allowed"), e.getMessage());

        // a bad path among good ones is skipped: relative_path still finds the parent
        Map<String, String> locator = new LinkedHashMap<>();
        locator.put("parent_linkage", "{" + base.dataWriteGuid() + "}");
        locator.put("relative_path", "base.vhdx");
        locator.put("absolute_win32_path", "C:\\vms\\base.vhdx\0");
        Path good = VhdxBuilder.differencing(8L * MIB).blockSize(MIB).parentLocator(locator)
                .build(tmp.resolve("good.vhdx")).path();
        try (VirtualDisk disk = VhdxImage.open(good)) {
            assertTrue(VhdxImage.info(disk).orElseThrow().parent().isPresent());
        }
    }

    /** LogOffset + LogLength overflowed, passed the end-of-file check, and pread refused the offset (EINVAL). */
    @Test
    void logOffsetWhoseEndOverflows() throws Exception {
        VhdxBuilder b = VhdxBuilder.dynamic(8L * MIB).blockSize(MIB);
        b.write(MIB, VhdxBuilder.pattern(4096, 4));
        b.log().entry().bat(1).payload(MIB, 4096);
        Path file = b.build(tmp.resolve("dirty.vhdx")).path();
        try (ImagePatcher p = new ImagePatcher(file)) {
            p.bothHeaders(h -> h.putLong(72, 0x7ffffffffff00000L)); // LogOffset; LogLength stays 1 MiB
        }
        VhdxFormatException.Truncated e = assertThrows(VhdxFormatException.Truncated.class,
                () -> VhdxImage.open(file).close());
        assertTrue(e.getMessage().contains("log at 0x7ffffffffff00000")
                && e.getMessage().contains("the log ends past the end of the file"), e.getMessage());
    }

    /** A region at the last MiB a signed offset names: its end overflowed, passed every check, and was read. */
    @Test
    void regionWhoseEndOverflows() throws Exception {
        VhdxBuilder b = VhdxBuilder.dynamic(1L << 40).blockSize(MIB); // an 8 MiB BAT
        b.write(0, VhdxBuilder.pattern(4096, 5));
        Path file = b.build(tmp.resolve("top.vhdx")).path();
        long bat = b.layout().batOffset();
        try (ImagePatcher p = new ImagePatcher(file)) {
            p.bothRegionTables(t -> {
                for (int i = 0; i < t.getInt(8); i++) {
                    if (t.getLong(16 + 32 * i + 16) == bat) {
                        t.putLong(16 + 32 * i + 16, 0x7ffffffffff00000L);
                    }
                }
            });
        }
        for (boolean salvage : new boolean[] {false, true}) {
            VhdxFormatException e = assertThrows(VhdxFormatException.class, () -> {
                try (VirtualDisk disk = VhdxImage.open(file, OpenOptions.DEFAULTS.withAllowTruncated(salvage))) {
                    disk.read((1L << 40) - MIB, ByteBuffer.allocate(4096)); // its BAT entry is 8 MiB in
                }
            });
            assertTrue(e.getMessage().contains("FileOffset 0x7ffffffffff00000 + Length 0x900000 ends past the"
                    + " largest possible file offset"), e.getMessage());
        }
    }

    /**
     * A log sown with entry headers that each claim the whole log: replay read and checksummed every claimed
     * EntryLength (quadratic: 37 s for 16 MiB, minutes for 64 MiB). The valid entry among them must still be
     * found and replayed, quickly.
     */
    @Test
    void logSownWithForgedEntryHeaders() throws Exception {
        long logLength = 16L * MIB;
        VhdxBuilder b = VhdxBuilder.dynamic(8L * MIB).blockSize(MIB);
        b.write(MIB, VhdxBuilder.pattern(4096, 6));
        b.log().length(logLength).entry().bat(1).payload(MIB, 4096);
        BuiltImage img = b.build(tmp.resolve("flood.vhdx"));
        long log = img.layout().logOffset();
        try (ImagePatcher p = new ImagePatcher(img.path())) {
            for (long at = img.logEntries().get(0).length(); at < logLength; at += 4096) {
                p.edit(log + at, 64, false, h -> {
                    h.putInt(0, 0x65676f6c); // "loge"
                    h.putInt(8, (int) logLength); // EntryLength: the whole log
                    Guids.write(h, 32, img.logGuid());
                });
            }
        }
        assertTimeoutPreemptively(Duration.ofSeconds(3), () -> {
            try (VirtualDisk disk = VhdxImage.open(img.path())) {
                assertEquals(1, VhdxImage.info(disk).orElseThrow().log().orElseThrow().entries());
                assertEquals(-1, b.expected().firstMismatch(disk::read));
            }
        });
    }
}
