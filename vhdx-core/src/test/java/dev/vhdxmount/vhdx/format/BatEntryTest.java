package dev.vhdxmount.vhdx.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

/** §2.5.1: a BAT entry's three fields, and the payload states its 3-bit State names. */
class BatEntryTest {
    @Test
    void fieldsOfAnEntry() {
        long entry = (5L << 20) | (1L << 3) | 6;
        assertEquals(6, BatEntry.state(entry));
        assertEquals(1, BatEntry.reservedBits(entry));
        assertEquals(5L << 20, BatEntry.fileOffset(entry));
        assertEquals(0x1FFFF, BatEntry.reservedBits(0xFFFF8L), "bits 3-19 exactly");
        assertEquals(0, BatEntry.reservedBits(~0xFFFF8L));
        assertEquals(-1L << 20, BatEntry.fileOffset(-1L), "FileOffsetMB's 44 bits, the top one included");
    }

    @Test
    void payloadStates() {
        assertEquals(PayloadBlockState.NOT_PRESENT, PayloadBlockState.of(0));
        assertEquals(PayloadBlockState.UNDEFINED, PayloadBlockState.of(1));
        assertEquals(PayloadBlockState.ZERO, PayloadBlockState.of(2));
        assertEquals(PayloadBlockState.UNMAPPED, PayloadBlockState.of(3));
        assertNull(PayloadBlockState.of(4), "4 is reserved");
        assertEquals(PayloadBlockState.UNMAPPED_V1, PayloadBlockState.of(5), "a pre-release spec's UNMAPPED");
        assertEquals(PayloadBlockState.FULLY_PRESENT, PayloadBlockState.of(6));
        assertEquals(PayloadBlockState.PARTIALLY_PRESENT, PayloadBlockState.of(7));
        assertEquals(PayloadBlockState.FULLY_PRESENT, PayloadBlockState.of(BatEntry.state(-2L)), "only bits 0-2");
    }
}
