package dev.vhdxmount.vhdx.testkit;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.List;
import java.util.NavigableMap;

/**
 * What a virtual disk MUST read as, computed by {@link VhdxBuilder#expected()} from what the test wrote and the
 * block states it chose, never by parsing the image. Sparse: an 8 GiB disk with a few writes is a few arrays.
 *
 * <p>Where MS-VHDX leaves the content open (PAYLOAD_BLOCK_UNDEFINED / UNMAPPED in a differencing disk, a
 * PARTIALLY_PRESENT block in a disk without a parent, reserved states) the expected content is zeros and the range
 * is listed in {@link #ambiguousRanges()}, so a test can decide whether to insist on zeros there.
 */
public final class ExpectedDisk {
    /** Same shape as {@code VirtualDisk.read}, so {@code disk::read} fits; declared here to keep the testkit free of main code. */
    @FunctionalInterface
    public interface Source {
        int read(long virtualOffset, ByteBuffer dst) throws IOException;
    }

    /** A byte range of the virtual disk. */
    public record Range(long offset, long length) {
        public long end() {
            return offset + length;
        }
    }

    /**
     * A run of the allocation map the disk must have: data (a FULLY_PRESENT block, or the sectors of a
     * PARTIALLY_PRESENT one whose bitmap bits are set) or zeros (any other state, unless it reads the parent), and
     * the disk of the chain that decided it (0 this one, 1 its parent...).
     */
    public record Run(long offset, long length, boolean data, int depth) {
        public long end() {
            return offset + length;
        }
    }

    private static final int CHUNK = 1 << 20;

    private final long size;
    private final int logicalSectorSize;
    private final SparseData data;
    private final List<Range> ambiguous;
    private final List<Run> runs;

    ExpectedDisk(long size, int logicalSectorSize, SparseData data, List<Range> ambiguous, List<Run> runs) {
        this.size = size;
        this.logicalSectorSize = logicalSectorSize;
        this.data = data;
        this.ambiguous = List.copyOf(ambiguous);
        this.runs = List.copyOf(runs);
    }

    /** A disk of {@code size} bytes that reads as zeros everywhere. */
    public static ExpectedDisk zeros(long size, int logicalSectorSize) {
        return new ExpectedDisk(size, logicalSectorSize, new SparseData(), List.of(),
                new ExpectedRuns(size, 0).merged());
    }

    public long size() {
        return size;
    }

    public int logicalSectorSize() {
        return logicalSectorSize;
    }

    SparseData data() {
        return data;
    }

    /** The bytes at [offset, offset+length); the range must lie inside the disk. */
    public byte[] read(long offset, int length) {
        checkRange(offset, length);
        return data.read(offset, length);
    }

    /** Ranges that may hold non-zero bytes (start to length, ascending); everything else reads as zeros. */
    public NavigableMap<Long, Long> dataRanges() {
        return data.ranges();
    }

    /** Ranges whose content the spec leaves to the implementation; their expected bytes here are zeros. */
    public List<Range> ambiguousRanges() {
        return ambiguous;
    }

    /**
     * The allocation map the disk must have, in order, alike neighbours joined. Where the reader refuses the block
     * (a PARTIALLY_PRESENT block without a parent, the reserved state 4) it says what the state would say were it
     * NOT_PRESENT; a test of such blocks compares nothing there.
     */
    public List<Run> allocation() {
        return runs;
    }

    /**
     * SHA-256 (lowercase hex) of the whole virtual disk, streamed: zeros between extents are hashed, not stored. It
     * hashes every byte, so it costs about a second per GiB; for large sparse disks compare by ranges instead.
     */
    public String sha256() {
        MessageDigest md = Hashes.sha256();
        byte[] buf = new byte[CHUNK];
        for (long off = 0; off < size; ) {
            int n = (int) Math.min(CHUNK, size - off);
            data.read(off, buf, 0, n);
            md.update(buf, 0, n);
            off += n;
        }
        return Hashes.hex(md);
    }

    /** SHA-256 (lowercase hex) of what {@code source} returns over the whole disk, for comparison with {@link #sha256()}. */
    public static String sha256(Source source, long size) throws IOException {
        return Hashes.sha256(source, size);
    }

    /**
     * Reads the whole disk through {@code source} and returns the first virtual offset whose byte differs from the
     * expected content, or -1 when every byte matches. A short read before the end of the disk counts as a mismatch
     * at the first byte not returned.
     */
    public long firstMismatch(Source source) throws IOException {
        return firstMismatch(source, 0, size);
    }

    /** As {@link #firstMismatch(Source)} over [offset, offset+length) only, read in chunks of 1 MiB. */
    public long firstMismatch(Source source, long offset, long length) throws IOException {
        checkRange(offset, length);
        byte[] want = new byte[CHUNK];
        ByteBuffer got = ByteBuffer.allocate(CHUNK);
        for (long off = offset; off < offset + length; ) {
            int n = (int) Math.min(CHUNK, offset + length - off);
            data.read(off, want, 0, n);
            got.clear().limit(n);
            int filled = readFully(source, off, got);
            int m = Arrays.mismatch(want, 0, filled, got.array(), 0, filled);
            if (m >= 0) {
                return off + m;
            }
            if (filled < n) {
                return off + filled;
            }
            off += n;
        }
        return -1;
    }

    /** Writes the disk as a sparse raw image (only the extents are written), e.g. for {@code qemu-img compare}. */
    public void writeRaw(Path file) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(0);
            FileChannel ch = raf.getChannel();
            data.forEach(0, size, (start, arr, arrOff, n) -> {
                try {
                    ByteBuffer b = ByteBuffer.wrap(arr, arrOff, n);
                    long pos = start;
                    while (b.hasRemaining()) {
                        pos += ch.write(b, pos);
                    }
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            raf.setLength(size);
        }
    }

    private static int readFully(Source source, long off, ByteBuffer buf) throws IOException {
        int start = buf.position();
        while (buf.hasRemaining()) {
            int r = source.read(off + buf.position() - start, buf);
            if (r <= 0) {
                break;
            }
        }
        int filled = buf.position() - start;
        buf.flip();
        return filled;
    }

    private void checkRange(long offset, long length) {
        if (offset < 0 || length < 0 || offset + length > size) {
            throw new IllegalArgumentException("range [" + offset + ", +" + length + ") outside a disk of " + size);
        }
    }
}
