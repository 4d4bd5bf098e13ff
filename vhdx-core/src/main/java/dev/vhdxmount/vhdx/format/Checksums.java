package dev.vhdxmount.vhdx.format;

import dev.vhdxmount.vhdx.error.VhdxFormatException;
import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * CRC-32C (Castagnoli) as VHDX uses it (MS-VHDX §2.2.2, §2.2.3, §2.3.1.1): computed over the whole structure with
 * its 4-byte checksum field taken as zero.
 */
public final class Checksums {
    private static final byte[] ZERO_FIELD = new byte[4];

    private Checksums() {}

    /** CRC-32C of {@code buffer[0, length)} with the 4 bytes at {@code checksumOffset} counted as zero. */
    public static int crc32c(ByteBuffer buffer, int length, int checksumOffset) {
        CRC32C crc = new CRC32C();
        ByteBuffer b = buffer.duplicate();
        crc.update(b.limit(checksumOffset).position(0));
        crc.update(ZERO_FIELD);
        b = buffer.duplicate();
        crc.update(b.limit(length).position(checksumOffset + 4));
        return (int) crc.getValue();
    }

    /** Checks the stored checksum at {@code checksumOffset} against the computed one. */
    public static void verify(ByteBuffer buffer, int length, int checksumOffset, String what)
            throws VhdxFormatException {
        int stored = buffer.getInt(checksumOffset);
        int computed = crc32c(buffer, length, checksumOffset);
        if (stored != computed) {
            throw new VhdxFormatException(String.format("%s: CRC-32C mismatch (stored 0x%08x, computed 0x%08x)",
                    what, stored, computed));
        }
    }
}
