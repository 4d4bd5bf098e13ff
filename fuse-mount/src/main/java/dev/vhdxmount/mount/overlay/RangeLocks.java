package dev.vhdxmount.mount.overlay;

import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * Read/write locks over ranges of chunks, striped: chunk {@code c} is guarded by stripe {@code c mod stripes}. A
 * reader and a writer wait for each other only when their ranges share a stripe, which for ranges shorter than
 * {@code stripes} chunks means they lie within the same chunks or a multiple of {@code stripes} chunks apart; one
 * global lock would make every read wait for every write.
 *
 * <p>Every range's stripes are taken in ascending stripe order, whatever the range, so no two ranges can each hold
 * a stripe the other waits for: no deadlock. The locks are reentrant, so a thread that reads the disk while holding a
 * range (which it should not: it reads through its hold) gets its read instead of waiting behind a queued writer.
 * A range is released by the thread that took it.
 */
final class RangeLocks {
    private final ReentrantReadWriteLock[] stripes;

    RangeLocks(int stripes) {
        if (stripes < 1) {
            throw new IllegalArgumentException("stripes " + stripes);
        }
        this.stripes = new ReentrantReadWriteLock[stripes];
        for (int i = 0; i < stripes; i++) {
            this.stripes[i] = new ReentrantReadWriteLock();
        }
    }

    void lockRead(long firstChunk, long lastChunk) {
        lock(firstChunk, lastChunk, false);
    }

    void unlockRead(long firstChunk, long lastChunk) {
        unlock(firstChunk, lastChunk, false);
    }

    void lockWrite(long firstChunk, long lastChunk) {
        lock(firstChunk, lastChunk, true);
    }

    void unlockWrite(long firstChunk, long lastChunk) {
        unlock(firstChunk, lastChunk, true);
    }

    private void lock(long firstChunk, long lastChunk, boolean write) {
        int[] order = stripesInOrder(firstChunk, lastChunk);
        int taken = 0;
        try {
            for (int i = 0; i < order.length; i += 2) {
                for (int stripe = order[i]; stripe <= order[i + 1]; stripe++) {
                    lockOf(stripe, write).lock();
                    taken++;
                }
            }
        } catch (RuntimeException | Error e) {
            unlock(order, taken, write);
            throw e;
        }
    }

    private void unlock(long firstChunk, long lastChunk, boolean write) {
        unlock(stripesInOrder(firstChunk, lastChunk), Integer.MAX_VALUE, write);
    }

    /** Releases the first {@code count} stripes of {@code order}. */
    private void unlock(int[] order, int count, boolean write) {
        int released = 0;
        for (int i = 0; i < order.length; i += 2) {
            for (int stripe = order[i]; stripe <= order[i + 1] && released < count; stripe++, released++) {
                lockOf(stripe, write).unlock();
            }
        }
    }

    private Lock lockOf(int stripe, boolean write) {
        return write ? stripes[stripe].writeLock() : stripes[stripe].readLock();
    }

    /**
     * The stripes of {@code [firstChunk, lastChunk]} in ascending order, as pairs of first and last stripe: one pair,
     * or two where the range wraps past the last stripe (the wrapped part, from stripe 0, comes first).
     */
    private int[] stripesInOrder(long firstChunk, long lastChunk) {
        int n = stripes.length;
        if (lastChunk - firstChunk + 1 >= n) {
            return new int[] {0, n - 1};
        }
        int first = (int) (firstChunk % n);
        int last = (int) (lastChunk % n);
        return first <= last ? new int[] {first, last} : new int[] {0, last, first, n - 1};
    }
}
