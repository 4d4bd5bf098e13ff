package dev.vhdxmount.vhdx.format;

import static dev.vhdxmount.vhdx.error.Hex.hex;

import dev.vhdxmount.vhdx.error.VhdxFormatException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/** The metadata table (MS-VHDX §2.6.1): 64 KiB at the start of the metadata region, listing the metadata items. */
public record MetadataTable(List<Entry> entries) {

    public static final int SIZE = 64 * 1024;
    private static final long SIGNATURE = 0x617461646174656DL; // "metadata"
    private static final int MAX_ENTRIES = 2047;
    /** Items lie past the table itself. */
    private static final long MIN_ITEM_OFFSET = 64 * 1024;
    private static final long MAX_ITEM_LENGTH = 1 << 20;

    /** One item: offsets are relative to the metadata region. */
    public record Entry(UUID itemId, long offset, long length, boolean isUser, boolean isVirtualDisk,
            boolean isRequired) {
        public long end() {
            return offset + length;
        }
    }

    public MetadataTable {
        entries = List.copyOf(entries);
    }

    /**
     * Parses the table from the first 64 KiB of the metadata region.
     *
     * @param regionOffset file offset of the metadata region (for messages)
     * @param regionLength length of the metadata region: every item must lie inside it
     */
    public static MetadataTable parse(ByteBuffer b, long regionOffset, long regionLength) throws VhdxFormatException {
        String where = "metadata table at " + hex(regionOffset);
        long signature = b.getLong(0);
        if (signature != SIGNATURE) {
            throw new VhdxFormatException(String.format("%s: signature is not 'metadata' (found 0x%016x)", where,
                    signature));
        }
        int count = Short.toUnsignedInt(b.getShort(10));
        if (count > MAX_ENTRIES) {
            throw new VhdxFormatException(where + ": EntryCount " + count + " exceeds the maximum of " + MAX_ENTRIES);
        }
        List<Entry> entries = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < count; i++) {
            int at = 32 + 32 * i;
            int flags = b.getInt(at + 24);
            Entry e = new Entry(Guids.read(b, at + 0), Integer.toUnsignedLong(b.getInt(at + 16)),
                    Integer.toUnsignedLong(b.getInt(at + 20)), (flags & 1) != 0, (flags & 2) != 0, (flags & 4) != 0);
            String entryWhere = where + ", entry " + i + " (item " + e.itemId + ")";
            // item IDs are unique within the user and within the system namespace (§2.6.1.2)
            if (!seen.add(e.isUser + "/" + e.itemId)) {
                throw new VhdxFormatException(entryWhere + ": the same item ID appears twice");
            }
            if (e.length == 0) {
                if (e.offset != 0) {
                    throw new VhdxFormatException(entryWhere + ": Length is 0 but Offset is " + hex(e.offset)
                            + " (expected 0)");
                }
            } else {
                if (e.offset < MIN_ITEM_OFFSET) {
                    throw new VhdxFormatException(entryWhere + ": Offset " + hex(e.offset)
                            + " lies inside the metadata table (expected >= 0x10000)");
                }
                if (e.length > MAX_ITEM_LENGTH) {
                    throw new VhdxFormatException(entryWhere + ": Length " + hex(e.length)
                            + " exceeds the 1 MiB limit");
                }
                if (e.end() > regionLength) {
                    throw new VhdxFormatException(entryWhere + ": item at region offset " + hex(e.offset)
                            + " length " + hex(e.length) + " ends past the metadata region's length "
                            + hex(regionLength));
                }
            }
            entries.add(e);
        }
        checkNoOverlap(entries, where);
        return new MetadataTable(entries);
    }

    private static void checkNoOverlap(List<Entry> entries, String where) throws VhdxFormatException {
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.removeIf(e -> e.length == 0);
        sorted.sort(Comparator.comparingLong(Entry::offset));
        for (int i = 1; i < sorted.size(); i++) {
            Entry prev = sorted.get(i - 1);
            Entry cur = sorted.get(i);
            if (cur.offset < prev.end()) {
                throw new VhdxFormatException(where + ": items " + prev.itemId + " and " + cur.itemId
                        + " overlap at region offset " + hex(cur.offset));
            }
        }
    }

    public Optional<Entry> find(UUID itemId) {
        return entries.stream().filter(e -> !e.isUser && e.itemId.equals(itemId)).findFirst();
    }
}
