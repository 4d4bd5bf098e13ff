package dev.vhdxmount.mount.overlay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.vhdxmount.mount.fuse.FakeDisk;
import dev.vhdxmount.vhdx.io.FileOpener;
import dev.vhdxmount.vhdx.testkit.LocatedReader;

/**
 * Many threads write and read overlapping ranges at once, and no read sees part of a write. Each write fills one of
 * a few fixed ranges with one byte value; the ranges are unaligned, span several chunks, and share a chunk with
 * each neighbour, so writes to neighbours copy up and write the same chunks. Every read (copied; located under a
 * hold; or located, and its pieces taken only afterwards, as a splicing server does) must find each range it touches
 * either all as the base has it or all one value written to that range; a torn read would show a mixture. At the end
 * every range is one of its values, the rest the base, and a last write of every range reads back exactly.
 */
class OverlayConcurrencyTest {
    private static final int WRITERS = 10;
    private static final int READERS = 10;
    private static final long RUN_NANOS = TimeUnit.MILLISECONDS.toNanos(1500);
    private static final int RANGES = 12;
    private static final long HEAD = 333;

    @TempDir
    Path tmp;

    private long rangeStart(int chunkSize, int j) {
        return HEAD + j * (2L * chunkSize + chunkSize / 2);
    }

    /** Each range is one byte shorter than the distance to the next: a gap of one base byte between them. */
    private int rangeLength(int chunkSize) {
        return 2 * chunkSize + chunkSize / 2 - 1;
    }

    @ParameterizedTest(name = "chunks of {0} bytes, {1} stripes")
    @CsvSource({"65536, 1024", "4096, 3"})
    void readsNeverSeePartOfAWrite(int chunkSize, int stripes) throws Exception {
        int length = rangeLength(chunkSize);
        long size = rangeStart(chunkSize, RANGES - 1) + length; // the last range ends the disk
        FakeDisk base = new FakeDisk(size, 512);
        // bit v of range j's 256 bits: value v was written to range j
        AtomicLongArray written = new AtomicLongArray(RANGES * 4);
        AtomicReference<String> failure = new AtomicReference<>();
        AtomicLong writes = new AtomicLong();
        AtomicLong readsSeeingWrites = new AtomicLong();
        AtomicInteger nextValue = new AtomicInteger();

        try (OverlayDisk disk = OverlayDisk.create(base, tmp, OverlayDisk.UNBOUNDED, FileOpener.DEFAULT, chunkSize,
                stripes)) {
            ExecutorService pool = Executors.newFixedThreadPool(WRITERS + READERS);
            long deadline = System.nanoTime() + RUN_NANOS;
            List<Future<?>> running = new ArrayList<>();
            for (int t = 0; t < WRITERS; t++) {
                SplittableRandom random = new SplittableRandom(t);
                running.add(pool.submit(() -> {
                    byte[] fill = new byte[length];
                    while (System.nanoTime() < deadline && failure.get() == null) {
                        int j = random.nextInt(RANGES);
                        int value = 1 + Math.floorMod(nextValue.getAndIncrement(), 255);
                        written.getAndAccumulate(j * 4 + value / 64, 1L << (value % 64), (a, b) -> a | b);
                        Arrays.fill(fill, (byte) value);
                        disk.write(rangeStart(chunkSize, j), ByteBuffer.wrap(fill));
                        writes.incrementAndGet();
                        if (random.nextInt(50) == 0) {
                            disk.flush();
                        }
                    }
                    return null;
                }));
            }
            for (int t = 0; t < READERS; t++) {
                SplittableRandom random = new SplittableRandom(100 + t);
                running.add(pool.submit(() -> {
                    while (System.nanoTime() < deadline && failure.get() == null) {
                        long offset;
                        int n;
                        if (random.nextBoolean()) {
                            int j = random.nextInt(RANGES);
                            offset = rangeStart(chunkSize, j);
                            n = length;
                        } else {
                            offset = random.nextLong(size);
                            n = (int) Math.min(size - offset, 1 + random.nextInt(4 * length));
                        }
                        ByteBuffer got = ByteBuffer.allocate(n);
                        int way = random.nextInt(3);
                        if (way == 0) {
                            disk.read(offset, got);
                        } else {
                            try (HeldRange held = disk.hold(offset, n)) {
                                if (way == 1) {
                                    new LocatedReader(held).read(offset, got);
                                } else {
                                    SplicingReader.read(held, offset, got);
                                }
                            }
                        }
                        String torn = check(chunkSize, offset, got.array(), written);
                        if (torn != null) {
                            failure.compareAndSet(null, List.of("read", "located", "spliced").get(way) + " " + n
                                    + " bytes at " + offset + ": " + torn);
                        }
                        if (!matchesBase(offset, got.array())) {
                            readsSeeingWrites.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            pool.shutdown();
            for (Future<?> f : running) {
                try {
                    f.get(30, TimeUnit.SECONDS);
                } catch (TimeoutException e) {
                    pool.shutdownNow();
                    fail("a thread did not finish: deadlock?");
                }
            }
            assertNull(failure.get());
            assertTrue(writes.get() > 100, "writes: " + writes.get());
            assertTrue(readsSeeingWrites.get() > 100, "reads that saw writes: " + readsSeeingWrites.get());

            ByteBuffer whole = ByteBuffer.allocate((int) size);
            disk.read(0, whole);
            assertNull(check(chunkSize, 0, whole.array(), written), "the disk after the run");
            for (int j = 0; j < RANGES; j++) {
                long start = rangeStart(chunkSize, j);
                assertFalse(matchesBase(start, Arrays.copyOfRange(whole.array(), (int) start, (int) start + length)),
                        "range " + j + " was written");
            }

            byte[] model = new byte[(int) size];
            for (int i = 0; i < size; i++) {
                model[i] = FakeDisk.byteAt(i);
            }
            for (int j = 0; j < RANGES; j++) {
                byte[] fill = new byte[length];
                Arrays.fill(fill, (byte) (7 * j + 3));
                disk.write(rangeStart(chunkSize, j), ByteBuffer.wrap(fill));
                System.arraycopy(fill, 0, model, (int) rangeStart(chunkSize, j), length);
            }
            whole.clear();
            assertEquals(size, disk.read(0, whole));
            assertEquals(-1, Arrays.mismatch(model, whole.array()), "read after a last write of every range");
            ByteBuffer located = ByteBuffer.allocate((int) size);
            try (HeldRange held = disk.hold(0, (int) size)) {
                new LocatedReader(held).read(0, located);
            }
            assertEquals(-1, Arrays.mismatch(model, located.array()), "located after a last write of every range");
        }
    }

    /**
     * What is wrong with {@code bytes} read at {@code offset}, or null: each range touched must be all base or all one
     * value written to it, and every byte outside the ranges the base's.
     */
    private String check(int chunkSize, long offset, byte[] bytes, AtomicLongArray written) {
        long end = offset + bytes.length;
        long at = offset;
        while (at < end) {
            int j = rangeAt(chunkSize, at);
            if (j < 0) {
                if (bytes[(int) (at - offset)] != FakeDisk.byteAt(at)) {
                    return "byte at " + at + ", in no range, is not the base's";
                }
                at++;
                continue;
            }
            long rangeEnd = Math.min(end, rangeStart(chunkSize, j) + rangeLength(chunkSize));
            byte[] part = Arrays.copyOfRange(bytes, (int) (at - offset), (int) (rangeEnd - offset));
            if (!matchesBase(at, part)) {
                int value = part[0] & 0xff;
                for (int i = 0; i < part.length; i++) {
                    if (part[i] != part[0]) {
                        return "range " + j + " torn: " + value + " at " + at + " but " + (part[i] & 0xff) + " at "
                                + (at + i);
                    }
                }
                if ((written.get(j * 4 + value / 64) & (1L << (value % 64))) == 0) {
                    return "range " + j + " holds " + value + ", never written to it";
                }
            }
            at = rangeEnd;
        }
        return null;
    }

    private int rangeAt(int chunkSize, long offset) {
        if (offset < HEAD) {
            return -1;
        }
        long stride = 2L * chunkSize + chunkSize / 2;
        int j = (int) ((offset - HEAD) / stride);
        return j < RANGES && offset - rangeStart(chunkSize, j) < rangeLength(chunkSize) ? j : -1;
    }

    private static boolean matchesBase(long offset, byte[] bytes) {
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] != FakeDisk.byteAt(offset + i)) {
                return false;
            }
        }
        return true;
    }

}
