package dev.vhdxmount.vhdx.read;

/**
 * Where the bytes of one piece of a guest read live: the translation of a virtual range, computed by BAT arithmetic
 * alone and executed by {@link VhdxDisk}'s read loop. Each piece lies inside one block and one sector-bitmap run.
 */
public sealed interface ReadTarget {

    int length();

    /** In this file, at {@code fileOffset}. */
    record InFile(long fileOffset, int length) implements ReadTarget {}

    /** Zeros: a block that is not present in a disk without a parent, a ZERO block, or the tail of a sector. */
    record Zeros(int length) implements ReadTarget {}

    /** In the parent disk at the same virtual offset (differencing disks only). */
    record InParent(long virtualOffset, int length) implements ReadTarget {}
}
