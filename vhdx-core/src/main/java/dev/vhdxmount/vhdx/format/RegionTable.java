package dev.vhdxmount.vhdx.format;

import static dev.vhdxmount.vhdx.error.Hex.hex;

import dev.vhdxmount.vhdx.error.VhdxFormatException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * A region table (MS-VHDX §2.2.3), 64 KiB at 192 KiB (copy 1) and 256 KiB (copy 2): where the BAT and the metadata
 * region live. Copy 2 is used when copy 1 is corrupt.
 */
public record RegionTable(int copy, List<Entry> entries) {

    public static final int SIZE = 64 * 1024;
    public static final UUID BAT = UUID.fromString("2dc27766-f623-4200-9d64-115e9bfd4a08");
    public static final UUID METADATA = UUID.fromString("8b7ca206-4790-4b9a-b8fe-575f050f886e");
    private static final int SIGNATURE = 0x69676572; // "regi"
    private static final int MAX_ENTRIES = 2047;
    private static final long ONE_MIB = 1 << 20;

    /** One region: a GUID naming it, where it lies, and whether a reader that does not know it must refuse. */
    public record Entry(UUID guid, long fileOffset, long length, boolean required) {
        public long end() {
            return fileOffset + length;
        }

        public String name() {
            return guid.equals(BAT) ? "BAT region" : guid.equals(METADATA) ? "metadata region" : "region " + guid;
        }
    }

    public RegionTable {
        entries = List.copyOf(entries);
    }

    public static long offsetOf(int copy) {
        return copy == 1 ? 192 * 1024 : 256 * 1024;
    }

    public static RegionTable parse(ByteBuffer b, int copy) throws VhdxFormatException {
        String where = "region table " + copy + " at " + hex(offsetOf(copy));
        int signature = b.getInt(0);
        if (signature != SIGNATURE) {
            throw new VhdxFormatException(String.format("%s: signature is not 'regi' (found 0x%08x)", where, signature));
        }
        Checksums.verify(b, SIZE, 4, where);
        long count = Integer.toUnsignedLong(b.getInt(8));
        if (count > MAX_ENTRIES) {
            throw new VhdxFormatException(where + ": EntryCount " + count + " exceeds the maximum of " + MAX_ENTRIES);
        }
        List<Entry> entries = new ArrayList<>();
        Set<UUID> seen = new HashSet<>();
        for (int i = 0; i < count; i++) {
            int at = 16 + 32 * i;
            Entry e = new Entry(Guids.read(b, at), b.getLong(at + 16), Integer.toUnsignedLong(b.getInt(at + 24)),
                    (b.getInt(at + 28) & 1) != 0);
            String entryWhere = where + ", entry " + i + " (" + e.name() + ")";
            if (!seen.add(e.guid)) {
                throw new VhdxFormatException(entryWhere + ": the same region GUID appears twice");
            }
            if (e.fileOffset < ONE_MIB || e.fileOffset % ONE_MIB != 0) {
                throw new VhdxFormatException(entryWhere + ": FileOffset " + hex(e.fileOffset)
                        + " must be a multiple of 1 MiB and at least 1 MiB");
            }
            if (e.length == 0 || e.length % ONE_MIB != 0) {
                throw new VhdxFormatException(entryWhere + ": Length " + hex(e.length)
                        + " must be a non-zero multiple of 1 MiB");
            }
            if (e.fileOffset > Long.MAX_VALUE - e.length) { // its end would overflow every later offset check
                throw new VhdxFormatException(entryWhere + ": FileOffset " + hex(e.fileOffset) + " + Length "
                        + hex(e.length) + " ends past the largest possible file offset");
            }
            entries.add(e);
        }
        return new RegionTable(copy, entries);
    }

    public Optional<Entry> find(UUID guid) {
        return entries.stream().filter(e -> e.guid.equals(guid)).findFirst();
    }
}
