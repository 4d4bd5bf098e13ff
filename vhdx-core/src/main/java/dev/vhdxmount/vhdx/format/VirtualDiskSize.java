package dev.vhdxmount.vhdx.format;

import java.util.UUID;

/** The Virtual Disk Size metadata item (MS-VHDX §2.6.2.2): at most 64 TiB, a multiple of the logical sector size. */
public final class VirtualDiskSize {
    public static final UUID ID = UUID.fromString("2fa54224-cd1b-4876-b211-5dbed83bf4b8");
    public static final int SIZE = 8;
    public static final long MAX = 64L << 40;

    private VirtualDiskSize() {}
}
