package dev.vhdxmount.vhdx.read;

import static dev.vhdxmount.vhdx.error.Hex.hex;

import dev.vhdxmount.vhdx.error.VhdxFormatException;
import dev.vhdxmount.vhdx.io.ByteSource;
import dev.vhdxmount.vhdx.io.Structures;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.LongPredicate;

/**
 * A region of the file read in fixed-size pages on demand, with a small direct-mapped cache: how the BAT (512 MiB
 * for a 64 TiB disk with 1 MiB blocks) and sector bitmaps are read without holding them whole.
 *
 * <p>Lock-free and safe for concurrent readers: a cache slot holds an immutable (page number, bytes) pair that is
 * replaced whole; two threads that miss on the same page may both read it, which is harmless.
 */
final class PagedRegion {
    private record Page(long number, ByteBuffer bytes) {}

    private final ByteSource source;
    private final long offset;
    private final long length;
    private final int pageSize;
    private final String name;
    private final AtomicReferenceArray<Page> slots;

    /**
     * @param pageSize bytes per page, a power of two
     * @param slots    cache slots; memory is at most {@code slots x pageSize}
     */
    PagedRegion(ByteSource source, long offset, long length, int pageSize, int slots, String name) {
        this.source = source;
        this.offset = offset;
        this.length = length;
        this.pageSize = pageSize;
        this.name = name;
        this.slots = new AtomicReferenceArray<>(slots);
    }

    long getLong(long position) throws IOException {
        return page(position, 8).getLong((int) (position % pageSize));
    }

    byte getByte(long position) throws IOException {
        return page(position, 1).get((int) (position % pageSize));
    }

    /**
     * The position of the first 8-byte value in {@code [from, to)} that {@code stop} accepts, or {@code to}: values
     * tested in place in each cached page, so that a long run of alike BAT entries costs one lookup per page.
     *
     * @param from a multiple of 8, as is {@code to}
     */
    long findLong(long from, long to, LongPredicate stop) throws IOException {
        long position = from;
        while (position < to) {
            ByteBuffer page = page(position, 8);
            int at = (int) (position % pageSize);
            int end = (int) Math.min(page.limit(), at + (to - position));
            for (; at + 8 <= end; at += 8, position += 8) {
                if (stop.test(page.getLong(at))) {
                    return position;
                }
            }
        }
        return to;
    }

    /**
     * The page holding {@code [position, position + width)}. A page cut short by the end of the file keeps what
     * the file has, so that only the values past the end fail (a truncated image can still be salvaged).
     */
    private ByteBuffer page(long position, int width) throws IOException {
        boolean pastEnd = position + width > length; // a salvaged image's sector bitmap may lie wholly past it
        ByteBuffer page = pastEnd ? null : page(position);
        if (pastEnd || position % pageSize + width > page.limit()) {
            throw new VhdxFormatException.Truncated(name + " at " + hex(offset + position)
                    + ": lies past the end of the file at " + hex(source.size()) + " (truncated image)", name, -1, -1,
                    offset + position, source.size());
        }
        return page;
    }

    private ByteBuffer page(long position) throws IOException {
        long number = position / pageSize;
        int slot = (int) (number % slots.length());
        Page page = slots.get(slot);
        if (page == null || page.number != number) {
            long start = number * pageSize;
            int size = (int) Math.min(pageSize, length - start);
            ByteBuffer bytes = ByteBuffer.allocate(size);
            source.readFully(bytes, offset + start);
            page = new Page(number, bytes.flip().asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN));
            slots.set(slot, page);
        }
        return page.bytes;
    }
}
