package dev.vhdxmount.vhdx.read;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import dev.vhdxmount.vhdx.io.ByteSource;

/**
 * The page cache that the BAT and the sector bitmaps are read through, hammered by many threads at once with a cache
 * far smaller than the region (so that slots are replaced all the time, as a 64 TiB disk's BAT does), against the
 * bytes it caches: every value read must be the file's, whatever the other threads evict meanwhile.
 */
class PagedRegionConcurrencyTest {
    private static final int LENGTH = 1 << 20;
    private static final long OFFSET = 4096;

    /** The "file": byte i is a function of i, read positionally, counting reads. */
    private static final class Source implements ByteSource {
        final AtomicLong reads = new AtomicLong();

        static byte at(long position) {
            return (byte) (position * 131 + (position >>> 8) * 7 + (position >>> 16));
        }

        @Override
        public long size() {
            return OFFSET + LENGTH;
        }

        @Override
        public int read(ByteBuffer dst, long position) {
            reads.incrementAndGet();
            int n = (int) Math.min(dst.remaining(), size() - position);
            for (int i = 0; i < n; i++) {
                dst.put(at(position + i));
            }
            return n;
        }

        @Override
        public void close() {}
    }

    private static long longAt(long position) {
        ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 8; i++) {
            b.put(Source.at(OFFSET + position + i));
        }
        return b.getLong(0);
    }

    @Test
    void sixteenThreadsReadWhatTheFileHoldsThroughAFewSlots() throws Exception {
        Source source = new Source();
        PagedRegion region = new PagedRegion(source, OFFSET, LENGTH, 256, 5, "BAT");
        int threads = 16;
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Long>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                long seed = t;
                done.add(pool.submit(() -> {
                    SplittableRandom random = new SplittableRandom(seed);
                    start.await();
                    long checked = 0;
                    for (int i = 0; i < 50_000; i++) {
                        // mostly a few hot pages, as reads of one region of the disk are; the rest anywhere
                        long position = random.nextInt(4) > 0 ? random.nextInt(4 * 256 - 8)
                                : random.nextInt(LENGTH - 8);
                        if (random.nextBoolean()) {
                            position &= ~7L; // entries are 8-byte aligned: a long never spans two pages
                            assertEquals(longAt(position), region.getLong(position), "long at " + position);
                        } else {
                            assertEquals(Source.at(OFFSET + position), region.getByte(position), "byte at " + position);
                        }
                        checked++;
                    }
                    return checked;
                }));
            }
            start.countDown();
            long checked = 0;
            for (Future<Long> f : done) {
                checked += f.get();
            }
            assertEquals(16L * 50_000, checked);
        } finally {
            pool.shutdownNow();
        }
        // the cache was used (far fewer reads than lookups) and was too small to hold the hot pages for long
        long reads = source.reads.get();
        assertEquals(true, reads > 1000 && reads < 16L * 50_000, "reads of the file: " + reads);
    }

    @Test
    void aValueAcrossTheEndOfARegionCutShortIsRefusedEvenWhileOthersRead() throws IOException {
        Source source = new Source();
        PagedRegion region = new PagedRegion(source, OFFSET, LENGTH + 16, 256, 5, "BAT");
        assertEquals(longAt(LENGTH - 8), region.getLong(LENGTH - 8));
        try {
            region.getLong(LENGTH - 4);
            throw new AssertionError("a long past the file's end must be refused");
        } catch (dev.vhdxmount.vhdx.error.VhdxFormatException.Truncated e) {
            assertEquals(true, e.getMessage().contains("lies past the end of the file"), e.getMessage());
        }
    }
}
