package dev.vhdxmount.mount.overlay;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.vhdxmount.mount.fuse.FakeDisk;
import dev.vhdxmount.vhdx.ExtentSink;
import dev.vhdxmount.vhdx.io.FileByteSource;
import dev.vhdxmount.vhdx.io.FileOpener;

/**
 * What the disk refuses, before it changes anything: writes off the disk or too long at once, negative ranges, reads
 * through a hold outside its range or after it was closed, a bound too small to hold a chunk. The size never changes.
 */
class OverlayArgumentsTest {
    private static final long SIZE = 1 << 20;

    @TempDir
    Path tmp;

    @Test
    void writesOffTheDiskOrTooLongAreRefused() throws IOException {
        try (OverlayDisk disk = create()) {
            assertThrows(IllegalArgumentException.class, () -> disk.write(-1, bytes(10)));
            assertThrows(IllegalArgumentException.class, () -> disk.write(SIZE - 10, bytes(11)), "across the end");
            assertThrows(IllegalArgumentException.class, () -> disk.write(SIZE, bytes(1)), "at the end");
            assertThrows(IllegalArgumentException.class, () -> disk.write(Long.MAX_VALUE, bytes(1)));
            assertThrows(IllegalArgumentException.class, () -> disk.write(0, bytes(OverlayDisk.MAX_WRITE + 1)),
                    "longer than one write may be");
            assertEquals(0, disk.bytesInUse(), "nothing written");
            assertDoesNotThrow(() -> disk.write(SIZE, bytes(0)), "nothing at the end is nothing");
            disk.write(SIZE - 10, bytes(10));
            assertEquals(SIZE, disk.size(), "the size stays");
        }
    }

    @Test
    void negativeRangesAreRefusedAndTheEndReadsAsTheEnd() throws IOException {
        try (OverlayDisk disk = create()) {
            for (boolean written : new boolean[] {false, true}) {
                if (written) {
                    disk.write(SIZE - 100, bytes(100));
                }
                assertThrows(IllegalArgumentException.class, () -> disk.read(-1, ByteBuffer.allocate(1)));
                assertThrows(IllegalArgumentException.class, () -> disk.hold(-1, 1));
                assertThrows(IllegalArgumentException.class, () -> disk.hold(0, -1));
                assertThrows(IllegalArgumentException.class, () -> disk.locate(-1, 1, null));
                assertEquals(-1, disk.read(SIZE, ByteBuffer.allocate(1)));
                assertEquals(0, disk.read(SIZE - 1, ByteBuffer.allocate(0)));
                assertEquals(50, disk.read(SIZE - 50, ByteBuffer.allocate(80)), "short at the end only");
                try (HeldRange held = disk.hold(SIZE - 50, 80)) {
                    assertEquals(50, held.read(SIZE - 50, ByteBuffer.allocate(80)));
                    assertEquals(-1, held.read(SIZE, ByteBuffer.allocate(1)));
                }
            }
        }
    }

    @Test
    void aHoldServesOnlyItsRangeAndOnlyUntilClosed() throws IOException {
        try (OverlayDisk disk = create()) {
            disk.write(4096, bytes(100));
            for (long offset : new long[] {0, 4096}) { // a range the overlay does not hold, and one it does
                HeldRange held = disk.hold(offset + 10, 1000);
                assertEquals(1000, held.read(offset + 10, ByteBuffer.allocate(1000)));
                assertEquals(100, held.read(offset + 910, ByteBuffer.allocate(100)));
                assertThrows(IllegalArgumentException.class, () -> held.read(offset + 9, ByteBuffer.allocate(10)));
                assertThrows(IllegalArgumentException.class, () -> held.read(offset + 911, ByteBuffer.allocate(100)));
                assertThrows(IllegalArgumentException.class, () -> held.locate(offset + 9, 10, NO_SINK));
                held.close();
                held.close();
                assertThrows(IllegalStateException.class, () -> held.read(offset + 10, ByteBuffer.allocate(10)));
                assertThrows(IllegalStateException.class, () -> held.locate(offset + 10, 10, NO_SINK));
            }
            disk.write(4096, bytes(100)); // no hold left behind: the write does not wait
        }
    }

    @Test
    void aBoundBelowOneChunkIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> OverlayDisk.create(new FakeDisk(SIZE, 512), tmp,
                OverlayDisk.CHUNK_SIZE - 1, FileOpener.DEFAULT));
    }

    private OverlayDisk create() throws IOException {
        return OverlayDisk.create(new FakeDisk(SIZE, 512), tmp, OverlayDisk.UNBOUNDED, FileOpener.DEFAULT);
    }

    private static ByteBuffer bytes(int length) {
        return ByteBuffer.allocate(length);
    }

    private static final ExtentSink NO_SINK = new ExtentSink() {
        @Override
        public boolean inFile(FileByteSource file, long fileOffset, int length) {
            throw new AssertionError("no piece expected");
        }

        @Override
        public boolean zeros(int length) {
            throw new AssertionError("no piece expected");
        }

        @Override
        public boolean read(long virtualOffset, int length) {
            throw new AssertionError("no piece expected");
        }
    };
}
