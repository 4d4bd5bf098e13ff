package dev.vhdxmount.vhdx.read;

/**
 * Where the bytes of one piece of a guest read live: the translation of a virtual range, computed by BAT arithmetic
 * alone and executed by the disk's read walk ({@code VhdxDisk}). A piece in the file lies inside one block and one
 * sector-bitmap run; a piece of zeros or of the parent may span blocks that all read so.
 */
public sealed interface ReadTarget {

    int length();

    /** In this file, at {@code fileOffset}. */
    record InFile(long fileOffset, int length) implements ReadTarget {}

    /**
     * Zeros: blocks in any state but FULLY_PRESENT in a disk without a parent; in a differencing disk ZERO,
     * UNDEFINED or UNMAPPED blocks.
     */
    record Zeros(int length) implements ReadTarget {}

    /** In the parent disk at the same virtual offset (differencing disks only). */
    record InParent(long virtualOffset, int length) implements ReadTarget {}
}
