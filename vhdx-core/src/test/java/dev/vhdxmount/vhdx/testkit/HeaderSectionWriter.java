package dev.vhdxmount.vhdx.testkit;

import static dev.vhdxmount.vhdx.testkit.Sizes.MIB;
import static dev.vhdxmount.vhdx.testkit.VhdxBuilder.*;

import java.util.UUID;

/** The 1 MiB header section's structures as bytes (§2.2): file identifier, headers, region table. */
final class HeaderSectionWriter {
    private HeaderSectionWriter() {}

    /** §2.2.1: "vhdxfile" then the Creator as UTF-16 (512 bytes at most). */
    static byte[] fileIdentifier(VhdxBuilder builder) {
        byte[] name = Bin.utf16le(builder.creator);
        byte[] b = new byte[8 + Math.min(name.length, 512)];
        Bin.ascii(b, 0, "vhdxfile");
        System.arraycopy(name, 0, b, 8, b.length - 8);
        return b;
    }

    /** §2.2.2: the 4 KiB header, CRC-32C over all of it with the Checksum field zero. */
    static byte[] header(VhdxBuilder builder, VhdxBuilder.Header h, Layout l) {
        byte[] b = new byte[4096];
        Bin.ascii(b, 0, "head");
        Bin.u64(b, 8, h.sequenceNumber);
        Bin.guid(b, 16, h.fileWriteGuid != null ? h.fileWriteGuid : builder.fileWriteGuid);
        Bin.guid(b, 32, h.dataWriteGuid != null ? h.dataWriteGuid : builder.dataWriteGuid);
        Bin.guid(b, 48, h.logGuid != null ? h.logGuid : builder.headerLogGuid());
        Bin.u16(b, 64, h.logVersion);
        Bin.u16(b, 66, h.version);
        Bin.u32(b, 68, l.logLength());
        Bin.u64(b, 72, l.logOffset());
        int crc = Bin.crc32c(b, 0, b.length);
        Bin.u32(b, 4, h.corruptChecksum ? ~crc : crc);
        return b;
    }

    /** §2.2.3: 64 KiB region table: header (signature, checksum, EntryCount) then 32-byte entries. */
    static byte[] regionTable(VhdxBuilder builder, Layout l) {
        byte[] b = new byte[64 * 1024];
        Bin.ascii(b, 0, "regi");
        int n = 0;
        n = regionEntry(b, n, BAT_REGION, l.batOffset(), l.batLength(), builder.knownRegionsRequired);
        n = regionEntry(b, n, METADATA_REGION, l.metadataOffset(), l.metadataLength(), builder.knownRegionsRequired);
        for (int i = 0; i < builder.unknownRegions.size(); i++) {
            UnknownRegion u = builder.unknownRegions.get(i);
            n = regionEntry(b, n, u.guid(), l.unknownRegionOffsets().get(i), MIB, u.required());
        }
        Bin.u32(b, 8, n);
        Bin.u32(b, 4, Bin.crc32c(b, 0, b.length));
        return b;
    }

    static int regionEntry(byte[] b, int index, UUID guid, long offset, long length, boolean required) {
        int e = 16 + 32 * index;
        Bin.guid(b, e, guid);
        Bin.u64(b, e + 16, offset);
        Bin.u32(b, e + 24, length);
        Bin.u32(b, e + 28, required ? 1 : 0);
        return index + 1;
    }
}
