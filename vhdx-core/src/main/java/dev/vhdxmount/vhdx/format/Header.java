package dev.vhdxmount.vhdx.format;

import static dev.vhdxmount.vhdx.error.Hex.hex;

import dev.vhdxmount.vhdx.error.VhdxFormatException;
import java.nio.ByteBuffer;
import java.util.UUID;

/**
 * One of the two headers (MS-VHDX §2.2.2), 4 KiB at 64 KiB and at 128 KiB. A header is valid when its signature is
 * {@code head}, its CRC-32C matches and its Version is 1.
 */
public record Header(
        long sequenceNumber,
        UUID fileWriteGuid,
        UUID dataWriteGuid,
        UUID logGuid,
        int logVersion,
        int version,
        long logLength,
        long logOffset) {

    public static final int SIZE = 4096;
    public static final long HEADER_1_OFFSET = 64 * 1024;
    public static final long HEADER_2_OFFSET = 128 * 1024;
    private static final int SIGNATURE = 0x64616568; // "head"
    private static final int CHECKSUM_OFFSET = 4;
    private static final long ONE_MIB = 1 << 20;

    /** File offset of header {@code n} (1 or 2). */
    public static long offsetOf(int n) {
        return n == 1 ? HEADER_1_OFFSET : HEADER_2_OFFSET;
    }

    /** Parses and validates header {@code n} from its 4 KiB. */
    public static Header parse(ByteBuffer b, int n) throws VhdxFormatException {
        String where = "header " + n + " at " + hex(offsetOf(n));
        int signature = b.getInt(0);
        if (signature != SIGNATURE) {
            throw new VhdxFormatException(String.format("%s: signature is not 'head' (found 0x%08x)", where, signature));
        }
        Checksums.verify(b, SIZE, CHECKSUM_OFFSET, where);
        int version = Short.toUnsignedInt(b.getShort(66));
        if (version != 1) {
            throw new VhdxFormatException(where + ": Version is " + version + ", expected 1");
        }
        Header h = new Header(
                b.getLong(8),
                Guids.read(b, 16),
                Guids.read(b, 32),
                Guids.read(b, 48),
                Short.toUnsignedInt(b.getShort(64)),
                version,
                Integer.toUnsignedLong(b.getInt(68)),
                b.getLong(72));
        if (h.logLength % ONE_MIB != 0) {
            throw new VhdxFormatException(where + ": LogLength " + hex(h.logLength) + " is not a multiple of 1 MiB");
        }
        if (h.logOffset % ONE_MIB != 0 || (h.logLength != 0 && h.logOffset < ONE_MIB)) {
            throw new VhdxFormatException(where + ": LogOffset " + hex(h.logOffset)
                    + " must be a multiple of 1 MiB and lie after the 1 MiB header section");
        }
        return h;
    }

    /** True when a log is active: the image was not closed cleanly and the log must be replayed first. */
    public boolean logActive() {
        return !logGuid.equals(Guids.ZERO);
    }
}
