package dev.vhdxmount.mount.overlay;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Which slot of the overlay file holds each chunk of the disk that was written. Sized by what was written, never by
 * the disk: a flat table for a 64 TiB disk of 64 KiB chunks would be 4 GiB. Entries live in pages of
 * {@link #PAGE_ENTRIES} chunks, each made at the first write into its part of the disk, so the table costs at most one
 * page per chunk written (scattered writes) and at best 4 bytes per chunk (writes close together): it is bounded as
 * the overlay is.
 *
 * <p>Thread-safe: a chunk is mapped by the writer holding its lock, while other chunks of the same page are mapped
 * by other writers, and may be looked up by readers that hold no lock at all; each entry is a volatile cell.
 */
final class ChunkTable {
    /** Absent from {@link #slotOf}: the chunk is still the base disk's. */
    static final int ABSENT = -1;
    private static final int PAGE_BITS = 10;
    static final int PAGE_ENTRIES = 1 << PAGE_BITS;
    private static final int PAGE_MASK = PAGE_ENTRIES - 1;

    /** Page number to page; each entry holds its chunk's slot plus one, so that 0 says absent. */
    private final ConcurrentHashMap<Long, AtomicIntegerArray> pages = new ConcurrentHashMap<>();
    private final AtomicLong mapped = new AtomicLong();

    /** The slot of {@code chunk}, or {@link #ABSENT}. */
    int slotOf(long chunk) {
        AtomicIntegerArray page = pages.get(chunk >>> PAGE_BITS);
        return page == null ? ABSENT : page.get((int) (chunk & PAGE_MASK)) - 1;
    }

    /** Maps an absent chunk to the slot that now holds all of it; readers see it from now on. */
    void map(long chunk, int slot) {
        AtomicIntegerArray page = pages.computeIfAbsent(chunk >>> PAGE_BITS, k -> new AtomicIntegerArray(PAGE_ENTRIES));
        if (!page.compareAndSet((int) (chunk & PAGE_MASK), 0, slot + 1)) {
            throw new IllegalStateException("chunk " + chunk + " is mapped already");
        }
        mapped.incrementAndGet();
    }

    /** Whether no chunk was ever mapped: then every read is the base disk's, with no lookup. */
    boolean isEmpty() {
        return mapped.get() == 0;
    }

    /** Whether any chunk of {@code [firstChunk, lastChunk]} is mapped. */
    boolean anyMapped(long firstChunk, long lastChunk) {
        for (long chunk = firstChunk; chunk <= lastChunk; chunk++) {
            AtomicIntegerArray page = pages.get(chunk >>> PAGE_BITS);
            if (page == null) {
                chunk |= PAGE_MASK; // the rest of this page's chunks are absent too
            } else if (page.get((int) (chunk & PAGE_MASK)) != 0) {
                return true;
            }
        }
        return false;
    }

    long mappedChunks() {
        return mapped.get();
    }

    /** Pages made so far: what the table costs. */
    int pages() {
        return pages.size();
    }
}
