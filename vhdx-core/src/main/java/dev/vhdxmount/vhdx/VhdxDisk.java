package dev.vhdxmount.vhdx;

import static dev.vhdxmount.vhdx.error.Hex.hex;

import dev.vhdxmount.vhdx.error.StorageException;
import dev.vhdxmount.vhdx.error.VhdxFormatException;
import dev.vhdxmount.vhdx.io.ByteSource;
import dev.vhdxmount.vhdx.io.FileByteSource;
import dev.vhdxmount.vhdx.io.Zeros;
import dev.vhdxmount.vhdx.read.BlockMap;
import dev.vhdxmount.vhdx.read.ReadTarget;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * An opened VHDX image: immutable parsed state, a file (possibly seen through a replayed log), and for a
 * differencing disk its parent. Reads are split at block and sector-bitmap-run boundaries and executed piece by
 * piece; nothing is shared between reads, so any number of threads may read at once.
 *
 * <p>{@link #read}, {@link #locate} and {@link #map} are one walk over the same translation ({@link #walk}); they
 * differ only in what they do with a piece. A piece in this file is copied by {@code read} from the file as the
 * replayed log shows it, and handed out by {@code locate} as a file range only where the log holds none of it, else
 * as a piece to {@code read}: so a located disk reads exactly as a read one. {@code map} says the same pieces are
 * data, and that the pieces {@code read} fills with zeros are zeros: so the map agrees with what is read.
 */
final class VhdxDisk implements VirtualDisk {
    /** How much of a map one walk covers: a walk's range is an int. */
    private static final int MAP_STEP = 1 << 30;

    private final ImageInfo info;
    private final ByteSource source;
    private final BlockMap blocks;
    private final VirtualDisk parent;
    /** What read, locate and map do with each piece: one of each per disk, so that none allocates per call. */
    private final Pieces<ByteBuffer> copy = new Copy();
    private final Pieces<ExtentSink> locate = new Locate();
    private final Pieces<AllocationSink> map = new MapRuns();

    VhdxDisk(ImageInfo info, ByteSource source, BlockMap blocks, VirtualDisk parent) {
        this.info = info;
        this.source = source;
        this.blocks = blocks;
        this.parent = parent;
    }

    /** What was parsed at open. */
    ImageInfo info() {
        return info;
    }

    @Override
    public long size() {
        return info.metadata().virtualDiskSize();
    }

    @Override
    public int logicalSectorSize() {
        return info.metadata().logicalSectorSize();
    }

    @Override
    public int physicalSectorSize() {
        return info.metadata().physicalSectorSize();
    }

    /** The translation of one piece of a read, for tests and diagnostics. */
    ReadTarget translate(long virtualOffset, int maxLength) throws IOException {
        return blocks.translate(virtualOffset, maxLength);
    }

    @Override
    public int read(long virtualOffset, ByteBuffer dst) throws IOException {
        int total = DiskRange.clamp(size(), virtualOffset, dst.remaining());
        if (total == 0) {
            return virtualOffset >= size() && dst.hasRemaining() ? -1 : 0;
        }
        int limit = dst.limit();
        try {
            walk(virtualOffset, total, copy, dst);
        } finally {
            dst.limit(limit);
        }
        return total;
    }

    @Override
    public boolean locate(long virtualOffset, int length, ExtentSink sink) throws IOException {
        return walk(virtualOffset, DiskRange.clamp(size(), virtualOffset, length), locate, sink);
    }

    @Override
    public boolean map(long virtualOffset, long length, AllocationSink sink) throws IOException {
        long end = virtualOffset + DiskRange.clamp(size(), virtualOffset, length);
        for (long position = virtualOffset; position < end; position += MAP_STEP) {
            if (!walk(position, (int) Math.min(MAP_STEP, end - position), map, sink)) {
                return false;
            }
        }
        return true;
    }

    /**
     * What a walk does with each piece of the range, given the call's target {@code T} (a buffer to fill, a sink to
     * tell); false stops the walk.
     */
    private interface Pieces<T> {
        /** The piece's bytes are this file's at {@code fileOffset} (as the replayed log shows the file). */
        boolean inFile(T target, long virtualOffset, long fileOffset, int length) throws IOException;

        /** The piece's bytes are the parent's at the same virtual offset. */
        boolean inParent(T target, long virtualOffset, int length) throws IOException;

        boolean zeros(T target, long virtualOffset, int length) throws IOException;
    }

    /**
     * Translates {@code [virtualOffset, virtualOffset + total)} piece by piece and hands each to {@code pieces},
     * with the call's {@code target}.
     * A truncation found on the way is this file's, and says so.
     *
     * @param total bytes to walk, already clamped to the disk's end
     * @return false when {@code pieces} stopped the walk
     */
    private <T> boolean walk(long virtualOffset, int total, Pieces<T> pieces, T target) throws IOException {
        try {
            int done = 0;
            while (done < total) {
                long position = virtualOffset + done;
                ReadTarget piece = blocks.translate(position, total - done);
                int n = piece.length();
                boolean more;
                if (piece instanceof ReadTarget.InFile inFile) {
                    more = pieces.inFile(target, position, inFile.fileOffset(), n);
                } else if (piece instanceof ReadTarget.InParent) {
                    more = pieces.inParent(target, position, n);
                } else {
                    more = pieces.zeros(target, position, n);
                }
                if (!more) {
                    return false;
                }
                done += n;
            }
            return true;
        } catch (VhdxFormatException.Truncated e) {
            throw e.inFile(info.path());
        }
    }

    /** {@link #read}: copies each piece into {@code dst}, whose limit is moved to each piece's end in turn. */
    private final class Copy implements Pieces<ByteBuffer> {
        @Override
        public boolean inFile(ByteBuffer dst, long virtualOffset, long fileOffset, int length) throws IOException {
            dst.limit(dst.position() + length);
            int n;
            try {
                n = source.readFully(dst, fileOffset);
            } catch (StorageException e) {
                throw e.virtualOffset() >= 0 ? e : e.atVirtualOffset(virtualOffset + e.fileOffset() - fileOffset);
            }
            if (n < length) {
                long end = Math.min(source.size(), fileOffset + n);
                long block = (virtualOffset + n) / info.metadata().fileParameters().blockSize();
                throw new VhdxFormatException.Truncated(String.format(
                        "payload block %d (virtual offset %s): data at file offset %s..%s lies past the end of the"
                                + " file at %s (truncated image)",
                        block, hex(virtualOffset + n), hex(fileOffset + n), hex(fileOffset + length), hex(end)),
                        "payload block " + block, block, virtualOffset + n, fileOffset + n, end);
            }
            return true;
        }

        /** A chain is read through its links in turn. */
        @Override
        public boolean inParent(ByteBuffer dst, long virtualOffset, int length) throws IOException {
            dst.limit(dst.position() + length);
            int n = parent.read(virtualOffset, dst);
            if (n < length) {
                throw new VhdxFormatException("virtual offset " + hex(virtualOffset)
                        + ": the parent disk returned " + n + " of " + length + " bytes");
            }
            return true;
        }

        @Override
        public boolean zeros(ByteBuffer dst, long virtualOffset, int length) {
            dst.limit(dst.position() + length);
            Zeros.fill(dst, length);
            return true;
        }
    }

    /** {@link #locate}: says where each piece lives, reading nothing but the structures that map it. */
    private final class Locate implements Pieces<ExtentSink> {
        /** Plain file bytes, unless a replayed log holds some of them or they lie past the file's end. */
        @Override
        public boolean inFile(ExtentSink sink, long virtualOffset, long fileOffset, int length) throws IOException {
            FileByteSource file = source.fileHolding(fileOffset, length);
            return file != null ? sink.inFile(file, fileOffset, length) : sink.read(virtualOffset, length);
        }

        @Override
        public boolean inParent(ExtentSink sink, long virtualOffset, int length) throws IOException {
            return parent.locate(virtualOffset, length, sink);
        }

        @Override
        public boolean zeros(ExtentSink sink, long virtualOffset, int length) throws IOException {
            return sink.zeros(length);
        }
    }

    /** {@link #map}: each piece as a run, read from nothing but the structures that map it, as {@link Locate}. */
    private final class MapRuns implements Pieces<AllocationSink> {
        /** Data; at its file offset only where the file holds it as it is (see {@link Locate#inFile}). */
        @Override
        public boolean inFile(AllocationSink sink, long virtualOffset, long fileOffset, int length)
                throws IOException {
            boolean plain = source.fileHolding(fileOffset, length) != null;
            return sink.run(new Allocation(virtualOffset, length, true, 0, info.path(), plain ? fileOffset : -1));
        }

        @Override
        public boolean inParent(AllocationSink sink, long virtualOffset, int length) throws IOException {
            return parent.map(virtualOffset, length, run -> sink.run(run.inParent()));
        }

        @Override
        public boolean zeros(AllocationSink sink, long virtualOffset, int length) throws IOException {
            return sink.run(new Allocation(virtualOffset, length, false, 0, info.path(), -1));
        }
    }

    @Override
    public void close() throws IOException {
        try (source) {
            if (parent != null) {
                parent.close();
            }
        }
    }
}
