package dev.vhdxmount.vhdx;

import java.nio.file.Path;
import java.util.Objects;

/**
 * One run of a virtual disk's allocation map ({@link VirtualDisk#map}): {@code length} bytes from
 * {@code virtualOffset} that hold data or read as zeros, and the disk of a chain that says so.
 *
 * @param data       true where the bytes are not known to be zeros: they lie in a file (an allocated block that was
 *                   never written still reads as zeros) or in a replayed log; false where they read as zeros
 * @param depth      the disk of the chain that holds the run or made it zeros: 0 the disk itself, 1 its parent...
 * @param file       that disk's image file; null for a disk that is not a VHDX image
 * @param fileOffset where the data lies in {@code file}, as the file holds it; -1 for zeros, and for data that is
 *                   not plain bytes of the file (a replayed log holds some of them, or they lie past its end)
 */
public record Allocation(long virtualOffset, long length, boolean data, int depth, Path file, long fileOffset) {

    public Allocation {
        if (virtualOffset < 0 || length <= 0 || depth < 0 || (!data && fileOffset != -1) || fileOffset < -1) {
            throw new IllegalArgumentException("run at " + virtualOffset + " of " + length + " bytes, data " + data
                    + ", depth " + depth + ", file offset " + fileOffset);
        }
    }

    /** The end of the run: the first virtual offset after it. */
    public long end() {
        return virtualOffset + length;
    }

    /** The opposite of {@link #data}: every byte reads as zero. */
    public boolean zero() {
        return !data;
    }

    /** Whether {@code next} starts where this run ends and says the same of its bytes (data at the next offset). */
    public boolean continuedBy(Allocation next) {
        return next.virtualOffset == end() && next.data == data && next.depth == depth
                && Objects.equals(next.file, file)
                && (fileOffset == -1 ? next.fileOffset == -1 : next.fileOffset == fileOffset + length);
    }

    /** This run and {@code next}, which {@link #continuedBy continues} it, as one. */
    Allocation joinedWith(Allocation next) {
        return new Allocation(virtualOffset, length + next.length, data, depth, file, fileOffset);
    }

    /** The run as the child of this run's disk sees it: one level further down its chain. */
    Allocation inParent() {
        return new Allocation(virtualOffset, length, data, depth + 1, file, fileOffset);
    }
}
