package dev.vhdxmount.mount.fuse;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.vhdxmount.mount.fuse.DiskFileSystem.FileError;
import dev.vhdxmount.mount.overlay.OverlayDisk;
import dev.vhdxmount.vhdx.VirtualDisk;
import dev.vhdxmount.vhdx.io.FileOpener;
import jnr.constants.platform.Errno;
import jnr.constants.platform.OpenFlags;

/**
 * The model's write path ({@code --overlay}): disk.raw and the partition files take writes into the overlay and are
 * always one disk (a write through one is read through the other, across partition boundaries too); sizes never
 * change; a full overlay is ENOSPC with one warning; a read holds its range until closed; and without an overlay
 * everything that writes is EROFS, as before.
 */
class OverlayWritesTest {
    private static final int MIB = 1 << 20;
    private static final long SIZE = 4L * MIB;
    /** The MBR's two partitions: p1 at 1 MiB, p2 right after it at 2 MiB, 1 MiB each. */
    private static final long P1 = MIB;
    private static final long P2 = 2L * MIB;
    private static final long P_SIZE = MIB;
    private static final ImageTimes TIMES = new ImageTimes(FileTime.fromMillis(1), FileTime.fromMillis(2),
            FileTime.fromMillis(3));
    private static final long DISK = DiskFileSystem.ROOT + 1;
    private static final long PART1 = DISK + 1;
    private static final long PART2 = DISK + 2;

    @TempDir
    Path tmp;
    private OverlayDisk overlay;

    @AfterEach
    void close() throws IOException {
        if (overlay != null) {
            overlay.close();
        }
    }

    /** Base bytes: FakeDisk's pattern, with an MBR of two Linux partitions in sector 0. */
    private static VirtualDisk base() {
        byte[] mbr = new byte[512];
        ByteBuffer b = ByteBuffer.wrap(mbr).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 2; i++) {
            int entry = 446 + 16 * i;
            b.put(entry + 4, (byte) 0x83);
            b.putInt(entry + 8, (int) ((i == 0 ? P1 : P2) / 512));
            b.putInt(entry + 12, (int) (P_SIZE / 512));
        }
        b.put(510, (byte) 0x55).put(511, (byte) 0xaa);
        FakeDisk pattern = new FakeDisk(SIZE, 512);
        return new VirtualDisk() {
            @Override
            public long size() {
                return SIZE;
            }

            @Override
            public int logicalSectorSize() {
                return 512;
            }

            @Override
            public int physicalSectorSize() {
                return 4096;
            }

            @Override
            public int read(long offset, ByteBuffer dst) throws IOException {
                int start = dst.position();
                int n = pattern.read(offset, dst);
                for (long at = offset; at < Math.min(offset + n, 512); at++) {
                    dst.put(start + (int) (at - offset), mbr[(int) at]);
                }
                return n;
            }

            @Override
            public void close() {}
        };
    }

    private DiskFileSystem writable(long maxBytes) throws IOException {
        overlay = OverlayDisk.create(base(), tmp, maxBytes, FileOpener.DEFAULT);
        DiskFileSystem fs = DiskFileSystem.withPartitions(overlay, TIMES, new Ownership(1000, 1001, 022));
        assertEquals(List.of("disk.raw", "p1.raw", "p2.raw"), fs.files().stream().map(DiskFileSystem.File::name)
                .toList());
        return fs;
    }

    private static byte[] read(DiskFileSystem fs, long inode, long offset, int size) throws Exception {
        try (DiskFileSystem.Read r = fs.read(inode, offset, size)) {
            ByteBuffer dst = ByteBuffer.allocate(r.length());
            DiskFileSystem.readFully(r, dst);
            return dst.array();
        }
    }

    private static byte[] base(long offset, int length) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = FakeDisk.byteAt(offset + i);
        }
        return bytes;
    }

    private static byte[] filled(int length, int value) {
        byte[] bytes = new byte[length];
        Arrays.fill(bytes, (byte) value);
        return bytes;
    }

    private static int errno(Executable call) {
        return assertThrows(FileError.class, call).errno();
    }

    @Test
    void aWriteToAPartitionFileIsReadThroughDiskRawAndTheOtherWayRound() throws Exception {
        DiskFileSystem fs = writable(OverlayDisk.UNBOUNDED);
        fs.write(PART1, 12345, ByteBuffer.wrap(filled(5000, 1)));
        assertArrayEquals(filled(5000, 1), read(fs, DISK, P1 + 12345, 5000));
        assertArrayEquals(base(P1 + 12345 + 5000, 100), read(fs, DISK, P1 + 12345 + 5000, 100), "the rest is the base");
        fs.write(DISK, P2 + 77, ByteBuffer.wrap(filled(300, 2)));
        assertArrayEquals(filled(300, 2), read(fs, PART2, 77, 300));
        assertArrayEquals(base(P1, 12345), read(fs, PART1, 0, 12345), "p1 before the write is the base");
    }

    @Test
    void aWriteOfDiskRawAcrossThePartitionBoundaryReachesBothPartitionFiles() throws Exception {
        DiskFileSystem fs = writable(OverlayDisk.UNBOUNDED);
        byte[] data = filled(3000, 3);
        fs.write(DISK, P2 - 1000, ByteBuffer.wrap(data));
        assertArrayEquals(filled(1000, 3), read(fs, PART1, P_SIZE - 1000, 4096), "p1's end, cut at its end");
        assertArrayEquals(filled(2000, 3), read(fs, PART2, 0, 2000));
        assertArrayEquals(base(P2 + 2000, 10), read(fs, PART2, 2000, 10));
    }

    @Test
    void writesPastTheEndOfAFileFailWholeWithEfbigAndChangeNothing() throws Exception {
        DiskFileSystem fs = writable(OverlayDisk.UNBOUNDED);
        assertEquals(Errno.EFBIG.intValue(), errno(() -> fs.write(PART1, P_SIZE - 10, ByteBuffer.wrap(filled(20,
                4)))), "p1's write must not spill into p2");
        assertEquals(Errno.EFBIG.intValue(), errno(() -> fs.write(DISK, SIZE, ByteBuffer.wrap(filled(1, 4)))));
        assertEquals(Errno.EINVAL.intValue(), errno(() -> fs.write(DISK, -1, ByteBuffer.wrap(filled(1, 4)))));
        assertArrayEquals(base(P1 + P_SIZE - 10, 20), read(fs, DISK, P1 + P_SIZE - 10, 20));
        assertEquals(0, overlay.bytesInUse(), "nothing reached the overlay");
        fs.write(PART1, P_SIZE - 10, ByteBuffer.wrap(filled(10, 4)));
        assertArrayEquals(filled(10, 4), read(fs, DISK, P1 + P_SIZE - 10, 10), "up to the end is fine");
    }

    @Test
    void theSizeNeverChangesButSettingTheSameSizeSucceeds() throws Exception {
        DiskFileSystem fs = writable(OverlayDisk.UNBOUNDED);
        fs.setSize(DISK, SIZE);
        fs.setSize(PART2, P_SIZE);
        assertEquals(Errno.EINVAL.intValue(), errno(() -> fs.setSize(DISK, 0)));
        assertEquals(Errno.EFBIG.intValue(), errno(() -> fs.setSize(PART1, P_SIZE + 1)));
        assertEquals(Errno.EINVAL.intValue(), errno(() -> fs.open(DISK, OpenFlags.O_RDWR.intValue()
                | OpenFlags.O_TRUNC.intValue())), "O_TRUNC would empty the disk");
        assertEquals(Errno.EISDIR.intValue(), errno(() -> fs.setSize(DiskFileSystem.ROOT, 0)));
        assertEquals(SIZE, fs.attributes(DISK).size());
    }

    @Test
    void aFullOverlayIsEnospcWithOneWarningAndWhatWasWrittenStays() throws Exception {
        DiskFileSystem fs = writable(OverlayDisk.CHUNK_SIZE);
        Logger logger = (Logger) org.slf4j.LoggerFactory.getLogger(DiskFileSystem.class);
        ListAppender<ILoggingEvent> seen = new ListAppender<>();
        seen.start();
        logger.addAppender(seen);
        try {
            fs.write(DISK, 0, ByteBuffer.wrap(filled(100, 5)));
            for (int i = 1; i <= 3; i++) {
                long at = (long) i * OverlayDisk.CHUNK_SIZE;
                assertEquals(Errno.ENOSPC.intValue(), errno(() -> fs.write(DISK, at, ByteBuffer.wrap(filled(10,
                        6)))));
            }
            fs.write(DISK, 200, ByteBuffer.wrap(filled(100, 7))); // within the chunk the overlay holds
            fs.fsync(DISK);
        } finally {
            logger.detachAppender(seen);
        }
        List<ILoggingEvent> warnings = seen.list.stream().filter(e -> e.getLevel() == Level.WARN).toList();
        assertEquals(1, warnings.size(), "one warning for three refused writes: " + seen.list);
        assertTrue(warnings.get(0).getFormattedMessage().startsWith("disk.raw: a write of 10 bytes at offset 65536"
                + " failed with ENOSPC: the overlay is full"), warnings.get(0).getFormattedMessage());
        assertArrayEquals(filled(100, 5), read(fs, DISK, 0, 100));
        assertArrayEquals(filled(100, 7), read(fs, DISK, 200, 100));
        assertArrayEquals(base(OverlayDisk.CHUNK_SIZE, 10), read(fs, DISK, OverlayDisk.CHUNK_SIZE, 10));
    }

    @Test
    void aWritableFileSystemOpensForWritingAndShowsWritableFiles() throws Exception {
        DiskFileSystem fs = writable(OverlayDisk.UNBOUNDED);
        assertTrue(fs.writable());
        fs.open(DISK, OpenFlags.O_RDWR.intValue());
        fs.open(PART1, OpenFlags.O_WRONLY.intValue());
        fs.access(DISK, 2);
        assertEquals(Errno.EACCES.intValue(), errno(() -> fs.access(DiskFileSystem.ROOT, 2)), "no files can be made");
        assertEquals(DiskFileSystem.S_IFREG | 0644 & ~022, fs.attributes(PART2).mode(), "0644 less the umask");
        assertEquals(DiskFileSystem.S_IFDIR | 0555 & ~022, fs.attributes(DiskFileSystem.ROOT).mode());
        fs.flush(DISK);
        fs.fsync(PART1);
        assertEquals(Errno.EISDIR.intValue(), errno(() -> fs.write(DiskFileSystem.ROOT, 0, ByteBuffer.allocate(1))));
        assertEquals(Errno.ENOENT.intValue(), errno(() -> fs.write(42, 0, ByteBuffer.allocate(1))));
    }

    @Test
    void withoutAnOverlayEverythingThatWritesIsErofs() throws Exception {
        DiskFileSystem fs = DiskFileSystem.withPartitions(base(), TIMES, new Ownership(1000, 1001, 0));
        assertFalse(fs.writable());
        assertEquals(Errno.EROFS.intValue(), errno(() -> fs.write(DISK, 0, ByteBuffer.wrap(filled(1, 1)))));
        assertEquals(Errno.EROFS.intValue(), errno(() -> fs.write(PART1, 0, ByteBuffer.wrap(filled(1, 1)))));
        assertEquals(Errno.EROFS.intValue(), errno(() -> fs.setSize(DISK, SIZE)));
        assertEquals(Errno.EROFS.intValue(), errno(() -> fs.open(DISK, OpenFlags.O_RDWR.intValue())));
        assertEquals(Errno.EROFS.intValue(), errno(() -> fs.access(PART2, 2)));
        assertEquals(DiskFileSystem.S_IFREG | 0444, fs.attributes(DISK).mode());
        fs.fsync(DISK); // nothing to make durable
        try (DiskFileSystem.Read r = fs.read(DISK, 0, 10)) {
            assertEquals(null, r.hold(), "nothing to hold where nothing is written");
        }
    }

    /**
     * Many threads at once, through all three files: writers fill whole slots with one value each (slots straddle the
     * overlay's chunks and the partition boundary), readers read a slot in two steps, as a splicing reply reads its
     * pieces one after the other, with other threads running in between. Every read must see one value across the
     * slot: a write seen in part would be a torn reply.
     */
    @Test
    void concurrentWritesNeverTearAReadThatTakesSteps() throws Exception {
        DiskFileSystem fs = writable(OverlayDisk.UNBOUNDED);
        int slot = 8192;
        // each slot straddles a chunk boundary; slot 7 straddles p1's end and p2's start
        long[] slots = new long[16];
        for (int i = 0; i < slots.length; i++) {
            slots[i] = P1 + (long) (i + 1) * OverlayDisk.CHUNK_SIZE - slot / 2;
        }
        slots[7] = P2 - slot / 2;
        for (long at : slots) {
            fs.write(DISK, at, ByteBuffer.wrap(filled(slot, 0)));
        }
        java.util.concurrent.atomic.AtomicReference<Throwable> failure = new java.util.concurrent.atomic
                .AtomicReference<>();
        long deadline = System.nanoTime() + 1_500_000_000L;
        List<Thread> threads = new java.util.ArrayList<>();
        for (int t = 0; t < 8; t++) {
            boolean writer = t % 2 == 0;
            java.util.Random random = new java.util.Random(t);
            threads.add(new Thread(() -> {
                try {
                    while (System.nanoTime() < deadline && failure.get() == null) {
                        long at = slots[random.nextInt(slots.length)];
                        // through disk.raw, or through the partition file that holds the slot's start
                        boolean viaDisk = random.nextBoolean() || at + slot > P2 && at < P2;
                        long inode = viaDisk ? DISK : at < P2 ? PART1 : PART2;
                        long offset = viaDisk ? at : at - (at < P2 ? P1 : P2);
                        if (writer) {
                            fs.write(inode, offset, ByteBuffer.wrap(filled(slot, 1 + random.nextInt(250))));
                        } else {
                            try (DiskFileSystem.Read r = fs.read(inode, offset, slot)) {
                                ByteBuffer dst = ByteBuffer.allocate(slot);
                                r.content().read(r.offset(), dst.duplicate().limit(slot / 2));
                                Thread.yield();
                                r.content().read(r.offset() + slot / 2, dst.duplicate().position(slot / 2));
                                byte[] got = dst.array();
                                for (int i = 1; i < slot; i++) {
                                    if (got[i] != got[0]) {
                                        throw new AssertionError("a torn read of the slot at " + at + ": byte " + i
                                                + " is " + got[i] + ", byte 0 " + got[0]);
                                    }
                                }
                            }
                        }
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            }));
        }
        threads.forEach(Thread::start);
        for (Thread t : threads) {
            t.join();
        }
        if (failure.get() != null) {
            throw new AssertionError(failure.get());
        }
    }

    /** A read's range stays as it was until the read is closed: a write to it waits until then, and then lands. */
    @Test
    void aWriteWaitsForAnOpenReadOfItsRange() throws Exception {
        DiskFileSystem fs = writable(OverlayDisk.UNBOUNDED);
        fs.write(PART2, 0, ByteBuffer.wrap(filled(100, 8))); // the overlay holds the chunk: reads of it lock
        CompletableFuture<Void> write;
        try (DiskFileSystem.Read r = fs.read(PART2, 0, 4096)) {
            write = CompletableFuture.runAsync(() -> {
                try {
                    fs.write(DISK, P2 + 50, ByteBuffer.wrap(filled(10, 9)));
                } catch (FileError e) {
                    throw new AssertionError(e);
                }
            });
            assertThrows(TimeoutException.class, () -> write.get(300, TimeUnit.MILLISECONDS),
                    "the write waits for the read");
            ByteBuffer dst = ByteBuffer.allocate(r.length());
            DiskFileSystem.readFully(r, dst);
            assertArrayEquals(filled(100, 8), Arrays.copyOf(dst.array(), 100), "the read sees none of the write");
        }
        write.get(10, TimeUnit.SECONDS);
        assertArrayEquals(filled(10, 9), read(fs, PART2, 50, 10));
    }
}
