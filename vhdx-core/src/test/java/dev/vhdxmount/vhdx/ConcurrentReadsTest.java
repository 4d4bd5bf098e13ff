package dev.vhdxmount.vhdx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.vhdxmount.vhdx.testkit.ExpectedDisk;
import dev.vhdxmount.vhdx.testkit.LocatedReader;
import dev.vhdxmount.vhdx.testkit.VhdxBuilder;

/**
 * One open chain read by many threads at once, as the FUSE worker pool reads it, against the builder's model: a
 * differencing disk whose partly written blocks spread over more sector-bitmap pages than the bitmap cache holds, so
 * that pages are evicted and read again while other threads use them, over a parent with its own data. Every read,
 * copied ({@link VirtualDisk#read}) or located ({@link VirtualDisk#locate}), must be the model's bytes.
 */
class ConcurrentReadsTest {
    private static final long MIB = 1 << 20;
    private static final long SIZE = 8L << 30;
    /** One sector-bitmap page (4 KiB, 32768 sectors of 512 bytes) maps 16 MiB of the disk. */
    private static final long BITMAP_PAGE_SPAN = 16 * MIB;
    private static final int THREADS = 16;
    private static final int READS_PER_THREAD = 2000;

    @TempDir
    Path tmp;

    @Test
    void sixteenThreadsReadTheModelsBytesWhileTheCachesChurn() throws Exception {
        VhdxBuilder base = VhdxBuilder.dynamic(SIZE).blockSize((int) MIB);
        VhdxBuilder child = VhdxBuilder.differencing(SIZE).blockSize((int) MIB).parent(base, "base.vhdx");
        List<Long> places = new ArrayList<>();
        // 512 bitmap pages touched, twice the 256 the cache keeps: eviction all the time
        for (long at = 0; at < SIZE; at += BITMAP_PAGE_SPAN) {
            long block = at + ((at / BITMAP_PAGE_SPAN) % 16) * MIB;
            base.write(block, VhdxBuilder.pattern(64 * 1024, at));
            child.write(block + 512 * ((at / BITMAP_PAGE_SPAN) % 7 + 1), VhdxBuilder.pattern(1536, ~at));
            places.add(block);
        }
        base.build(tmp.resolve("base.vhdx"));
        Path file = child.build(tmp.resolve("child.vhdx")).path();
        ExpectedDisk want = child.expected(base.expected());

        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try (VirtualDisk disk = VhdxImage.open(file)) {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                long seed = t;
                results.add(pool.submit(() -> {
                    SplittableRandom random = new SplittableRandom(seed);
                    LocatedReader located = new LocatedReader(disk); // counts bytes: one per thread
                    start.await();
                    int checked = 0;
                    for (int i = 0; i < READS_PER_THREAD; i++) {
                        // half the reads go to four places whose bitmap pages share two cache slots (pages 256
                        // apart): threads evict each other's pages there all the time
                        boolean hot = random.nextBoolean();
                        int index = hot ? random.nextInt(2) + 256 * random.nextInt(2)
                                : random.nextInt(places.size());
                        long place = places.get(index);
                        long offset = Math.max(0, place - 4096 + random.nextInt(128 * 1024)) & ~511L;
                        int length = 512 * (1 + random.nextInt(hot ? 8 : 256)); // short: a bitmap lookup each
                        length = (int) Math.min(length, SIZE - offset);
                        ByteBuffer got = ByteBuffer.allocate(length);
                        if (random.nextBoolean()) {
                            assertEquals(length, disk.read(offset, got), "read at " + offset);
                        } else {
                            assertEquals(length, located.read(offset, got), "located at " + offset);
                        }
                        assertArrayEquals(want.read(offset, length), got.array(), "bytes at " + offset);
                        checked++;
                    }
                    return checked;
                }));
            }
            start.countDown();
            int total = 0;
            for (Future<Integer> r : results) {
                total += r.get();
            }
            assertEquals(THREADS * READS_PER_THREAD, total);
            assertTrue(places.size() > 256, "more bitmap pages than the cache's 256 slots: " + places.size());
        } finally {
            pool.shutdownNow();
        }
    }
}
