package dev.vhdxmount.vhdx.io;

import java.nio.ByteBuffer;

/** Fills buffers with zeros without allocating per call. */
public final class Zeros {
    private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(1 << 20).asReadOnlyBuffer();

    private Zeros() {}

    /** Puts {@code length} zero bytes into {@code dst} at its position, advancing it. */
    public static void fill(ByteBuffer dst, int length) {
        int left = length;
        while (left > 0) {
            int n = Math.min(left, ZEROS.capacity());
            dst.put(ZEROS.duplicate().limit(n));
            left -= n;
        }
    }
}
