package dev.vhdxmount.vhdx.testkit;

/**
 * Byte sizes for tests, one definition for all. KIB and MIB are ints (block sizes, buffers and patterns are int-sized
 * in the APIs they go to); GIB and TIB are longs: write {@code 4L * MIB}-style long arithmetic where a product of MIB
 * can reach 2 GiB.
 */
public final class Sizes {
    public static final int KIB = 1 << 10;
    public static final int MIB = 1 << 20;
    public static final long GIB = 1L << 30;
    public static final long TIB = 1L << 40;

    private Sizes() {}
}
