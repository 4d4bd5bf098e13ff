package dev.vhdxmount.mount.overlay;

import static dev.vhdxmount.vhdx.testkit.Sizes.MIB;
import static dev.vhdxmount.vhdx.testkit.Sizes.TIB;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.sun.management.ThreadMXBean;

import dev.vhdxmount.mount.fuse.FakeDisk;
import dev.vhdxmount.vhdx.io.FileOpener;
import dev.vhdxmount.vhdx.testkit.LocatedReader;

/**
 * The largest disk VHDX allows, 64 TiB: writes at its start, middle and end work, the overlay file holds only the
 * chunks written (within a file system's largest file: ext4's is under 16 TiB), and the overlay costs little memory,
 * where a table sized by the disk would need gigabytes.
 */
class OverlayHugeDiskTest {
    private static final long SIZE = 64 * TIB;
    /**
     * What this thread may allocate for the whole test, buffers and copy-ups included: a flat table of the disk's
     * chunks would be 4 GiB, and even a directory of the table's pages made up front 1 MiB more than this test needs.
     */
    private static final long MEMORY_BOUND = 2 * MIB;

    @TempDir
    Path tmp;

    @Test
    void writesAtBothEndsOf64TiBInLittleMemory() throws IOException {
        ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        long allocatedBefore = threads.getCurrentThreadAllocatedBytes();
        try (OverlayDisk disk = OverlayDisk.create(new FakeDisk(SIZE, 512), tmp, OverlayDisk.UNBOUNDED,
                FileOpener.DEFAULT)) {
            long[] offsets = {3, SIZE / 2 - 100, SIZE - 5000};
            SplittableRandom random = new SplittableRandom(64);
            byte[][] written = new byte[offsets.length][];
            for (int i = 0; i < offsets.length; i++) {
                written[i] = new byte[(int) Math.min(5000, SIZE - offsets[i])];
                random.nextBytes(written[i]);
                disk.write(offsets[i], ByteBuffer.wrap(written[i]));
            }
            assertEquals(4L * OverlayDisk.CHUNK_SIZE, disk.bytesInUse(),
                    "four chunks (the middle write crosses a chunk's end), however far apart");
            assertTrue(disk.maxBytes() >= disk.bytesInUse() && disk.maxBytes() <= SIZE, "bound " + disk.maxBytes());

            for (int i = 0; i < offsets.length; i++) {
                long from = Math.max(0, offsets[i] - 10);
                int length = (int) Math.min(written[i].length + 20, SIZE - from);
                byte[] want = new byte[length];
                for (int k = 0; k < length; k++) {
                    long at = from + k;
                    long inWrite = at - offsets[i];
                    want[k] = inWrite >= 0 && inWrite < written[i].length ? written[i][(int) inWrite]
                            : FakeDisk.byteAt(at);
                }
                ByteBuffer read = ByteBuffer.allocate(length);
                assertEquals(length, disk.read(from, read));
                assertArrayEquals(want, read.array(), "read at " + from);
                ByteBuffer located = ByteBuffer.allocate(length);
                try (HeldRange held = disk.hold(from, length)) {
                    // every piece of the overlay file must lie within the size its reader was opened with
                    new LocatedReader(held).read(from, located);
                }
                assertArrayEquals(want, located.array(), "located at " + from);
            }
        }
        long allocated = threads.getCurrentThreadAllocatedBytes() - allocatedBefore;
        assertTrue(allocated < MEMORY_BOUND, "allocated " + allocated + " bytes");
    }
}
