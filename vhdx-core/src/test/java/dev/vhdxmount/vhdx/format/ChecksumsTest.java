package dev.vhdxmount.vhdx.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.vhdxmount.vhdx.error.VhdxFormatException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** CRC-32C as VHDX computes it: Castagnoli, over the structure with the checksum field taken as zero. */
class ChecksumsTest {
    @Test
    void castagnoliOverTheStructureWithTheFieldAsZero() {
        byte[] digits = "123456789".getBytes(StandardCharsets.US_ASCII);
        assertEquals(0xe3069283, crcOf(digits), "the reference implementation gives CRC-32C's check value");
        ByteBuffer b = ByteBuffer.allocate(13);
        b.put(digits).putInt(0x55aa55aa).flip(); // a stored checksum at 9..12
        byte[] asSummed = new byte[13];
        System.arraycopy(digits, 0, asSummed, 0, 9);
        assertEquals(crcOf(asSummed), Checksums.crc32c(b, 13, 9));
    }

    @Test
    void theStoredChecksumIsNotPartOfItsOwnSum() throws Exception {
        ByteBuffer b = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 64; i++) {
            b.put(i, (byte) i);
        }
        int before = Checksums.crc32c(b, 64, 4);
        b.putInt(4, 0xdeadbeef);
        assertEquals(before, Checksums.crc32c(b, 64, 4));
        b.putInt(4, before);
        Checksums.verify(b, 64, 4, "x"); // passes
        b.put(63, (byte) 0);
        assertEquals(String.format("x: CRC-32C mismatch (stored 0x%08x, computed 0x%08x)", before,
                Checksums.crc32c(b, 64, 4)), assertThrows(VhdxFormatException.class,
                        () -> Checksums.verify(b, 64, 4, "x")).getMessage());
        assertEquals(before, Checksums.crc32c(b.put(63, (byte) 63), 64, 4), "only [0, length) counts");
    }

    /** Bitwise CRC-32C (reflected polynomial 0x82f63b78), independent of the JDK's. */
    private static int crcOf(byte[] data) {
        int crc = ~0;
        for (byte x : data) {
            crc ^= x & 0xff;
            for (int k = 0; k < 8; k++) {
                crc = (crc >>> 1) ^ (0x82f63b78 & -(crc & 1));
            }
        }
        return ~crc;
    }
}
