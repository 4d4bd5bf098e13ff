package dev.vhdxmount.mount.fuse;

import java.io.IOException;
import java.nio.ByteBuffer;

import dev.vhdxmount.vhdx.Allocation;
import dev.vhdxmount.vhdx.AllocationSink;
import dev.vhdxmount.vhdx.DiskRange;
import dev.vhdxmount.vhdx.ExtentSink;
import dev.vhdxmount.vhdx.VirtualDisk;
import dev.vhdxmount.vhdx.io.FileByteSource;

/**
 * A byte range of a disk served as a disk of its own: a partition file ({@code p1.raw}). Every call is the whole
 * disk's, moved by {@code start} and cut at {@code length}, so a partition file reads, splices and maps exactly as
 * the same bytes of disk.raw do, and never past its end whatever its caller asks. The disk belongs to whoever made the
 * slice: closing the slice leaves it open.
 *
 * <p>A slice of a {@link dev.vhdxmount.mount.overlay.WritableDisk} is only read through: the model writes to the
 * disk itself, at {@link #start} plus the file's offset, and reads a writable disk's slice through a hold of the
 * disk's range, sliced alike ({@link DiskFileSystem#read}).
 */
final class DiskSlice implements VirtualDisk {
    private final VirtualDisk disk;
    private final long start;
    private final long length;

    /** {@code [start, start + length)} of {@code disk}, which must lie inside it. */
    static DiskSlice of(VirtualDisk disk, long start, long length) {
        return new DiskSlice(disk, start, length);
    }

    DiskSlice(VirtualDisk disk, long start, long length) {
        if (start < 0 || length < 0 || start > disk.size() - length) {
            throw new IllegalArgumentException("slice at " + start + " of " + length + " bytes of a disk of "
                    + disk.size());
        }
        this.disk = disk;
        this.start = start;
        this.length = length;
    }

    long start() {
        return start;
    }

    @Override
    public long size() {
        return length;
    }

    @Override
    public int logicalSectorSize() {
        return disk.logicalSectorSize();
    }

    @Override
    public int physicalSectorSize() {
        return disk.physicalSectorSize();
    }

    @Override
    public int read(long virtualOffset, ByteBuffer dst) throws IOException {
        int n = DiskRange.clamp(length, virtualOffset, dst.remaining());
        if (n == 0) {
            return dst.hasRemaining() ? -1 : 0;
        }
        ByteBuffer window = dst.duplicate().limit(dst.position() + n);
        int read = disk.read(start + virtualOffset, window);
        if (read > 0) {
            dst.position(dst.position() + read);
        }
        return read;
    }

    @Override
    public boolean locate(long virtualOffset, int length, ExtentSink sink) throws IOException {
        int n = DiskRange.clamp(this.length, virtualOffset, length);
        if (n == 0) {
            return true;
        }
        return disk.locate(start + virtualOffset, n, new ExtentSink() {
            @Override
            public boolean inFile(FileByteSource file, long fileOffset, int pieceLength) throws IOException {
                return sink.inFile(file, fileOffset, pieceLength);
            }

            @Override
            public boolean zeros(int pieceLength) throws IOException {
                return sink.zeros(pieceLength);
            }

            @Override
            public boolean read(long diskOffset, int pieceLength) throws IOException {
                // the caller reads these bytes back through this slice, at the slice's own offsets
                return sink.read(diskOffset - start, pieceLength);
            }
        });
    }

    @Override
    public boolean map(long virtualOffset, long length, AllocationSink sink) throws IOException {
        long n = DiskRange.clamp(this.length, virtualOffset, length);
        if (n == 0) {
            return true;
        }
        long from = start + virtualOffset;
        long to = from + n;
        return disk.map(from, n, run -> {
            // runs come clipped to the range asked for; clip again so that no run can leave the slice
            long runStart = Math.max(run.virtualOffset(), from);
            long runEnd = Math.min(run.end(), to);
            if (runEnd <= runStart) {
                return true;
            }
            long fileOffset = run.fileOffset() < 0 ? -1 : run.fileOffset() + (runStart - run.virtualOffset());
            return sink.run(new Allocation(runStart - start, runEnd - runStart, run.data(), run.depth(), run.file(),
                    fileOffset));
        });
    }

    @Override
    public void close() {
        // the disk is the caller's
    }
}
