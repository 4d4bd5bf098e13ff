package dev.vhdxmount.vhdx.format;

import dev.vhdxmount.vhdx.error.VhdxFormatException;
import java.nio.ByteBuffer;
import java.util.UUID;

/**
 * The Logical Sector Size and Physical Sector Size metadata items (MS-VHDX §2.6.2.4, §2.6.2.5): one record for
 * both, since they share a layout and a rule: 512 or 4096 bytes.
 */
public record SectorSize(int bytes) {
    public static final UUID LOGICAL_ID = UUID.fromString("8141bf1d-a96f-4709-ba47-f233a8faab5f");
    public static final UUID PHYSICAL_ID = UUID.fromString("cda348c7-445d-4471-9cc9-e9885251c556");
    public static final int SIZE = 4;

    public static SectorSize parse(ByteBuffer b, String where) throws VhdxFormatException {
        long value = Integer.toUnsignedLong(b.getInt(0));
        if (value != 512 && value != 4096) {
            throw new VhdxFormatException(where + ": sector size is " + value + ", expected 512 or 4096");
        }
        return new SectorSize((int) value);
    }
}
