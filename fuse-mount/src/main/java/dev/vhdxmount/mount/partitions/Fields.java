package dev.vhdxmount.mount.partitions;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.UUID;

/** Reading the fields superblocks share: magic bytes, text padded with NULs or spaces, UUIDs, serial numbers. */
final class Fields {
    private Fields() {}

    /** Whether {@code b} holds {@code magic} at {@code offset} (false where it would lie past {@code b}'s end). */
    static boolean has(ByteBuffer b, int offset, byte[] magic) {
        if (offset < 0 || offset > b.limit() - magic.length) {
            return false;
        }
        for (int i = 0; i < magic.length; i++) {
            if (b.get(offset + i) != magic[i]) {
                return false;
            }
        }
        return true;
    }

    static boolean has(ByteBuffer b, int offset, String ascii) {
        return has(b, offset, ascii.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** Text of at most {@code length} bytes up to the first NUL, trailing spaces cut (labels, LUKS UUIDs). */
    static String text(ByteBuffer b, int offset, int length) {
        int n = 0;
        while (n < length && b.get(offset + n) != 0) {
            n++;
        }
        byte[] bytes = new byte[n];
        b.get(offset, bytes);
        return new String(bytes, StandardCharsets.UTF_8).stripTrailing();
    }

    /** The 16 bytes at {@code offset} as a UUID in byte order (ext, XFS, btrfs, swap store them so). */
    static String uuid(ByteBuffer b, int offset) {
        ByteBuffer big = b.duplicate().order(java.nio.ByteOrder.BIG_ENDIAN);
        UUID u = new UUID(big.getLong(offset), big.getLong(offset + 8));
        return u.getMostSignificantBits() == 0 && u.getLeastSignificantBits() == 0 ? null : u.toString();
    }

    /** A 32-bit serial number as Windows and blkid print it: {@code 1A2B-3C4D}. */
    static String serial32(int serial) {
        return String.format(Locale.ROOT, "%04X-%04X", (serial >>> 16) & 0xffff, serial & 0xffff);
    }
}
