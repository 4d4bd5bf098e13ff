package dev.vhdxmount.vhdx.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vhdxmount.vhdx.error.VhdxFormatException;
import dev.vhdxmount.vhdx.testkit.Bin;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** §2.2.1: the signature "vhdxfile", then the Creator as UTF-16LE in 512 bytes. */
class FileIdentifierTest {
    private static ByteBuffer identifier(String signature, String creator) {
        byte[] b = new byte[FileIdentifier.SIZE];
        Bin.ascii(b, 0, signature);
        byte[] name = Bin.utf16le(creator);
        System.arraycopy(name, 0, b, 8, Math.min(name.length, 512));
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    }

    @Test
    void creatorEndsAtItsFirstNul() throws Exception {
        assertEquals("Microsoft Windows 10.0.19041.0", FileIdentifier.parse(identifier("vhdxfile",
                "Microsoft Windows 10.0.19041.0")).creator());
        assertEquals("", FileIdentifier.parse(identifier("vhdxfile", "")).creator());
    }

    @Test
    void aCreatorOf256CharactersFillsTheField() throws Exception {
        char[] full = new char[256];
        Arrays.fill(full, 'x');
        assertEquals(new String(full), FileIdentifier.parse(identifier("vhdxfile", new String(full) + "y")).creator());
    }

    @Test
    void anotherSignatureIsNoVhdx() {
        assertFalse(FileIdentifier.hasSignature(identifier("vhdxfilf", "")));
        assertFalse(FileIdentifier.hasSignature(identifier("conectix", "")));
        assertFalse(FileIdentifier.hasSignature(ByteBuffer.wrap(new byte[7])), "shorter than the signature");
        assertTrue(FileIdentifier.hasSignature(identifier("vhdxfile", "")));
        assertEquals("file identifier at 0x0: signature is not 'vhdxfile'", assertThrows(VhdxFormatException.class,
                () -> FileIdentifier.parse(identifier("VHDXFILE", ""))).getMessage());
    }
}
