package dev.vhdxmount.vhdx.io;

import dev.vhdxmount.vhdx.error.Hex;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * A read-only file seen through writes held in memory: how a dirty log is replayed without writing the image
 * (MS-VHDX §2.3.3: read-only media "cannot allow reads without replaying the log in memory").
 *
 * <p>Bytes come from the newest write that covers them, else from the base file, else (past the base's end, where a
 * log grew the file) zeros. Built once by {@link Builder}; immutable afterwards.
 */
public final class OverlayByteSource implements ByteSource {

    /** A written range: {@code data} holds its bytes, or is null for a range written with zeros. */
    private record Extent(long start, long length, byte[] data) {
        long end() {
            return start + length;
        }

        Extent slice(long from, long to) {
            byte[] part = data == null ? null : java.util.Arrays.copyOfRange(data, (int) (from - start), (int) (to - start));
            return new Extent(from, to - from, part);
        }
    }

    /** A range the overlay holds: {@code zeros} when the log wrote zeros there, else data. */
    public record Write(long fileOffset, long length, boolean zeros) {
        public long end() {
            return fileOffset + length;
        }
    }

    private final ByteSource base;
    private final NavigableMap<Long, Extent> extents;
    private final long size;

    private OverlayByteSource(ByteSource base, NavigableMap<Long, Extent> extents, long size) {
        this.base = base;
        this.extents = Collections.unmodifiableNavigableMap(extents);
        this.size = size;
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public int read(ByteBuffer dst, long position) throws IOException {
        if (position >= size) {
            return -1;
        }
        int total = 0;
        while (dst.hasRemaining() && position < size) {
            long remaining = Math.min(dst.remaining(), size - position);
            Map.Entry<Long, Extent> floor = extents.floorEntry(position);
            int n;
            if (floor != null && floor.getValue().end() > position) {
                Extent e = floor.getValue();
                n = (int) Math.min(remaining, e.end() - position);
                if (e.data == null) {
                    Zeros.fill(dst, n);
                } else {
                    dst.put(e.data, (int) (position - e.start), n);
                }
            } else {
                Long next = extents.higherKey(position);
                long until = Math.min(position + remaining, next == null ? Long.MAX_VALUE : next);
                n = readBase(dst, position, (int) (until - position));
            }
            position += n;
            total += n;
        }
        return total;
    }

    /** The file under the overlay. */
    public ByteSource base() {
        return base;
    }

    /** The ranges the overlay holds, in file order, none overlapping: what replay changes (or rewrites unchanged). */
    public List<Write> writes() {
        List<Write> out = new ArrayList<>();
        for (Extent e : extents.values()) {
            out.add(new Write(e.start, e.length, e.data == null));
        }
        return out;
    }

    /** The base file when no write of the log covers any of these bytes and the base holds them all; else null. */
    @Override
    public FileByteSource fileHolding(long position, int length) {
        // extents do not overlap: only the last one starting before the range's end can reach into it
        Map.Entry<Long, Extent> last = extents.lowerEntry(position + length);
        if (last != null && last.getValue().end() > position) {
            return null;
        }
        return base.fileHolding(position, length);
    }

    /** Reads from the base file, with zeros where the overlay grew the file past the base's end. */
    private int readBase(ByteBuffer dst, long position, int length) throws IOException {
        long baseSize = base.size();
        if (position >= baseSize) {
            Zeros.fill(dst, length);
            return length;
        }
        int fromBase = (int) Math.min(length, baseSize - position);
        ByteBuffer window = dst.duplicate();
        window.limit(window.position() + fromBase);
        int n = base.readFully(window, position);
        if (n < fromBase) {
            // the file shrank under us: say so rather than return stale zeros
            throw new java.io.EOFException("file ends at " + Hex.hex(position + n) + ", expected data up to "
                    + Hex.hex(position + fromBase));
        }
        dst.position(dst.position() + n);
        return n;
    }

    @Override
    public void close() throws IOException {
        base.close();
    }

    /** Collects writes in log order; later writes win where they overlap earlier ones. */
    public static final class Builder {
        private final ByteSource base;
        private final TreeMap<Long, Extent> extents = new TreeMap<>();
        private long size;

        public Builder(ByteSource base) {
            this.base = base;
            this.size = base.size();
        }

        public Builder write(long fileOffset, byte[] data) {
            return put(new Extent(fileOffset, data.length, data.clone()));
        }

        public Builder writeZeros(long fileOffset, long length) {
            return put(new Extent(fileOffset, length, null));
        }

        /** Makes the file at least {@code newSize} bytes long (a log's LastFileOffset). */
        public Builder growTo(long newSize) {
            size = Math.max(size, newSize);
            return this;
        }

        private Builder put(Extent extent) {
            if (extent.length == 0) {
                return this;
            }
            long start = extent.start;
            long end = extent.end();
            // cut away what the new extent covers from the extents it overlaps
            Map.Entry<Long, Extent> floor = extents.lowerEntry(start);
            if (floor != null && floor.getValue().end() > start) {
                Extent old = floor.getValue();
                extents.put(old.start, old.slice(old.start, start));
                if (old.end() > end) {
                    extents.put(end, old.slice(end, old.end()));
                }
            }
            for (Map.Entry<Long, Extent> e = extents.ceilingEntry(start); e != null && e.getKey() < end;
                    e = extents.ceilingEntry(start)) {
                Extent old = extents.remove(e.getKey());
                if (old.end() > end) {
                    extents.put(end, old.slice(end, old.end()));
                }
            }
            extents.put(start, extent);
            size = Math.max(size, end);
            return this;
        }

        public OverlayByteSource build() {
            return new OverlayByteSource(base, new TreeMap<>(extents), size);
        }
    }
}
