package dev.vhdxmount.mount.partitions;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import dev.vhdxmount.vhdx.VirtualDisk;

/** Bounded reads of a disk's bytes for the parsers: a range past the disk's end is a finding, never a read. */
final class DiskBytes {
    private DiskBytes() {}

    /**
     * The {@code length} bytes at {@code offset}, little-endian.
     *
     * @param what the structure, for the message when it does not lie on the disk
     */
    static ByteBuffer read(VirtualDisk disk, long offset, int length, String what)
            throws IOException, PartitionTableException {
        if (offset < 0 || length < 0 || offset > disk.size() - length) {
            throw new PartitionTableException(what + " at byte " + offset + " (" + length + " bytes) lies past the"
                    + " end of the disk at " + disk.size());
        }
        ByteBuffer b = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        while (b.hasRemaining()) {
            if (disk.read(offset + b.position(), b) <= 0) {
                throw new IOException(what + ": the disk returned " + b.position() + " of " + length + " bytes");
            }
        }
        return b.flip();
    }
}
