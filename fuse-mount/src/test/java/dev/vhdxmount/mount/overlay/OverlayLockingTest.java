package dev.vhdxmount.mount.overlay;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.vhdxmount.mount.fuse.FakeDisk;
import dev.vhdxmount.vhdx.io.FileOpener;
import dev.vhdxmount.vhdx.testkit.LocatedReader;

/**
 * Who waits for whom. A write is stopped half-way (its copy-up reads a gated base) while it holds its stripes for
 * writing; reads that would have to wait for it hang, and are seen to. Reads of ranges the overlay does not hold take
 * no lock at all, so they go on even while every stripe is held; reads of overlay chunks on other stripes go on; only
 * reads of overlay chunks on the write's stripes wait, and then see the whole write.
 */
class OverlayLockingTest {
    private static final int CHUNK = 4096;
    private static final long SIZE = 1 << 20;

    @TempDir
    Path tmp;

    private final ExecutorService threads = Executors.newCachedThreadPool();

    @AfterEach
    void stopThreads() {
        threads.shutdownNow();
    }

    @Test
    void readsOfAnEmptyOverlayTakeNoLock() throws Exception {
        GatedDisk base = new GatedDisk(SIZE, 0, CHUNK);
        try (OverlayDisk disk = OverlayDisk.create(base, tmp, OverlayDisk.UNBOUNDED, FileOpener.DEFAULT, CHUNK, 4)) {
            // chunks 0 to 5: every one of the 4 stripes, held while the copy-up of chunk 0 waits at the gate
            Future<?> write = threads.submit(() -> {
                disk.write(100, ByteBuffer.wrap(filled(5 * CHUNK, 9)));
                return null;
            });
            assertTrue(base.entered.await(5, TimeUnit.SECONDS), "the write reached the gate");

            long offset = 64 * CHUNK + 5;
            assertArrayEquals(baseBytes(offset, 3 * CHUNK), within(() -> copied(disk, offset, 3 * CHUNK)),
                    "read, with every stripe held for writing");
            assertArrayEquals(baseBytes(offset, 3 * CHUNK), within(() -> located(disk, offset, 3 * CHUNK)),
                    "located under a hold, with every stripe held for writing");
            assertArrayEquals(baseBytes(CHUNK + 200, CHUNK), within(() -> copied(disk, CHUNK + 200, CHUNK)),
                    "a read of the range being written (past the gate) sees it all old, without waiting");

            base.open.countDown();
            write.get(5, TimeUnit.SECONDS);
            assertArrayEquals(filled(CHUNK, 9), copied(disk, CHUNK + 200, CHUNK), "and all new once written");
        }
    }

    @Test
    void readsOfOverlayChunksWaitOnlyForWritesOnTheirStripes() throws Exception {
        GatedDisk base = new GatedDisk(SIZE, 32 * CHUNK, 33 * CHUNK);
        try (OverlayDisk disk = OverlayDisk.create(base, tmp, OverlayDisk.UNBOUNDED, FileOpener.DEFAULT, CHUNK, 8)) {
            disk.write(20 * CHUNK, ByteBuffer.wrap(filled(CHUNK, 1))); // stripe 4
            disk.write(40 * CHUNK, ByteBuffer.wrap(filled(CHUNK, 2))); // stripe 0, as chunk 32's
            // chunks 32 and 33, stripes 0 and 1, held while the copy-up of chunk 32 waits at the gate
            Future<?> write = threads.submit(() -> {
                disk.write(32 * CHUNK + 7, ByteBuffer.wrap(filled(CHUNK, 5)));
                return null;
            });
            assertTrue(base.entered.await(5, TimeUnit.SECONDS), "the write reached the gate");

            assertArrayEquals(filled(CHUNK, 1), within(() -> copied(disk, 20 * CHUNK, CHUNK)),
                    "an overlay chunk on another stripe reads at once");
            assertArrayEquals(filled(CHUNK, 1), within(() -> located(disk, 20 * CHUNK, CHUNK)),
                    "and is located at once");
            Future<byte[]> waiting = threads.submit(() -> copied(disk, 40 * CHUNK, CHUNK));
            Future<byte[]> waitingHold = threads.submit(() -> located(disk, 40 * CHUNK, CHUNK));
            Thread.sleep(300);
            assertFalse(waiting.isDone(), "an overlay chunk on the write's stripe waits for the write");
            assertFalse(waitingHold.isDone(), "and so does its hold");

            base.open.countDown();
            write.get(5, TimeUnit.SECONDS);
            assertArrayEquals(filled(CHUNK, 2), waiting.get(5, TimeUnit.SECONDS));
            assertArrayEquals(filled(CHUNK, 2), waitingHold.get(5, TimeUnit.SECONDS));
            assertArrayEquals(filled(CHUNK, 5), copied(disk, 32 * CHUNK + 7, CHUNK));
        }
    }

    /** What {@code call} returns, which it must within a few seconds (it would hang waiting for a lock). */
    private byte[] within(Callable<byte[]> call) throws Exception {
        return threads.submit(call).get(5, TimeUnit.SECONDS);
    }

    private static byte[] copied(OverlayDisk disk, long offset, int length) throws Exception {
        ByteBuffer dst = ByteBuffer.allocate(length);
        disk.read(offset, dst);
        return dst.array();
    }

    private static byte[] located(OverlayDisk disk, long offset, int length) throws Exception {
        ByteBuffer dst = ByteBuffer.allocate(length);
        try (HeldRange held = disk.hold(offset, length)) {
            new LocatedReader(held).read(offset, dst);
        }
        return dst.array();
    }

    private static byte[] filled(int length, int value) {
        byte[] bytes = new byte[length];
        Arrays.fill(bytes, (byte) value);
        return bytes;
    }

    private static byte[] baseBytes(long offset, int length) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = FakeDisk.byteAt(offset + i);
        }
        return bytes;
    }
}
