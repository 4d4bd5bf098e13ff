package dev.vhdxmount.vhdx.format;

import dev.vhdxmount.vhdx.error.VhdxFormatException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The file type identifier at offset 0 (MS-VHDX §2.2.1): the signature {@code vhdxfile} and a UTF-16LE creator
 * string of up to 256 characters, for diagnostics only.
 */
public record FileIdentifier(String creator) {
    public static final long SIGNATURE = 0x656C696678646876L; // "vhdxfile" read little-endian
    /** Bytes parsed: signature (8) + creator (512). */
    public static final int SIZE = 8 + 512;

    /** Parses the identifier at the start of {@code b}; the caller has checked {@link #hasSignature}. */
    public static FileIdentifier parse(ByteBuffer b) throws VhdxFormatException {
        if (!hasSignature(b)) {
            throw new VhdxFormatException("file identifier at 0x0: signature is not 'vhdxfile'");
        }
        byte[] raw = new byte[512];
        b.get(8, raw);
        String creator = new String(raw, StandardCharsets.UTF_16LE);
        int nul = creator.indexOf('\0');
        return new FileIdentifier(nul < 0 ? creator : creator.substring(0, nul));
    }

    public static boolean hasSignature(ByteBuffer b) {
        return b.limit() >= 8 && b.getLong(0) == SIGNATURE;
    }
}
