package dev.vhdxmount.mount.partitions;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * An entry of a directory's file-name index ($I30), in its $INDEX_ROOT or in an INDX block: the file's MFT reference
 * and the name its $FILE_NAME key holds.
 *
 * @param fileReference the record number in the low 48 bits, the record's sequence number in the high 16
 */
record NtfsIndexEntry(long fileReference, String name) {
    private static final int HEADER = 16;
    private static final int LAST = 0x02;
    /** $FILE_NAME: the name's length in characters, then the name in UTF-16LE. */
    private static final int NAME_LENGTH = 0x40;
    private static final int NAME = 0x42;

    /** The MFT record number. */
    long recordNumber() {
        return fileReference & 0xffff_ffff_ffffL;
    }

    /** The sequence number the record must bear for the reference to be current (0: not checked). */
    int sequence() {
        return (int) (fileReference >>> 48);
    }

    /**
     * The entries of an index node: an index header at {@code header} of {@code node} (entries offset and bytes in
     * use, both from the header), the entries up to the one flagged last. Empty if an entry reaches past the bytes in
     * use, or its key past the entry.
     */
    static Optional<List<NtfsIndexEntry>> node(ByteBuffer node, int header) {
        ByteBuffer b = node.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        if (header < 0 || header > b.limit() - 16) {
            return Optional.empty();
        }
        long first = Integer.toUnsignedLong(b.getInt(header));
        long inUse = Integer.toUnsignedLong(b.getInt(header + 4));
        if (inUse > b.limit() - header || first > inUse) {
            return Optional.empty();
        }
        int end = header + (int) inUse;
        int at = header + (int) first;
        List<NtfsIndexEntry> entries = new ArrayList<>();
        // each entry is at least its 16-byte header: a bounded loop
        while (at <= end - HEADER) {
            int length = b.getShort(at + 8) & 0xffff;
            int keyLength = b.getShort(at + 10) & 0xffff;
            int flags = b.getShort(at + 12) & 0xffff;
            if (length < HEADER || length > end - at || keyLength > length - HEADER) {
                return Optional.empty();
            }
            if ((flags & LAST) != 0) {
                return Optional.of(entries); // the last entry holds no key, only a pointer to a subnode
            }
            int key = at + HEADER;
            if (keyLength < NAME) {
                return Optional.empty();
            }
            int nameChars = b.get(key + NAME_LENGTH) & 0xff;
            if (NAME + 2 * nameChars > keyLength) {
                return Optional.empty();
            }
            byte[] name = new byte[2 * nameChars];
            b.get(key + NAME, name);
            entries.add(new NtfsIndexEntry(b.getLong(at), new String(name, StandardCharsets.UTF_16LE)));
            at += length;
        }
        return Optional.empty(); // no last entry before the end
    }
}
