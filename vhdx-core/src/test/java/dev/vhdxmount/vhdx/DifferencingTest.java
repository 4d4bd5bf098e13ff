package dev.vhdxmount.vhdx;

import static dev.vhdxmount.vhdx.testkit.Sizes.MIB;
import static dev.vhdxmount.vhdx.testkit.Sizes.GIB;

import dev.vhdxmount.vhdx.error.VhdxFormatException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vhdxmount.vhdx.testkit.ExpectedDisk;
import dev.vhdxmount.vhdx.testkit.LocatedReader;
import dev.vhdxmount.vhdx.testkit.Slow;
import dev.vhdxmount.vhdx.testkit.VhdxBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Differencing chains built from the spec: the expected content is the builder's model of child over parent, never
 * the reader's output.
 */
class DifferencingTest {

    @TempDir
    Path tmp;

    @Test
    @Slow // a 5 GiB chain of three images
    void threeLevelsWithDifferentBlockSizesAcrossFolders() throws Exception {
        long size = 5 * GIB; // the second chunk (past 4 GiB) has its own sector bitmap
        Path baseDir = Files.createDirectories(tmp.resolve("base"));
        Path vmDir = Files.createDirectories(tmp.resolve("vm"));

        VhdxBuilder base = VhdxBuilder.dynamic(size).blockSize(32 * MIB);
        base.write(0, VhdxBuilder.pattern(3 * MIB, 1));
        base.write(4 * GIB + 5 * MIB, VhdxBuilder.pattern(2 * MIB, 2));
        base.write(64L * MIB, VhdxBuilder.pattern(MIB, 3));
        base.build(baseDir.resolve("base.vhdx"));
        ExpectedDisk baseWant = base.expected();

        VhdxBuilder mid = VhdxBuilder.differencing(size).blockSize(2 * MIB).parent(base, "..\\base\\base.vhdx");
        mid.write(512 * 3, VhdxBuilder.pattern(512 * 5, 4)); // a few sectors inside block 0
        mid.write(4 * GIB + 6 * MIB + 1024, VhdxBuilder.pattern(4096, 5)); // bitmap of chunk 1
        mid.blockState(32, VhdxBuilder.PAYLOAD_BLOCK_ZERO); // 64 MiB: zeros over the base's data
        mid.build(vmDir.resolve("mid.avhdx"));
        ExpectedDisk midWant = mid.expected(baseWant);

        VhdxBuilder top = VhdxBuilder.differencing(size).blockSize(MIB).parent(mid, ".\\mid.avhdx");
        top.write(MIB + 100 * 512, VhdxBuilder.pattern(512, 6));
        top.write(4 * GIB + 5 * MIB + 512, VhdxBuilder.pattern(1024, 7));
        top.blockState(10, VhdxBuilder.PAYLOAD_BLOCK_FULLY_PRESENT); // present, bitmap bits clear
        top.log().entry().bat(1).sectorBitmap(1).payload(MIB + 100 * 512, 512); // and dirty
        Path topFile = top.build(vmDir.resolve("top.avhdx")).path();
        ExpectedDisk want = top.expected(midWant);

        try (VirtualDisk disk = VhdxImage.open(topFile)) {
            ImageInfo.ParentLink link = VhdxImage.info(disk).orElseThrow().parent().orElseThrow();
            assertEquals(vmDir.resolve("mid.avhdx").toAbsolutePath().normalize(), link.path().toAbsolutePath());
            assertTrue(link.foundBy().startsWith("relative_path"), link.foundBy());
            assertEquals(baseDir.resolve("base.vhdx").toAbsolutePath().normalize(),
                    link.info().parent().orElseThrow().path().toAbsolutePath());
            for (var r : List.of(new long[] {0, 4 * MIB}, new long[] {60L * MIB, 8 * MIB},
                    new long[] {4 * GIB, 12 * MIB}, new long[] {10L * MIB, MIB})) {
                assertEquals(-1, want.firstMismatch(disk::read, r[0], r[1]), "range at " + r[0]);
            }
            assertEquals(want.sha256(), ExpectedDisk.sha256(disk::read, disk.size()), "whole chain");
            LocatedReader located = new LocatedReader(disk);
            assertEquals(want.sha256(), ExpectedDisk.sha256(located, disk.size()), "whole chain, located");
            assertEquals(3, located.files().size(), "pieces from all three files of the chain");
            assertTrue(located.readBytes() > 0 && located.readBytes() <= 2 * MIB,
                    "only what the top's dirty log rewrote goes through read(): " + located.readBytes());
        }
    }

    @Test
    void chainWith4096ByteSectorsPastTheFirstChunk() throws Exception {
        long size = 40 * GIB; // a chunk is 32 GiB at 4096-byte sectors
        VhdxBuilder base = VhdxBuilder.dynamic(size).logicalSectorSize(4096).blockSize(8 * MIB);
        base.write(33 * GIB, VhdxBuilder.pattern(MIB, 1));
        base.build(tmp.resolve("base.vhdx"));
        VhdxBuilder child = VhdxBuilder.differencing(size).logicalSectorSize(4096).blockSize(MIB)
                .parent(base, "base.vhdx");
        child.write(33 * GIB + 8192, VhdxBuilder.pattern(4096 * 3, 2));
        Path file = child.build(tmp.resolve("child.vhdx")).path();
        ExpectedDisk want = child.expected(base.expected());
        try (VirtualDisk disk = VhdxImage.open(file)) {
            assertEquals(4096, disk.logicalSectorSize());
            assertEquals(-1, want.firstMismatch(disk::read, 33 * GIB - MIB, 3 * MIB));
            assertEquals(-1, want.firstMismatch(new LocatedReader(disk), 33 * GIB - MIB, 3 * MIB), "located");
        }
    }

    @Test
    void explicitParentOverridesTheLocator() throws Exception {
        VhdxBuilder base = VhdxBuilder.dynamic(16L * MIB).blockSize(MIB);
        base.write(0, VhdxBuilder.pattern(MIB, 1));
        Path elsewhere = Files.createDirectories(tmp.resolve("elsewhere")).resolve("renamed.vhdx");
        base.build(elsewhere);
        VhdxBuilder child = VhdxBuilder.differencing(16L * MIB).blockSize(MIB).parent(base, ".\\gone.vhdx");
        child.write(4096, VhdxBuilder.pattern(512, 2));
        Path file = child.build(tmp.resolve("child.vhdx")).path();

        VhdxFormatException.ParentNotFound e = assertThrows(VhdxFormatException.ParentNotFound.class,
                () -> VhdxImage.open(file).close());
        assertTrue(e.getMessage().contains("gone.vhdx") && e.getMessage().contains("no such file"), e.getMessage());
        // the same as fields, for a caller that acts on them
        assertEquals(file, e.child());
        assertEquals(List.of(new VhdxFormatException.ParentNotFound.Attempt(tmp.resolve("gone.vhdx").toString(),
                "relative_path .\\gone.vhdx", "no such file")), e.attempts());
        assertTrue(e.namingTheParentHelps(), "the locator failed: naming the parent can help");

        Path wrong = tmp.resolve("child.vhdx"); // itself: a cycle, so naming it again cannot help
        VhdxFormatException.ParentNotFound named = assertThrows(VhdxFormatException.ParentNotFound.class,
                () -> VhdxImage.open(file, OpenOptions.DEFAULTS.withParents(List.of(wrong))).close());
        assertEquals(List.of(new VhdxFormatException.ParentNotFound.Attempt(wrong.toString(), "named with --parent",
                "already in the chain (a cycle)")), named.attempts());
        assertTrue(!named.namingTheParentHelps(), "the parent was named already");

        try (VirtualDisk disk = VhdxImage.open(file, OpenOptions.DEFAULTS.withParents(List.of(elsewhere)))) {
            assertEquals("named with --parent", VhdxImage.info(disk).orElseThrow().parent().orElseThrow().foundBy());
            assertEquals(-1, child.expected(base.expected()).firstMismatch(disk::read));
        }
    }

    @Test
    void wrongLinkageIsRefusedWithItsReason() throws Exception {
        VhdxBuilder base = VhdxBuilder.dynamic(16L * MIB).blockSize(MIB);
        VhdxBuilder impostor = VhdxBuilder.dynamic(16L * MIB).blockSize(MIB); // another DataWriteGuid
        impostor.build(tmp.resolve("base.vhdx"));
        VhdxBuilder child = VhdxBuilder.differencing(16L * MIB).blockSize(MIB).parent(base, "base.vhdx");
        Path file = child.build(tmp.resolve("child.vhdx")).path();
        VhdxFormatException.ParentNotFound e = assertThrows(VhdxFormatException.ParentNotFound.class,
                () -> VhdxImage.open(file).close());
        assertTrue(e.getMessage().contains("is not the child's parent_linkage"), e.getMessage());
    }

    @Test
    void sizeMismatchIsRefused() throws Exception {
        VhdxBuilder base = VhdxBuilder.dynamic(32L * MIB).blockSize(MIB);
        base.build(tmp.resolve("base.vhdx"));
        VhdxBuilder child = VhdxBuilder.differencing(16L * MIB).blockSize(MIB).parentLocator(Map.of(
                "parent_linkage", "{" + base.dataWriteGuid() + "}", "relative_path", ".\\base.vhdx"));
        Path file = child.build(tmp.resolve("child.vhdx")).path();
        VhdxFormatException e = assertThrows(VhdxFormatException.ParentNotFound.class,
                () -> VhdxImage.open(file).close());
        assertTrue(e.getMessage().contains("virtual size 33554432 is not the child's 16777216"), e.getMessage());
    }

    @Test
    void cyclesAreRefused() throws Exception {
        UUID a = UUID.randomUUID();
        UUID b = UUID.randomUUID();
        // a.vhdx's parent is b.vhdx, whose parent is a.vhdx
        VhdxBuilder.differencing(16L * MIB).blockSize(MIB).dataWriteGuid(a).parentLocator(Map.of(
                "parent_linkage", "{" + b + "}", "relative_path", ".\\b.vhdx")).build(tmp.resolve("a.vhdx"));
        VhdxBuilder.differencing(16L * MIB).blockSize(MIB).dataWriteGuid(b).parentLocator(Map.of(
                "parent_linkage", "{" + a + "}", "relative_path", ".\\a.vhdx")).build(tmp.resolve("b.vhdx"));
        VhdxFormatException e = assertThrows(VhdxFormatException.ParentNotFound.class,
                () -> VhdxImage.open(tmp.resolve("a.vhdx")).close());
        assertTrue(e.getMessage().contains("a cycle"), e.getMessage());
        assertTrue(e.getMessage().startsWith(tmp.resolve("a.vhdx") + " -> " + tmp.resolve("b.vhdx") + ": parent not"
                + " found"), "the message shows the chain: " + e.getMessage());
    }

    @Test
    void windowsAbsolutePathIsTriedBesideTheChild() throws Exception {
        VhdxBuilder base = VhdxBuilder.dynamic(16L * MIB).blockSize(MIB);
        base.write(0, VhdxBuilder.pattern(4096, 1));
        base.build(tmp.resolve("Base Disk.vhdx"));
        VhdxBuilder child = VhdxBuilder.differencing(16L * MIB).blockSize(MIB).parentLocator(Map.of(
                "parent_linkage", "{" + base.dataWriteGuid() + "}",
                "absolute_win32_path", "C:\\Hyper-V\\Virtual Hard Disks\\Base Disk.vhdx"));
        Path file = child.build(tmp.resolve("child.vhdx")).path();
        try (VirtualDisk disk = VhdxImage.open(file)) {
            assertTrue(VhdxImage.info(disk).orElseThrow().parent().orElseThrow().foundBy()
                    .contains("absolute_win32_path"));
            assertEquals(-1, child.expected(base.expected()).firstMismatch(disk::read));
        }
    }
}
