package dev.vhdxmount.vhdx.io;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Bytes addressed by absolute position, with no cursor (like {@code FileChannel.read(dst, position)} or Go's
 * {@code ReaderAt}), so any number of threads can read at once.
 */
public interface ByteSource extends Closeable {

    /** Size in bytes, as known when the source was opened (an overlay may be larger than the file under it). */
    long size();

    /**
     * Reads up to {@code dst.remaining()} bytes at {@code position}.
     *
     * @return bytes read; fewer than asked only where the source ends; -1 when {@code position} is at or past the end
     */
    int read(ByteBuffer dst, long position) throws IOException;

    /**
     * The file that holds exactly these bytes at the same position, or null when they are not plain file bytes (an
     * overlay holds some of them in memory, or they lie past the file's end). Lets a server hand the range to the
     * kernel instead of reading it ({@link dev.vhdxmount.vhdx.VirtualDisk#locate}).
     */
    default FileByteSource fileHolding(long position, int length) {
        return null;
    }

    /** Reads until {@code dst} is full or the source ends; returns the number of bytes read. */
    default int readFully(ByteBuffer dst, long position) throws IOException {
        int total = 0;
        while (dst.hasRemaining()) {
            int n = read(dst, position + total);
            if (n <= 0) {
                break;
            }
            total += n;
        }
        return total;
    }
}
