package dev.vhdxmount.mount;

import static dev.vhdxmount.vhdx.testkit.Sizes.MIB;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.vhdxmount.mount.cli.ExitCode;
import dev.vhdxmount.vhdx.DiskInternals;
import dev.vhdxmount.vhdx.OpenOptions;
import dev.vhdxmount.vhdx.VhdxImage;
import dev.vhdxmount.vhdx.VirtualDisk;
import dev.vhdxmount.vhdx.read.ReadTarget;
import dev.vhdxmount.vhdx.testkit.BuiltImage;
import dev.vhdxmount.vhdx.testkit.ExpectedDisk;
import dev.vhdxmount.vhdx.testkit.VhdxBuilder;

/**
 * Storage that fails under the image (a bad sector, {@link SlowStorage}) as a user meets it through disk.raw, for each
 * binding: the read that needs the bad bytes fails with EIO, whole, never a short read or zeros; a copy of disk.raw
 * fails instead of ending early; disk.raw keeps its size; the failure is logged once, naming the image file, the file
 * offset, the virtual offset and the errno; every other range keeps reading right, and the mount survives.
 */
@Timeout(300)
class StorageErrorsIT extends MountTest {
    private static final int EIO = 5;
    private static final int ENXIO = 6;

    private SlowStorage storage;

    @AfterEach
    void stopStorage() throws Exception {
        if (mnt != null) {
            MountIt.cleanUp(dir, mnt);
        }
        if (storage != null) {
            storage.close();
        }
    }

    /** Where the image file holds the virtual disk's byte at {@code virtualOffset}. */
    private static long fileOffset(Path image, long virtualOffset) throws IOException {
        try (VirtualDisk disk = VhdxImage.open(image, OpenOptions.DEFAULTS)) {
            return ((ReadTarget.InFile) DiskInternals.translate(disk, virtualOffset, 1)).fileOffset();
        }
    }

    private Path mount(Path image, String libfuse) {
        MountIt.cli("--libfuse", libfuse, "--log-file", dir.resolve("mount.log").toString(), image.toString(),
                mnt.toString()).expect(ExitCode.OK);
        return mnt.resolve("disk.raw");
    }

    /** O_DIRECT reads (straight to the server, no page cache in between) of the given ranges, as dd does them. */
    private byte[] directRead(Path file, long offset, int length) throws IOException {
        Path out = dir.resolve("range");
        MountIt.shOk("dd if='" + file + "' of='" + out + "' iflag=direct,skip_bytes,count_bytes skip=" + offset
                + " count=" + length + " bs=" + length + " status=none");
        return Files.readAllBytes(out);
    }

    private String directReadError(Path file, long offset, int length) {
        MountIt.Result r = MountIt.sh("dd if='" + file + "' of=/dev/null iflag=direct,skip_bytes,count_bytes skip="
                + offset + " count=" + length + " bs=" + length + " status=none");
        assertNotEquals(0, r.exitCode(), "a read of " + length + " bytes at " + offset + " must fail: " + r);
        return r.stderr();
    }

    private List<String> logLines(String containing) throws IOException {
        return Files.readAllLines(dir.resolve("mount.log")).stream().filter(l -> l.contains(containing)).toList();
    }

    @ParameterizedTest(name = "libfuse {0}")
    @ValueSource(strings = {"3", "2"})
    void aBadSectorFailsItsReadsWholeAndNothingElse(String libfuse) throws Exception {
        storage = SlowStorage.start(dir, false);
        Path raw = dir.resolve("disk.raw");
        Path image = storage.backing().resolve("disk.vhdx");
        MountIt.shOk("set -e; head -c 64M /dev/urandom > '" + raw + "'; qemu-img convert -f raw -O vhdx"
                + " -o subformat=dynamic,block_size=1M '" + raw + "' '" + image + "'");
        Path onStorage = storage.mount().resolve("disk.vhdx");
        long bad = fileOffset(image, MIB + 64 * 1024); // inside payload block 1
        storage.fail(onStorage, bad, 4096, EIO);
        Path diskRaw = mount(onStorage, libfuse);

        MountIt.Result cat = MountIt.sh("cat '" + diskRaw + "' > '" + dir.resolve("copy") + "'");
        assertNotEquals(0, cat.exitCode(), "a copy of disk.raw fails instead of ending early: " + cat);
        assertTrue(cat.stderr().contains("Input/output error"), cat.stderr());
        assertEquals(64L * MIB, Files.size(diskRaw), "disk.raw keeps its size");

        assertTrue(directReadError(diskRaw, MIB + 64 * 1024, 4096).contains("Input/output error"));
        // a reply of several pieces that fails half-way: block 0 reads, block 1's bad sector does not
        assertTrue(directReadError(diskRaw, MIB - 60 * 1024, 128 * 1024).contains("Input/output error"));
        for (long offset : new long[] {0, MIB, MIB + 68 * 1024, 2L * MIB, 63L * MIB}) {
            assertArrayEquals(MountIt.readAt(raw, offset, 64 * 1024), directRead(diskRaw, offset, 64 * 1024),
                    "the rest reads right, at " + offset);
        }
        assertArrayEquals(MountIt.readAt(raw, 2L * MIB, MIB), MountIt.readAt(diskRaw, 2L * MIB, MIB),
                "and through the page cache");

        List<String> logged = logLines("file offset 0x" + Long.toHexString(bad));
        assertEquals(1, logged.size(), "logged once: " + Files.readString(dir.resolve("mount.log")));
        String line = logged.get(0);
        assertTrue(line.contains(onStorage.toString()) && line.contains("EIO") && line.contains("Input/output error"),
                line);
        assertTrue(line.contains("(virtual offset 0x" + Long.toHexString(MIB + 64 * 1024) + ")"),
                "the virtual offset of the bad bytes: " + line);

        storage.clear();
        assertArrayEquals(MountIt.readAt(raw, MIB, MIB), directRead(diskRaw, MIB, MIB),
                "once the storage reads again, so does the mount");
        assertEquals(64L * MIB, Files.size(diskRaw));
    }

    @ParameterizedTest(name = "libfuse {0}")
    @ValueSource(strings = {"3", "2"})
    void aBadRangeInTheParentOfAChainAndInALogOverlaidPieceFailToo(String libfuse) throws Exception {
        storage = SlowStorage.start(dir, false);
        VhdxBuilder base = VhdxBuilder.dynamic(16L * MIB).blockSize(MIB);
        base.write(0, VhdxBuilder.pattern(8 * MIB, 1));
        BuiltImage baseImage = base.build(storage.backing().resolve("base.vhdx"));
        VhdxBuilder child = VhdxBuilder.differencing(16L * MIB).blockSize(MIB).parent(base, "base.vhdx");
        child.write(4L * MIB, VhdxBuilder.pattern(MIB, 2));
        child.write(5L * MIB, VhdxBuilder.pattern(MIB, 3));
        child.log().entry().payload(5L * MIB + 512, 4096); // a dirty log rewrites 4 KiB of block 5
        BuiltImage childImage = child.build(storage.backing().resolve("child.vhdx"));
        ExpectedDisk want = child.expected(base.expected());

        // block 2 comes from the parent; block 5 is read through the replayed log's overlay, not spliced
        long parentBad = baseImage.layout().blockOffset(2) + 8192;
        long overlaidBad = childImage.layout().blockOffset(5) + 64 * 1024;
        storage.fail(storage.mount().resolve("base.vhdx"), parentBad, 4096, ENXIO);
        storage.fail(storage.mount().resolve("child.vhdx"), overlaidBad, 4096, EIO);
        Path diskRaw = mount(storage.mount().resolve("child.vhdx"), libfuse);

        assertTrue(directReadError(diskRaw, 2L * MIB, 64 * 1024).contains("Input/output error"), "parent");
        assertTrue(directReadError(diskRaw, 5L * MIB, 128 * 1024).contains("Input/output error"), "log overlay");
        MountIt.Result cat = MountIt.sh("cat '" + diskRaw + "' > /dev/null");
        assertNotEquals(0, cat.exitCode(), cat.toString());
        assertEquals(16L * MIB, Files.size(diskRaw));
        for (long offset : new long[] {0, 3L * MIB, 4L * MIB, 5L * MIB + 128 * 1024, 6L * MIB}) {
            assertArrayEquals(want.read(offset, 64 * 1024), directRead(diskRaw, offset, 64 * 1024), "at " + offset);
        }
        assertEquals(1, logLines("file offset 0x" + Long.toHexString(parentBad)).size(), "the parent's, once");
        String parentLine = logLines("file offset 0x" + Long.toHexString(parentBad)).get(0);
        assertTrue(parentLine.contains("base.vhdx") && parentLine.contains("ENXIO")
                && parentLine.contains("(virtual offset 0x" + Long.toHexString(2L * MIB + 8192) + ")"), parentLine);
        assertEquals(1, logLines("file offset 0x" + Long.toHexString(overlaidBad)).size(), "the child's, once");
    }
}
