package dev.vhdxmount.vhdx.testkit;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.zip.CRC32C;

/**
 * Little-endian field writers, the MS-VHDX GUID encoding and CRC-32C: the only "format code" the testkit has, and
 * what parser tests build their bytes with (never the production code they test).
 *
 * <p>MS-VHDX §2 (Structures): all integers are little-endian; GUIDs are stored in the Microsoft binary form
 * (Data1 u32 LE, Data2 u16 LE, Data3 u16 LE, Data4 8 bytes in order); checksums are CRC-32C (Castagnoli) computed
 * with the checksum field taken as zero.
 */
public final class Bin {

    private Bin() {}

    public static void u16(byte[] b, int off, int v) {
        b[off] = (byte) v;
        b[off + 1] = (byte) (v >>> 8);
    }

    public static void u32(byte[] b, int off, long v) {
        for (int i = 0; i < 4; i++) {
            b[off + i] = (byte) (v >>> (8 * i));
        }
    }

    public static void u64(byte[] b, int off, long v) {
        for (int i = 0; i < 8; i++) {
            b[off + i] = (byte) (v >>> (8 * i));
        }
    }

    public static long readU32(byte[] b, int off) {
        long v = 0;
        for (int i = 3; i >= 0; i--) {
            v = (v << 8) | (b[off + i] & 0xFF);
        }
        return v;
    }

    public static long readU64(byte[] b, int off) {
        long v = 0;
        for (int i = 7; i >= 0; i--) {
            v = (v << 8) | (b[off + i] & 0xFF);
        }
        return v;
    }

    /** Writes a 4-character ASCII signature such as {@code head}, {@code regi}, {@code loge}. */
    public static void ascii(byte[] b, int off, String s) {
        byte[] a = s.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(a, 0, b, off, a.length);
    }

    /** The Microsoft mixed-endian GUID layout (first three fields little-endian, the last eight bytes as written). */
    public static void guid(byte[] b, int off, UUID u) {
        long msb = u.getMostSignificantBits();
        long lsb = u.getLeastSignificantBits();
        u32(b, off, msb >>> 32);
        u16(b, off + 4, (int) (msb >>> 16));
        u16(b, off + 6, (int) msb);
        for (int i = 0; i < 8; i++) {
            b[off + 8 + i] = (byte) (lsb >>> (56 - 8 * i));
        }
    }

    public static byte[] guid(UUID u) {
        byte[] b = new byte[16];
        guid(b, 0, u);
        return b;
    }

    /** Reads the Microsoft mixed-endian GUID at absolute index {@code at} of {@code b}. */
    public static UUID readGuid(ByteBuffer b, int at) {
        ByteBuffer le = b.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        long msb = (Integer.toUnsignedLong(le.getInt(at)) << 32) | ((long) Short.toUnsignedInt(le.getShort(at + 4)) << 16)
                | Short.toUnsignedInt(le.getShort(at + 6));
        return new UUID(msb, b.duplicate().order(ByteOrder.BIG_ENDIAN).getLong(at + 8));
    }

    /**
     * The checksum a structure of {@code length} bytes must carry at byte 4 (headers, region tables, log entries):
     * CRC-32C over the structure with that field taken as zero, whatever it holds now.
     */
    public static int checksum(byte[] b, int length) {
        CRC32C c = new CRC32C();
        c.update(b, 0, 4);
        c.update(new byte[4]);
        c.update(b, 8, length - 8);
        return (int) c.getValue();
    }

    public static int crc32c(byte[] b, int off, int len) {
        CRC32C c = new CRC32C();
        c.update(b, off, len);
        return (int) c.getValue();
    }

    public static byte[] utf16le(String s) {
        return s.getBytes(StandardCharsets.UTF_16LE);
    }

    public static long alignUp(long v, long alignment) {
        return (v + alignment - 1) / alignment * alignment;
    }

    public static boolean isPowerOfTwo(long v) {
        return v > 0 && (v & (v - 1)) == 0;
    }
}
