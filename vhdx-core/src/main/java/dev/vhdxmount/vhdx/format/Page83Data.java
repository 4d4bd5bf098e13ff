package dev.vhdxmount.vhdx.format;

import java.nio.ByteBuffer;
import java.util.UUID;

/**
 * The Page 83 Data metadata item (MS-VHDX §2.6.2.3): the disk's SCSI identity, a GUID. Any value is valid, so
 * parsing it cannot fail.
 */
public record Page83Data(UUID guid) {
    public static final UUID ID = UUID.fromString("beca12ab-b2e6-4523-93ef-c309e000c746");
    public static final int SIZE = 16;

    public static Page83Data parse(ByteBuffer b) {
        return new Page83Data(Guids.read(b, 0));
    }
}
