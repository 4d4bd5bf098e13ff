package dev.vhdxmount.vhdx;

/**
 * The part of a requested range that lies on the disk: the one place a read, a locate or a map is clamped to its end,
 * for every implementation of {@link VirtualDisk}.
 */
public final class DiskRange {
    private DiskRange() {}

    /**
     * The number of bytes of {@code [virtualOffset, virtualOffset + length)} before the disk's end.
     *
     * @throws IllegalArgumentException when {@code virtualOffset} or {@code length} is negative
     */
    public static int clamp(long diskSize, long virtualOffset, int length) {
        return (int) clamp(diskSize, virtualOffset, (long) length);
    }

    /** As {@link #clamp(long, long, int)}, for a range of any length (an allocation map's). */
    public static long clamp(long diskSize, long virtualOffset, long length) {
        if (virtualOffset < 0 || length < 0) {
            throw new IllegalArgumentException(virtualOffset < 0 ? "negative offset " + virtualOffset
                    : "negative length " + length);
        }
        return Math.min(length, Math.max(0, diskSize - virtualOffset));
    }
}
