package dev.vhdxmount.vhdx.check;

/**
 * Which MiB of the file something claims: structures and allocated blocks ({@link #claim}, where two claims on the
 * same MiB are an overlap), and space that a block in another state still points at ({@link #reference}: never an
 * overlap, but not unreferenced either). Blocks and regions start on MiB boundaries (MS-VHDX §2.2.3, §2.5.1), so a
 * bit per MiB is exact for them: 8 MiB of bits for a 64 TiB file.
 */
final class SpaceMap {
    static final int UNIT = 1 << 20;
    /** Bits for at most this many MiB (128 TiB of file, 16 MiB per bit set): a larger file is mapped that far. */
    static final long MAX_UNITS = 1L << 27;

    private final long fileSize;
    private final long units;
    private final long[] claimed;
    private final long[] referenced;

    SpaceMap(long fileSize) {
        this.fileSize = fileSize;
        this.units = Math.min(MAX_UNITS, (fileSize + UNIT - 1) / UNIT);
        this.claimed = new long[(int) ((units + 63) / 64)];
        this.referenced = new long[claimed.length];
    }

    long fileSize() {
        return fileSize;
    }

    /** The file size this map covers: all of it unless the file is larger than {@link #MAX_UNITS} MiB. */
    long mappedSize() {
        return Math.min(fileSize, units * UNIT);
    }

    /**
     * Claims the MiB that {@code [start, end)} touches (inside the file).
     *
     * @return the first of them that was claimed already (nothing is claimed then), or -1
     */
    long claim(long start, long end) {
        long from = start / UNIT;
        long to = Math.min(units, (end + UNIT - 1) / UNIT);
        for (long u = from; u < to; u++) {
            if (get(claimed, u)) {
                return u;
            }
        }
        for (long u = from; u < to; u++) {
            set(claimed, u);
        }
        return -1;
    }

    /** Marks the MiB of {@code [start, end)} as pointed at, without claiming them. */
    void reference(long start, long end) {
        long to = Math.min(units, (end + UNIT - 1) / UNIT);
        for (long u = start / UNIT; u < to; u++) {
            set(referenced, u);
        }
    }

    boolean used(long unit) {
        return get(claimed, unit) || get(referenced, unit);
    }

    long units() {
        return units;
    }

    private static boolean get(long[] bits, long unit) {
        return (bits[(int) (unit >>> 6)] & (1L << unit)) != 0;
    }

    private static void set(long[] bits, long unit) {
        bits[(int) (unit >>> 6)] |= 1L << unit;
    }
}
