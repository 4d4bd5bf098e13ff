package dev.vhdxmount.vhdx.log;

import static dev.vhdxmount.vhdx.error.Hex.hex;

import dev.vhdxmount.vhdx.error.VhdxFormatException;
import dev.vhdxmount.vhdx.format.Guids;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.zip.CRC32C;

/**
 * One log entry (MS-VHDX §2.3.1): a 64-byte header, descriptors filling whole 4 KiB sectors, then one 4 KiB data
 * sector per data descriptor. The CRC-32C covers EntryLength bytes.
 */
public record LogEntry(
        long logOffset,
        int entryLength,
        long tail,
        long sequenceNumber,
        UUID logGuid,
        long flushedFileOffset,
        long lastFileOffset,
        List<LogDescriptor> descriptors) {

    public static final int SECTOR = 4096;
    static final int HEADER_SIZE = 64;
    private static final int DESCRIPTOR_SIZE = 32;
    private static final int ENTRY_SIGNATURE = 0x65676f6c; // "loge"
    private static final int ZERO_SIGNATURE = 0x6f72657a; // "zero"
    private static final int DESC_SIGNATURE = 0x63736564; // "desc"
    private static final int DATA_SIGNATURE = 0x61746164; // "data"

    public LogEntry {
        descriptors = List.copyOf(descriptors);
    }

    /** EntryLength from an entry's first sector, before the rest is read; the caller bounds it. */
    static long entryLength(ByteBuffer firstSector) {
        return Integer.toUnsignedLong(firstSector.getInt(8));
    }

    static boolean hasSignature(ByteBuffer firstSector) {
        return firstSector.getInt(0) == ENTRY_SIGNATURE;
    }

    /** Reads sector {@code index} (4 KiB, little-endian) of an entry; the caller unwraps the circular log. */
    @FunctionalInterface
    interface Sectors {
        ByteBuffer read(int index) throws IOException;
    }

    /**
     * Parses and validates a whole entry, reading its sectors in the order they lie (header, descriptors, data
     * sectors) and checking each as it comes; the CRC-32C over EntryLength, computed on the way, is compared last.
     * A candidate that is no entry (a forged or stale header, the inside of another entry) so fails at its first
     * inconsistent sector: scanning a log costs about the log's length, whatever EntryLength the candidates claim.
     * (Reading and checksumming each candidate's EntryLength first made a 64 MiB log sown with headers that each
     * claim 64 MiB take minutes to open.)
     *
     * @param sectors   the entry's sectors
     * @param length    EntryLength from the first sector: a multiple of 4 KiB inside the log (the caller checks)
     * @param logOffset where it starts in the log, for messages and for {@link #tail} checks
     * @param logLength the log's length: Tail must lie inside it
     * @param logGuid   the header's LogGuid: entries with another GUID belong to an older log
     */
    static LogEntry parse(Sectors sectors, int length, long logOffset, long logLength, UUID logGuid)
            throws IOException {
        String where = "log entry at log offset " + hex(logOffset);
        ByteBuffer first = sectors.read(0);
        if (!hasSignature(first)) {
            throw new VhdxFormatException(where + ": signature is not 'loge'");
        }
        UUID guid = Guids.read(first, 32);
        if (!guid.equals(logGuid)) {
            throw new VhdxFormatException(where + ": LogGuid " + guid + " is not the header's " + logGuid);
        }
        long tail = Integer.toUnsignedLong(first.getInt(12));
        if (tail % SECTOR != 0 || tail >= logLength) {
            throw new VhdxFormatException(where + ": Tail " + hex(tail) + " is not a 4 KiB-aligned log offset below "
                    + hex(logLength));
        }
        long sequence = first.getLong(16);
        long count = Integer.toUnsignedLong(first.getInt(24));
        long descriptorSectors = (HEADER_SIZE + DESCRIPTOR_SIZE * count + SECTOR - 1) / SECTOR;
        if (descriptorSectors > length / SECTOR) {
            throw new VhdxFormatException(where + ": DescriptorCount " + count + " does not fit in EntryLength "
                    + hex(length));
        }
        CRC32C crc = new CRC32C();
        byte[] header = new byte[SECTOR];
        first.get(0, header);
        Arrays.fill(header, 4, 8, (byte) 0); // the checksum field counts as zero
        crc.update(header);

        // descriptors in order; a data descriptor's slot is filled when its data sector is read
        List<LogDescriptor> descriptors = new ArrayList<>();
        List<Integer> dataSlots = new ArrayList<>();
        ByteBuffer sector = first;
        int sectorIndex = 0;
        for (int i = 0; i < count; i++) {
            long at = HEADER_SIZE + (long) DESCRIPTOR_SIZE * i;
            if (at / SECTOR != sectorIndex) {
                sectorIndex = (int) (at / SECTOR);
                sector = sectors.read(sectorIndex);
                crc.update(sector.duplicate());
            }
            int d = (int) (at % SECTOR);
            String dWhere = where + ", descriptor " + i;
            int signature = sector.getInt(d);
            long fileOffset = sector.getLong(d + 16);
            if (signature != ZERO_SIGNATURE && signature != DESC_SIGNATURE) {
                throw new VhdxFormatException(String.format("%s: signature 0x%08x is neither 'desc' nor 'zero'",
                        dWhere, signature));
            }
            if (sector.getLong(d + 24) != sequence) {
                throw new VhdxFormatException(dWhere + ": SequenceNumber " + sector.getLong(d + 24)
                        + " is not the entry's " + sequence);
            }
            if (fileOffset < 0 || fileOffset % SECTOR != 0) {
                throw new VhdxFormatException(dWhere + ": FileOffset " + hex(fileOffset)
                        + " is not a 4 KiB-aligned file offset");
            }
            if (signature == ZERO_SIGNATURE) {
                long zeroLength = sector.getLong(d + 8);
                if (zeroLength <= 0 || zeroLength % SECTOR != 0 || fileOffset + zeroLength < 0) {
                    throw new VhdxFormatException(dWhere + ": ZeroLength " + hex(zeroLength)
                            + " is not a positive multiple of 4 KiB");
                }
                descriptors.add(new LogDescriptor.Zero(fileOffset, zeroLength));
            } else {
                if (descriptorSectors + dataSlots.size() + 1 > length / SECTOR) {
                    throw new VhdxFormatException(where + ": " + descriptorSectors + " descriptor sectors and more"
                            + " than " + dataSlots.size() + " data sectors do not fit in EntryLength " + hex(length));
                }
                // the sector it writes, framed by LeadingBytes and TrailingBytes; the middle comes with its data
                byte[] write = new byte[SECTOR];
                sector.get(d + 8, write, 0, 8);
                sector.get(d + 4, write, SECTOR - 4, 4);
                dataSlots.add(descriptors.size());
                descriptors.add(new LogDescriptor.Data(fileOffset, write));
            }
        }
        if (descriptorSectors + dataSlots.size() != length / SECTOR) {
            throw new VhdxFormatException(where + ": " + descriptorSectors + " descriptor sectors and "
                    + dataSlots.size() + " data sectors do not add up to EntryLength " + hex(length));
        }
        for (int j = 0; j < dataSlots.size(); j++) {
            int index = (int) descriptorSectors + j;
            ByteBuffer data = sectors.read(index);
            crc.update(data.duplicate());
            String dWhere = where + ", descriptor " + dataSlots.get(j);
            if (data.getInt(0) != DATA_SIGNATURE) {
                throw new VhdxFormatException(dWhere + ": data sector " + index + " signature is not 'data'");
            }
            long high = Integer.toUnsignedLong(data.getInt(4));
            long low = Integer.toUnsignedLong(data.getInt(SECTOR - 4));
            if (((high << 32) | low) != sequence) {
                throw new VhdxFormatException(dWhere + ": data sector " + index + " sequence number "
                        + ((high << 32) | low) + " is not the entry's " + sequence + " (torn write)");
            }
            data.get(8, ((LogDescriptor.Data) descriptors.get(dataSlots.get(j))).sector(), 8, SECTOR - 12);
        }
        int stored = first.getInt(4);
        int computed = (int) crc.getValue();
        if (stored != computed) {
            throw new VhdxFormatException(String.format("%s: CRC-32C mismatch (stored 0x%08x, computed 0x%08x)",
                    where, stored, computed));
        }
        return new LogEntry(logOffset, length, tail, sequence, guid, first.getLong(48), first.getLong(56),
                descriptors);
    }
}
