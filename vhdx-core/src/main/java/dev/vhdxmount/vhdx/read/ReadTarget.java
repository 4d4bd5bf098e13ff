package dev.vhdxmount.vhdx.read;

/**
 * Where the bytes of one piece of a guest read live: the translation of a virtual range, computed by BAT arithmetic
 * alone and executed by the disk's read walk ({@code VhdxDisk}). Each piece lies inside one block and one
 * sector-bitmap run.
 */
public sealed interface ReadTarget {

    int length();

    /** In this file, at {@code fileOffset}. */
    record InFile(long fileOffset, int length) implements ReadTarget {}

    /**
     * Zeros: a block in any state but FULLY_PRESENT in a disk without a parent; in a differencing disk a ZERO,
     * UNDEFINED or UNMAPPED block.
     */
    record Zeros(int length) implements ReadTarget {}

    /** In the parent disk at the same virtual offset (differencing disks only). */
    record InParent(long virtualOffset, int length) implements ReadTarget {}
}
