package dev.vhdxmount.vhdx;

import dev.vhdxmount.vhdx.error.VhdxFormatException;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A virtual disk's bytes, addressed by virtual offset.
 *
 * <p>Implementations are safe for any number of concurrent readers: they keep no cursor and their parsed state is
 * immutable, so a FUSE loop may call {@link #read} from many threads at once.
 */
public interface VirtualDisk extends Closeable {

    /** Size of the virtual disk in bytes (VirtualDiskSize). */
    long size();

    /** Logical sector size in bytes: 512 or 4096. */
    int logicalSectorSize();

    /** Physical sector size in bytes: 512 or 4096. */
    int physicalSectorSize();

    /**
     * Reads up to {@code dst.remaining()} bytes starting at {@code virtualOffset} into {@code dst}.
     *
     * <p>The read is short only at the end of the disk: it fills {@code dst} completely unless the disk ends first.
     *
     * @return the number of bytes read, or -1 when {@code virtualOffset >= size()} and {@code dst} has room
     * @throws IllegalArgumentException when {@code virtualOffset} is negative
     * @throws VhdxFormatException when the image's structures for this range are corrupt or lie past the file's end
     * @throws IOException when the underlying file cannot be read
     */
    int read(long virtualOffset, ByteBuffer dst) throws IOException;

    /**
     * Says where the bytes of {@code [virtualOffset, virtualOffset + length)} live, without reading them: for a server
     * that has the kernel move file ranges (splice) instead of copying them through {@link #read}. The pieces go to
     * {@code sink} in order and cover the range up to the disk's end, unless the sink stops. Nothing is read but the
     * structures that map the range (BAT, sector bitmaps), so it fails as {@link #read} does for corrupt ones.
     *
     * <p>This default describes the whole range as bytes to {@link #read}.
     *
     * @return false when the sink stopped early
     * @throws IllegalArgumentException when {@code virtualOffset} or {@code length} is negative
     */
    default boolean locate(long virtualOffset, int length, ExtentSink sink) throws IOException {
        int n = DiskRange.clamp(size(), virtualOffset, length);
        return n == 0 || sink.read(virtualOffset, n);
    }
}
