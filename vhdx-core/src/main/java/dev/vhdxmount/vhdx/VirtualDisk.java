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

    /**
     * The allocation map of {@code [virtualOffset, virtualOffset + length)}: runs of data and of zeros, in order,
     * that cover the range up to the disk's end unless the sink stops. Exact, as {@link #read} reads: every byte of
     * a zero run reads as zero; a data run holds what is not known to be zero (it may read as zeros too). A replayed
     * log's bytes are data. Adjacent runs may be alike (a data run ends at least at its block's end):
     * {@link #mapMerged} joins them. Nothing is read but the structures that map the range, so it fails as
     * {@link #read} does for corrupt ones; unallocated space costs a look at its BAT entries, a page at a time.
     *
     * <p>This default knows nothing to be zero: the whole range is one data run in no file.
     *
     * @return false when the sink stopped early
     * @throws IllegalArgumentException when {@code virtualOffset} or {@code length} is negative
     */
    default boolean map(long virtualOffset, long length, AllocationSink sink) throws IOException {
        long n = DiskRange.clamp(size(), virtualOffset, length);
        return n == 0 || sink.run(new Allocation(virtualOffset, n, true, 0, null, -1));
    }

    /** {@link #map}, with the runs that continue each other joined: each stretch of data or zeros once. */
    default boolean mapMerged(long virtualOffset, long length, AllocationSink sink) throws IOException {
        MergingSink merging = new MergingSink(sink);
        return map(virtualOffset, length, merging) && merging.finish();
    }

    /**
     * The first offset at or after {@code virtualOffset} that lies in a data run ({@code lseek}'s SEEK_DATA), or
     * {@link #size()} when there is none.
     */
    default long nextData(long virtualOffset) throws IOException {
        return next(this, virtualOffset, true);
    }

    /**
     * The first offset at or after {@code virtualOffset} that lies in a zero run ({@code lseek}'s SEEK_HOLE), or
     * {@link #size()} when there is none: the end of the disk is where the last hole starts.
     */
    default long nextHole(long virtualOffset) throws IOException {
        return next(this, virtualOffset, false);
    }

    /** The bytes of {@code [virtualOffset, virtualOffset + length)} that lie in data runs (a file's st_blocks). */
    default long allocatedBytes(long virtualOffset, long length) throws IOException {
        long[] total = {0};
        map(virtualOffset, length, run -> {
            total[0] += run.data() ? run.length() : 0;
            return true;
        });
        return total[0];
    }

    private static long next(VirtualDisk disk, long virtualOffset, boolean data) throws IOException {
        long[] found = {disk.size()};
        disk.map(virtualOffset, Long.MAX_VALUE, run -> {
            if (run.data() != data) {
                return true;
            }
            found[0] = run.virtualOffset();
            return false;
        });
        return found[0];
    }
}
