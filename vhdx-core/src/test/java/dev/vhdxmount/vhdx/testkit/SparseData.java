package dev.vhdxmount.vhdx.testkit;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * A sparse byte space: non-overlapping extents of explicit bytes, zeros everywhere else. Used both for virtual disk
 * content (so an 8 GiB disk with a few writes costs a few arrays) and for the image file being assembled.
 */
final class SparseData {
    private final TreeMap<Long, byte[]> extents = new TreeMap<>();

    SparseData copy() {
        SparseData c = new SparseData();
        c.extents.putAll(extents); // arrays are never mutated after insertion, so sharing them is safe
        return c;
    }

    void write(long offset, byte[] src) {
        write(offset, src, 0, src.length);
    }

    void write(long offset, byte[] src, int srcOffset, int length) {
        if (length == 0) {
            return;
        }
        clear(offset, length);
        extents.put(offset, Arrays.copyOfRange(src, srcOffset, srcOffset + length));
    }

    /** Makes [offset, offset+length) read as zeros again, splitting extents that straddle its ends. */
    void clear(long offset, long length) {
        if (length <= 0) {
            return;
        }
        long end = offset + length;
        List<Map.Entry<Long, byte[]>> hit = new ArrayList<>();
        Map.Entry<Long, byte[]> floor = extents.lowerEntry(offset);
        if (floor != null && floor.getKey() + floor.getValue().length > offset) {
            hit.add(floor);
        }
        hit.addAll(extents.subMap(offset, true, end, false).entrySet());
        for (Map.Entry<Long, byte[]> e : hit) {
            long s = e.getKey();
            byte[] a = e.getValue();
            long eEnd = s + a.length;
            extents.remove(s);
            if (s < offset) {
                extents.put(s, Arrays.copyOfRange(a, 0, (int) (offset - s)));
            }
            if (eEnd > end) {
                extents.put(end, Arrays.copyOfRange(a, (int) (end - s), a.length));
            }
        }
    }

    /** Copies [offset, offset+length) into dst; bytes not covered by an extent are zero. */
    void read(long offset, byte[] dst, int dstOffset, int length) {
        Arrays.fill(dst, dstOffset, dstOffset + length, (byte) 0);
        forEach(offset, length, (start, arr, arrOff, n) ->
                System.arraycopy(arr, arrOff, dst, dstOffset + (int) (start - offset), n));
    }

    byte[] read(long offset, int length) {
        byte[] b = new byte[length];
        read(offset, b, 0, length);
        return b;
    }

    boolean isClear(long offset, long length) {
        boolean[] any = {false};
        forEach(offset, length, (s, a, o, n) -> any[0] = true);
        return !any[0];
    }

    interface ExtentVisitor {
        /** {@code n} bytes of {@code arr} from {@code arrOffset} are the bytes at {@code start}. */
        void visit(long start, byte[] arr, int arrOffset, int n);
    }

    /** Visits, in ascending order, the parts of extents that lie inside [offset, offset+length). */
    void forEach(long offset, long length, ExtentVisitor v) {
        long end = offset + length;
        List<Map.Entry<Long, byte[]>> hit = new ArrayList<>();
        Map.Entry<Long, byte[]> floor = extents.lowerEntry(offset);
        if (floor != null) {
            hit.add(floor);
        }
        hit.addAll(extents.subMap(offset, true, end, false).entrySet());
        for (Map.Entry<Long, byte[]> e : hit) {
            long s = Math.max(e.getKey(), offset);
            long eEnd = Math.min(e.getKey() + e.getValue().length, end);
            if (s < eEnd) {
                v.visit(s, e.getValue(), (int) (s - e.getKey()), (int) (eEnd - s));
            }
        }
    }

    /** Start offset to length of every extent (possibly containing zero bytes), ascending. */
    NavigableMap<Long, Long> ranges() {
        TreeMap<Long, Long> r = new TreeMap<>();
        extents.forEach((k, v) -> r.put(k, (long) v.length));
        return Collections.unmodifiableNavigableMap(r);
    }

    long end() {
        Map.Entry<Long, byte[]> last = extents.lastEntry();
        return last == null ? 0 : last.getKey() + last.getValue().length;
    }
}
