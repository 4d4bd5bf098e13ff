package dev.vhdxmount.mount.overlay;

import java.io.IOException;
import java.nio.ByteBuffer;

import dev.vhdxmount.vhdx.ExtentSink;
import dev.vhdxmount.vhdx.VirtualDisk;

/**
 * A virtual disk that takes writes, and whose bytes may therefore change between two calls. A reader that gets bytes
 * in more than one step (a splicing server: {@link #locate} now, the file ranges read by the kernel later) takes a
 * {@link #hold} of its range, so that no write lands in the range until it has all of them.
 *
 * <p>Any number of threads may read, write and hold at once.
 */
public interface WritableDisk extends VirtualDisk {

    /**
     * Writes all of {@code src} at {@code virtualOffset}, and consumes it. A read that overlaps this write sees,
     * within this write's range, either none or all of it.
     *
     * @throws IllegalArgumentException when the range does not lie within the disk, or is longer than the disk takes at
     *                                  once ({@link OverlayDisk#MAX_WRITE})
     * @throws OverlayFullException     when there is no room for the write: nothing it would have added is mapped
     * @throws IOException              when the storage fails: the chunks of this write may then each be all old or
     *                                  all new, as with a block device's failed write
     */
    void write(long virtualOffset, ByteBuffer src) throws IOException;

    /** Makes every completed write reach the storage, and says whether it could (fsync). */
    void flush() throws IOException;

    /**
     * Keeps {@code [virtualOffset, virtualOffset + length)} (cut at the disk's end) from changing until the hold is
     * closed: writes that overlap it wait. Read and locate the range through the hold, not the disk: the hold's
     * {@link HeldRange#locate} describes the range as it stays while held, file ranges included.
     *
     * <pre>{@code
     * try (HeldRange held = disk.hold(offset, length)) {
     *     held.locate(offset, length, sink);   // and held.read(...) for the pieces to read
     *     ... send every piece ...
     * }
     * }</pre>
     *
     * <p>The thread that takes a hold closes it, and takes no other hold and no write meanwhile: holds of overlapping
     * ranges would wait for each other's writers.
     *
     * @throws IllegalArgumentException when {@code virtualOffset} or {@code length} is negative
     */
    HeldRange hold(long virtualOffset, int length);

    /**
     * Describes the range as one piece to {@link #read}: the pieces of a disk that takes writes stay true only while
     * held, so a caller that holds nothing gets what one read gives, whole and consistent. A splicing server uses
     * {@link #hold} and the hold's {@link HeldRange#locate} instead.
     */
    @Override
    default boolean locate(long virtualOffset, int length, ExtentSink sink) throws IOException {
        if (virtualOffset < 0 || length < 0) {
            throw new IllegalArgumentException(virtualOffset < 0 ? "negative offset " + virtualOffset
                    : "negative length " + length);
        }
        int n = (int) Math.min(length, Math.max(0, size() - virtualOffset));
        return n == 0 || sink.read(virtualOffset, n);
    }
}
