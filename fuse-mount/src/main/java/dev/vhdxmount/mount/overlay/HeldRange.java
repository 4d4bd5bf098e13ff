package dev.vhdxmount.mount.overlay;

import java.io.IOException;
import java.nio.ByteBuffer;

import dev.vhdxmount.vhdx.ExtentSink;
import dev.vhdxmount.vhdx.VirtualDisk;

/**
 * One range of a {@link WritableDisk} kept as it is until closed ({@link WritableDisk#hold}): a view of the disk in
 * which that range cannot change, so that the pieces {@link #locate} describes (file ranges of the overlay included)
 * stay true until the caller has sent them. Reads and locates must lie within the held range.
 *
 * <p>Closing it releases the range, never the disk.
 */
public interface HeldRange extends VirtualDisk {

    /**
     * @throws IllegalArgumentException when the range read is not within the held range
     * @throws IllegalStateException    when the hold was closed
     */
    @Override
    int read(long virtualOffset, ByteBuffer dst) throws IOException;

    /**
     * The pieces of a range within the held range, as they stay until the hold is closed: pieces of the overlay file
     * ({@link ExtentSink#inFile}, with the overlay file's descriptor where its opener gave one), and the base disk's
     * own pieces elsewhere.
     *
     * @throws IllegalArgumentException when the range is not within the held range
     * @throws IllegalStateException    when the hold was closed
     */
    @Override
    boolean locate(long virtualOffset, int length, ExtentSink sink) throws IOException;

    /** Lets writes into the range go on. Idempotent. */
    @Override
    void close();
}
