package dev.vhdxmount.mount.overlay;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.vhdxmount.mount.fuse.FakeDisk;
import dev.vhdxmount.vhdx.io.FileOpener;
import dev.vhdxmount.vhdx.testkit.Tools;

/**
 * The overlay's folder on a file system that fills up (a 1 MiB tmpfs, so root): the write that finds no room fails
 * with {@link OverlayFullException}, from the kernel's own ENOSPC, part-way through its chunk; that chunk is not
 * mapped, its slot is given back, and everything written before reads and takes writes as before.
 */
class OverlayFullFileSystemIT {
    private static final int CHUNK = OverlayDisk.CHUNK_SIZE;

    @TempDir
    Path tmp;

    @Test
    void aFullFileSystemFailsTheWriteAndTheOverlayGoesOn() throws Exception {
        Assumptions.assumeTrue(Tools.inCi() || "0".equals(Tools.check("id", "-u").trim()),
                "mounting a tmpfs needs root (and CI is not set)");
        Path small = Files.createDirectory(tmp.resolve("small"));
        Tools.check("mount", "-t", "tmpfs", "-o", "size=1m,mode=0700", "vhdx-mount-test", small.toString());
        try (OverlayDisk disk = OverlayDisk.create(new FakeDisk(64L * CHUNK, 512), small, OverlayDisk.UNBOUNDED,
                FileOpener.DEFAULT)) {
            int written = 0;
            OverlayFullException full = null;
            while (full == null) {
                if (written == 64) {
                    fail("a 1 MiB tmpfs took 64 chunks of " + CHUNK + " bytes");
                }
                try {
                    disk.write((long) written * CHUNK, ByteBuffer.wrap(filled(CHUNK, written + 1)));
                    written++;
                } catch (OverlayFullException e) {
                    full = e;
                }
            }
            assertTrue(written > 0 && full.getMessage().contains("No space left on device"), written + " chunks, then "
                    + full.getMessage());
            assertEquals((long) written * CHUNK, disk.bytesInUse(), "the failed write's slot was given back");

            for (int i = 0; i < written; i++) {
                assertArrayEquals(filled(CHUNK, i + 1), read(disk, (long) i * CHUNK), "chunk " + i);
            }
            byte[] notMapped = read(disk, (long) written * CHUNK);
            for (int k = 0; k < CHUNK; k++) {
                if (notMapped[k] != FakeDisk.byteAt((long) written * CHUNK + k)) {
                    fail("chunk " + written + ", whose write failed, reads other than the base at byte " + k);
                }
            }
            disk.write(100, ByteBuffer.wrap(filled(1000, 99)));
            byte[] first = filled(CHUNK, 1);
            Arrays.fill(first, 100, 1100, (byte) 99);
            assertArrayEquals(first, read(disk, 0), "a write into a chunk the overlay holds");
        } finally {
            Tools.check("umount", small.toString());
        }
    }

    private static byte[] read(OverlayDisk disk, long offset) throws IOException {
        ByteBuffer dst = ByteBuffer.allocate(CHUNK);
        disk.read(offset, dst);
        return dst.array();
    }

    private static byte[] filled(int length, int value) {
        byte[] bytes = new byte[length];
        Arrays.fill(bytes, (byte) value);
        return bytes;
    }
}
