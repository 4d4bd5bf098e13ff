package dev.vhdxmount.vhdx.format;

import dev.vhdxmount.vhdx.error.VhdxFormatException;
import java.nio.ByteBuffer;
import java.util.UUID;

/**
 * The Virtual Disk Size metadata item (MS-VHDX §2.6.2.2): the virtual disk's size in bytes, a multiple of the
 * logical sector size and at most 64 TiB.
 */
public record VirtualDiskSize(long bytes) {
    public static final UUID ID = UUID.fromString("2fa54224-cd1b-4876-b211-5dbed83bf4b8");
    public static final int SIZE = 8;
    public static final long MAX = 64L << 40;

    /**
     * Parses the item and checks it against the logical sector size (so the Logical Sector Size item is parsed
     * first). A size of 0 is refused as well: qemu-img and libvhdi refuse it, Hyper-V never writes one, and a disk
     * of no bytes can only be a damaged item.
     */
    public static VirtualDiskSize parse(ByteBuffer b, int logicalSectorSize, String where)
            throws VhdxFormatException {
        long size = b.getLong(0);
        if (size == 0) {
            throw new VhdxFormatException(where + ": VirtualDiskSize is 0 (an empty virtual disk)");
        }
        if (size < 0 || size > MAX) {
            throw new VhdxFormatException(where + ": VirtualDiskSize " + Long.toUnsignedString(size) + " bytes is more"
                    + " than 64 TiB, the largest MS-VHDX allows");
        }
        if (size % logicalSectorSize != 0) {
            throw new VhdxFormatException(where + ": VirtualDiskSize " + size + " bytes is not a multiple of the "
                    + logicalSectorSize + "-byte logical sector size");
        }
        return new VirtualDiskSize(size);
    }
}
