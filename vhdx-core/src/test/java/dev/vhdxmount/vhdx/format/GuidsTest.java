package dev.vhdxmount.vhdx.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.util.HexFormat;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class GuidsTest {
    /** The BAT region GUID as the spec lists it and as its 16 bytes lie on disk (first three fields little-endian). */
    @Test
    void readsMicrosoftMixedEndianForm() {
        byte[] onDisk = HexFormat.of().parseHex("6677c22d23f600429d64115e9bfd4a08");
        assertEquals(UUID.fromString("2dc27766-f623-4200-9d64-115e9bfd4a08"), Guids.read(ByteBuffer.wrap(onDisk), 0));
    }

    @Test
    void writeIsTheInverseOfRead() {
        UUID guid = UUID.fromString("b04aefb7-d19e-4a81-b789-25b8e9445913");
        ByteBuffer b = ByteBuffer.allocate(20);
        Guids.write(b, 4, guid);
        assertEquals(guid, Guids.read(b, 4));
        byte[] bytes = new byte[16];
        b.get(4, bytes);
        assertArrayEquals(HexFormat.of().parseHex("b7ef4ab09ed1814ab78925b8e9445913"), bytes);
    }
}
