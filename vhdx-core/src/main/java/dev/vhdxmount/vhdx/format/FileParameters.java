package dev.vhdxmount.vhdx.format;

import dev.vhdxmount.vhdx.error.VhdxFormatException;
import java.nio.ByteBuffer;
import java.util.UUID;

/**
 * The File Parameters metadata item (MS-VHDX §2.6.2.1): block size, whether blocks stay allocated (a fixed disk),
 * and whether the disk has a parent (a differencing disk).
 */
public record FileParameters(int blockSize, boolean leaveBlocksAllocated, boolean hasParent) {
    public static final UUID ID = UUID.fromString("caa16737-fa36-4d43-b3b6-33f0aa44e76b");
    public static final int SIZE = 8;
    public static final int MIN_BLOCK_SIZE = 1 << 20;
    public static final int MAX_BLOCK_SIZE = 256 << 20;

    public static FileParameters parse(ByteBuffer b, String where) throws VhdxFormatException {
        long blockSize = Integer.toUnsignedLong(b.getInt(0));
        int flags = b.getInt(4);
        if (blockSize < MIN_BLOCK_SIZE || blockSize > MAX_BLOCK_SIZE || Long.bitCount(blockSize) != 1) {
            throw new VhdxFormatException(where + ": BlockSize " + blockSize
                    + " is not a power of two from 1 MiB to 256 MiB");
        }
        if ((flags & ~3) != 0) {
            throw new VhdxFormatException(String.format("%s: reserved flag bits 2-31 are not zero (flags 0x%08x)",
                    where, flags));
        }
        return new FileParameters((int) blockSize, (flags & 1) != 0, (flags & 2) != 0);
    }
}
