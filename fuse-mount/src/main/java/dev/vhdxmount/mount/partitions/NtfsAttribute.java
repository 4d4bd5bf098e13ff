package dev.vhdxmount.mount.partitions;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One attribute of an MFT record: its header, and where it keeps its value: in the record (resident), or in clusters
 * a runlist names (non-resident). Only what finding $Volume's flags and a file's first bytes needs is kept.
 *
 * @param type            $VOLUME_INFORMATION 0x70, $DATA 0x80, $INDEX_ROOT 0x90, $INDEX_ALLOCATION 0xA0...
 * @param name            "" for the unnamed one ($DATA's file contents), "$I30" for a directory's file-name index
 * @param flags           compressed 0x0001, encrypted 0x4000, sparse 0x8000
 * @param content         the value, if resident; the runlist (mapping pairs), if not
 * @param dataSize        the value's length in bytes
 * @param initializedSize how much of it was written: the rest reads as zeros (the value's length, if resident)
 * @param lowestVcn       the first cluster of the value this record maps: 0 unless the attribute spans records
 */
record NtfsAttribute(int type, String name, int flags, boolean resident, ByteBuffer content, long dataSize,
        long initializedSize, long lowestVcn) {
    static final int VOLUME_INFORMATION = 0x70;
    static final int ATTRIBUTE_LIST = 0x20;
    static final int DATA = 0x80;
    static final int INDEX_ROOT = 0x90;
    static final int INDEX_ALLOCATION = 0xa0;
    static final int BITMAP = 0xb0;
    static final int COMPRESSED = 0x0001;
    static final int ENCRYPTED = 0x4000;
    private static final int END = 0xffffffff;
    private static final int RESIDENT_HEADER = 24;
    private static final int NON_RESIDENT_HEADER = 64;

    /**
     * The attributes of {@code record} (an MFT record, fixed up), in order; empty if any header reaches past the
     * record or the list does not end in the end marker before the record does.
     */
    static Optional<List<NtfsAttribute>> list(ByteBuffer record) {
        ByteBuffer r = record.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        long inUse = Integer.toUnsignedLong(r.getInt(0x18));
        int end = (int) Math.min(inUse, r.limit());
        int at = r.getShort(0x14) & 0xffff;
        List<NtfsAttribute> attributes = new ArrayList<>();
        // every attribute is at least a header long, so a record of at most 64 KiB ends this loop
        while (at >= 0x18 && at <= end - 4) {
            int type = r.getInt(at);
            if (type == END) {
                return Optional.of(attributes);
            }
            if (at > end - RESIDENT_HEADER) {
                return Optional.empty();
            }
            long length = Integer.toUnsignedLong(r.getInt(at + 4));
            if (length < RESIDENT_HEADER || length > end - at || length % 8 != 0) {
                return Optional.empty();
            }
            Optional<NtfsAttribute> attribute = parse(r.slice(at, (int) length).order(ByteOrder.LITTLE_ENDIAN));
            if (attribute.isEmpty()) {
                return Optional.empty();
            }
            attributes.add(attribute.get());
            at += (int) length;
        }
        return Optional.empty();
    }

    /** The first attribute of {@code type} named {@code name} in {@code attributes}. */
    static Optional<NtfsAttribute> find(List<NtfsAttribute> attributes, int type, String name) {
        return attributes.stream().filter(a -> a.type == type && a.name.equals(name)).findFirst();
    }

    private static Optional<NtfsAttribute> parse(ByteBuffer a) {
        int length = a.limit();
        boolean nonResident = a.get(8) != 0;
        int nameLength = a.get(9) & 0xff;
        int nameOffset = a.getShort(10) & 0xffff;
        int flags = a.getShort(12) & 0xffff;
        if (nameLength > 0 && nameOffset > length - 2 * nameLength) {
            return Optional.empty();
        }
        String name = "";
        if (nameLength > 0) {
            byte[] nameBytes = new byte[2 * nameLength];
            a.get(nameOffset, nameBytes);
            name = new String(nameBytes, StandardCharsets.UTF_16LE);
        }
        int type = a.getInt(0);
        if (!nonResident) {
            long valueLength = Integer.toUnsignedLong(a.getInt(16));
            int valueOffset = a.getShort(20) & 0xffff;
            if (valueOffset > length || valueLength > length - valueOffset) {
                return Optional.empty();
            }
            ByteBuffer value = a.slice(valueOffset, (int) valueLength).order(ByteOrder.LITTLE_ENDIAN);
            return Optional.of(new NtfsAttribute(type, name, flags, true, value, valueLength, valueLength, 0));
        }
        if (length < NON_RESIDENT_HEADER) {
            return Optional.empty();
        }
        long lowestVcn = a.getLong(16);
        int runsOffset = a.getShort(32) & 0xffff;
        long dataSize = a.getLong(48);
        long initializedSize = a.getLong(56);
        if (runsOffset < NON_RESIDENT_HEADER || runsOffset >= length || dataSize < 0 || initializedSize < 0) {
            return Optional.empty();
        }
        ByteBuffer runs = a.slice(runsOffset, length - runsOffset).order(ByteOrder.LITTLE_ENDIAN);
        return Optional.of(new NtfsAttribute(type, name, flags, false, runs, dataSize, initializedSize, lowestVcn));
    }
}
