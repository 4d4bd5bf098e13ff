package dev.vhdxmount.vhdx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.vhdxmount.vhdx.ImageInfo.Found;
import dev.vhdxmount.vhdx.error.VhdxFormatException;
import dev.vhdxmount.vhdx.format.Header;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** §2.2.2.1: which of the two headers is current. */
class CurrentHeaderTest {
    private static final UUID DATA = UUID.fromString("66666666-7777-8888-9999-aaaaaaaaaaaa");

    private static Found<Header> valid(long sequence, UUID fileWrite) {
        return Found.ok(new Header(sequence, fileWrite, DATA, new UUID(0, 0), 0, 1, 1 << 20, 1 << 20));
    }

    private static Found<Header> valid(long sequence) {
        return valid(sequence, new UUID(1, 1));
    }

    private static int current(Found<Header> h1, Found<Header> h2) throws VhdxFormatException {
        return ImageOpener.chooseCurrentHeader(List.of(h1, h2));
    }

    @Test
    void theOnlyValidHeader() throws Exception {
        assertEquals(1, current(valid(5), Found.bad("header 2 at 0x20000: CRC-32C mismatch")));
        assertEquals(2, current(Found.bad("header 1 at 0x10000: CRC-32C mismatch"), valid(5)));
    }

    @Test
    void theHigherSequenceNumber() throws Exception {
        assertEquals(1, current(valid(9), valid(8)));
        assertEquals(2, current(valid(8), valid(9)));
        assertEquals(2, current(valid(Long.MAX_VALUE), valid(Long.MIN_VALUE)), "SequenceNumber is unsigned");
        assertEquals(1, current(valid(-1L), valid(0)));
    }

    @Test
    void equalSequenceNumbersOnlyWhenIdentical() throws Exception {
        assertEquals(1, current(valid(7), valid(7)), "Disk2vhd writes two identical headers");
        VhdxFormatException e = assertThrows(VhdxFormatException.class,
                () -> current(valid(7, new UUID(1, 1)), valid(7, new UUID(2, 2))));
        assertEquals("headers 1 at 0x10000 and 2 at 0x20000: both valid with the same SequenceNumber 7 but"
                + " different contents; cannot tell which is current", e.getMessage());
    }

    @Test
    void noValidHeaderSaysWhyForBoth() {
        VhdxFormatException e = assertThrows(VhdxFormatException.class, () -> current(Found.bad("one"),
                Found.bad("two")));
        assertEquals("no valid header: one; two", e.getMessage());
    }
}
