package dev.vhdxmount.mount.partitions;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A master boot record, or an extended boot record (the same layout): four 16-byte partition entries at 446 and the
 * boot signature 0x55 0xAA at 510. Sector numbers are in the disk's logical sectors; an EBR's are relative (its data
 * partition to the EBR itself, the next EBR to the start of the extended partition).
 *
 * @param diskSignature the 32-bit disk signature at 440 (an MBR's; unused in an EBR)
 */
public record Mbr(long diskSignature, List<Entry> entries) {
    /** The bytes parsed: the first 512 of the sector, whatever the sector size. */
    public static final int SIZE = 512;
    /** Partition type codes. */
    public static final int GPT_PROTECTIVE = 0xee;

    /**
     * One entry.
     *
     * @param index       0-3
     * @param status      the boot indicator: 0x80 active, 0x00 inactive, anything else not a partition table
     * @param firstSector its first sector (32 bits, unsigned)
     * @param sectors     its length in sectors (32 bits, unsigned)
     */
    public record Entry(int index, int status, int type, long firstSector, long sectors) {
        /** An unused slot: type 0 or no sectors (as fdisk reads it). */
        public boolean isEmpty() {
            return type == 0 || sectors == 0;
        }

        /** DOS (0x05), Windows LBA (0x0f) and Linux (0x85) extended partitions, as Linux follows them. */
        public boolean isExtended() {
            return type == 0x05 || type == 0x0f || type == 0x85;
        }
    }

    public Mbr {
        entries = List.copyOf(entries);
    }

    /** Whether the sector ends with the boot signature that MBRs, EBRs and boot sectors carry. */
    public static boolean hasBootSignature(ByteBuffer sector) {
        return sector.limit() >= SIZE && (sector.get(510) & 0xff) == 0x55 && (sector.get(511) & 0xff) == 0xaa;
    }

    /** The record of the sector's first 512 bytes, or empty when it has no boot signature. */
    public static Optional<Mbr> parse(ByteBuffer sector) {
        if (!hasBootSignature(sector)) {
            return Optional.empty();
        }
        ByteBuffer b = sector.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        List<Entry> entries = new ArrayList<>(4);
        for (int i = 0; i < 4; i++) {
            int at = 446 + 16 * i;
            entries.add(new Entry(i, b.get(at) & 0xff, b.get(at + 4) & 0xff, Integer.toUnsignedLong(b.getInt(at + 8)),
                    Integer.toUnsignedLong(b.getInt(at + 12))));
        }
        return Optional.of(new Mbr(Integer.toUnsignedLong(b.getInt(440)), entries));
    }

    /** The first entry whose boot indicator is neither 0x00 nor 0x80 (then this is no partition table), if any. */
    public Optional<Entry> badBootIndicator() {
        return entries.stream().filter(e -> e.status != 0 && e.status != 0x80).findFirst();
    }

    /** Whether an entry is the protective (or hybrid) partition of a GPT disk, type 0xEE. */
    public boolean protectsGpt() {
        return entries.stream().anyMatch(e -> e.type == GPT_PROTECTIVE && e.sectors != 0);
    }
}
