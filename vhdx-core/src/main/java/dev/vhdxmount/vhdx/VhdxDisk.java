package dev.vhdxmount.vhdx;

import dev.vhdxmount.vhdx.error.VhdxFormatException;

import static dev.vhdxmount.vhdx.error.Hex.hex;

import dev.vhdxmount.vhdx.io.ByteSource;
import dev.vhdxmount.vhdx.io.FileByteSource;
import dev.vhdxmount.vhdx.error.StorageException;
import dev.vhdxmount.vhdx.io.Zeros;
import dev.vhdxmount.vhdx.read.BlockMap;
import dev.vhdxmount.vhdx.read.ReadTarget;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * An opened VHDX image: immutable parsed state, a file (possibly seen through a replayed log), and for a
 * differencing disk its parent. Reads are split at block and sector-bitmap-run boundaries and executed piece by
 * piece; nothing is shared between reads, so any number of threads may read at once.
 */
public final class VhdxDisk implements VirtualDisk {
    private final ImageInfo info;
    private final ByteSource source;
    private final BlockMap blocks;
    private final VirtualDisk parent;

    VhdxDisk(ImageInfo info, ByteSource source, BlockMap blocks, VirtualDisk parent) {
        this.info = info;
        this.source = source;
        this.blocks = blocks;
        this.parent = parent;
    }

    /** What was parsed at open. */
    public ImageInfo info() {
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

    /** The translation of one piece of a read, exposed for tests and diagnostics. */
    public ReadTarget translate(long virtualOffset, int maxLength) throws IOException {
        return blocks.translate(virtualOffset, maxLength);
    }

    @Override
    public int read(long virtualOffset, ByteBuffer dst) throws IOException {
        if (virtualOffset < 0) {
            throw new IllegalArgumentException("negative offset " + virtualOffset);
        }
        long size = size();
        if (virtualOffset >= size) {
            return dst.hasRemaining() ? -1 : 0;
        }
        int total = (int) Math.min(dst.remaining(), size - virtualOffset);
        int done = 0;
        int limit = dst.limit();
        try {
            while (done < total) {
                long position = virtualOffset + done;
                ReadTarget target = blocks.translate(position, total - done);
                dst.limit(dst.position() + target.length());
                if (target instanceof ReadTarget.InFile inFile) {
                    readFile(inFile, position, dst);
                } else if (target instanceof ReadTarget.InParent inParent) {
                    readParent(inParent, dst);
                } else {
                    Zeros.fill(dst, target.length());
                }
                done += target.length();
                dst.limit(limit);
            }
        } finally {
            dst.limit(limit);
        }
        return total;
    }

    @Override
    public boolean locate(long virtualOffset, int length, ExtentSink sink) throws IOException {
        if (virtualOffset < 0 || length < 0) {
            throw new IllegalArgumentException("negative offset " + virtualOffset + " or length " + length);
        }
        int total = (int) Math.min(length, Math.max(0, size() - virtualOffset));
        int done = 0;
        while (done < total) {
            long position = virtualOffset + done;
            ReadTarget target = blocks.translate(position, total - done);
            int n = target.length();
            boolean more;
            if (target instanceof ReadTarget.InFile inFile) {
                // plain file bytes, unless a replayed log holds some of them or they lie past the file's end
                FileByteSource file = source.fileHolding(inFile.fileOffset(), n);
                more = file != null ? sink.inFile(file, inFile.fileOffset(), n) : sink.read(position, n);
            } else if (target instanceof ReadTarget.InParent) {
                more = parent.locate(position, n, sink);
            } else {
                more = sink.zeros(n);
            }
            if (!more) {
                return false;
            }
            done += n;
        }
        return true;
    }

    /** Reads a piece that lies in this file; {@code dst}'s limit is the piece's end. */
    private void readFile(ReadTarget.InFile target, long virtualOffset, ByteBuffer dst) throws IOException {
        int n;
        try {
            n = source.readFully(dst, target.fileOffset());
        } catch (StorageException e) {
            throw e.virtualOffset() >= 0 ? e : e.atVirtualOffset(virtualOffset + e.fileOffset() - target.fileOffset());
        }
        if (n < target.length()) {
            long end = Math.min(source.size(), target.fileOffset() + n);
            throw new VhdxFormatException.Truncated(String.format(
                    "payload block %d (virtual offset %s): data at file offset %s..%s lies past the end of the file"
                            + " at %s (truncated image)",
                    (virtualOffset + n) / info.metadata().fileParameters().blockSize(), hex(virtualOffset + n),
                    hex(target.fileOffset() + n), hex(target.fileOffset() + target.length()), hex(end)));
        }
    }

    /** Reads a piece from the parent at the same virtual offset; a chain is read through its links in turn. */
    private void readParent(ReadTarget.InParent target, ByteBuffer dst) throws IOException {
        int n = parent.read(target.virtualOffset(), dst);
        if (n < target.length()) {
            throw new VhdxFormatException("virtual offset " + hex(target.virtualOffset())
                    + ": the parent disk returned " + n + " of " + target.length() + " bytes");
        }
    }

    @Override
    public void close() throws IOException {
        try (ByteSource s = source) {
            if (parent != null) {
                parent.close();
            }
        }
    }
}
