package dev.vhdxmount.vhdx.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vhdxmount.vhdx.error.VhdxFormatException;
import dev.vhdxmount.vhdx.testkit.Bin;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.UUID;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** §2.2.2 on hand-built bytes: each rule of a header broken once, and the edge values it accepts. */
class HeaderTest {
    private static final UUID FILE_WRITE = UUID.fromString("11111111-2222-3333-4444-555555555555");
    private static final UUID DATA_WRITE = UUID.fromString("66666666-7777-8888-9999-aaaaaaaaaaaa");
    private static final UUID LOG = UUID.fromString("bbbbbbbb-cccc-dddd-eeee-ffffffffffff");

    /** A valid header: sequence 7, an active log of 1 MiB at 1 MiB; {@code change} edits it before the CRC. */
    static ByteBuffer header(Consumer<byte[]> change) {
        byte[] b = new byte[4096];
        Bin.ascii(b, 0, "head");
        Bin.u64(b, 8, 7);
        Bin.guid(b, 16, FILE_WRITE);
        Bin.guid(b, 32, DATA_WRITE);
        Bin.guid(b, 48, LOG);
        Bin.u16(b, 64, 0);
        Bin.u16(b, 66, 1);
        Bin.u32(b, 68, 1 << 20);
        Bin.u64(b, 72, 1 << 20);
        change.accept(b);
        Bin.u32(b, 4, Bin.crc32c(b, 0, b.length));
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static String refused(int n, Consumer<byte[]> change) {
        return assertThrows(VhdxFormatException.class, () -> Header.parse(header(change), n)).getMessage();
    }

    @Test
    void parsesEveryField() throws Exception {
        Header h = Header.parse(header(b -> {}), 1);
        assertEquals(new Header(7, FILE_WRITE, DATA_WRITE, LOG, 0, 1, 1 << 20, 1 << 20), h);
        assertTrue(h.logActive());
        assertFalse(Header.parse(header(b -> Bin.guid(b, 48, new UUID(0, 0))), 2).logActive());
    }

    @Test
    void signatureMustBeHead() {
        assertEquals("header 1 at 0x10000: signature is not 'head' (found 0x64616569)", refused(1, b -> b[0] = 'i'));
    }

    @Test
    void checksumCoversTheWhole4KiBWithTheChecksumFieldAsZero() {
        ByteBuffer b = header(x -> {});
        b.put(4000, (byte) 1); // after the fields, still inside the checksummed 4 KiB
        String message = assertThrows(VhdxFormatException.class, () -> Header.parse(b, 2)).getMessage();
        assertTrue(message.startsWith("header 2 at 0x20000: CRC-32C mismatch (stored 0x"), message);
    }

    @Test
    void versionMustBe1() {
        assertEquals("header 1 at 0x10000: Version is 2, expected 1", refused(1, b -> Bin.u16(b, 66, 2)));
        assertEquals("header 1 at 0x10000: Version is 0, expected 1", refused(1, b -> Bin.u16(b, 66, 0)));
    }

    @Test
    void logLengthIsAMultipleOf1MiB() {
        assertEquals("header 1 at 0x10000: LogLength 0x1000 is not a multiple of 1 MiB",
                refused(1, b -> Bin.u32(b, 68, 4096)));
    }

    @Test
    void logOffsetIsAligned1MiBAndPastTheHeaderSection() {
        assertTrue(refused(1, b -> Bin.u64(b, 72, (1 << 20) + 4096)).contains("LogOffset 0x101000 must be a multiple"));
        assertTrue(refused(1, b -> Bin.u64(b, 72, 0)).contains("LogOffset 0x0 must be a multiple of 1 MiB and lie"
                + " after the 1 MiB header section"));
    }

    @Test
    void noLogAtAllMayHaveOffsetZero() throws Exception {
        Header h = Header.parse(header(b -> {
            Bin.u32(b, 68, 0);
            Bin.u64(b, 72, 0);
        }), 1);
        assertEquals(0, h.logLength());
    }

    @Test
    void sequenceNumberIsUnsigned64Bits() throws Exception {
        assertEquals(-1L, Header.parse(header(b -> Bin.u64(b, 8, -1L)), 1).sequenceNumber());
    }
}
