package dev.vhdxmount.vhdx.format;

import java.util.UUID;

/** The Page 83 Data metadata item (MS-VHDX §2.6.2.3): the disk's SCSI identity, a GUID. */
public final class Page83Data {
    public static final UUID ID = UUID.fromString("beca12ab-b2e6-4523-93ef-c309e000c746");
    public static final int SIZE = 16;

    private Page83Data() {}
}
