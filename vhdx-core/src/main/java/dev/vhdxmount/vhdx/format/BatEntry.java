package dev.vhdxmount.vhdx.format;

/**
 * One 64-bit BAT entry (MS-VHDX §2.5.1): State in bits 0-2, reserved bits 3-19, FileOffsetMB in bits 20-63.
 * Kept as the raw {@code long} in tables; these helpers name the fields.
 */
public final class BatEntry {
    /** Sector bitmap block states (§2.5.1.2). */
    public static final int SB_BLOCK_NOT_PRESENT = 0;
    public static final int SB_BLOCK_PRESENT = 6;

    private BatEntry() {}

    public static int state(long entry) {
        return (int) (entry & 7);
    }

    public static int reservedBits(long entry) {
        return (int) ((entry >>> 3) & 0x1FFFF);
    }

    /** File offset of the block in bytes (FileOffsetMB x 1 MiB). */
    public static long fileOffset(long entry) {
        return (entry >>> 20) << 20;
    }
}
