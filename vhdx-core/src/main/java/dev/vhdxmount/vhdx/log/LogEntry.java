package dev.vhdxmount.vhdx.log;

import static dev.vhdxmount.vhdx.io.Structures.hex;

import dev.vhdxmount.vhdx.VhdxFormatException;
import dev.vhdxmount.vhdx.format.Checksums;
import dev.vhdxmount.vhdx.format.Guids;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

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

    /**
     * Parses and validates a whole entry.
     *
     * @param b         the entry's EntryLength bytes, already unwrapped from the circular log
     * @param logOffset where it starts in the log, for messages and for {@link #tail} checks
     * @param logLength the log's length: Tail must lie inside it
     * @param logGuid   the header's LogGuid: entries with another GUID belong to an older log
     */
    static LogEntry parse(ByteBuffer b, long logOffset, long logLength, UUID logGuid) throws VhdxFormatException {
        String where = "log entry at log offset " + hex(logOffset);
        if (!hasSignature(b)) {
            throw new VhdxFormatException(where + ": signature is not 'loge'");
        }
        int length = b.limit();
        Checksums.verify(b, length, 4, where);
        UUID guid = Guids.read(b, 32);
        if (!guid.equals(logGuid)) {
            throw new VhdxFormatException(where + ": LogGuid " + guid + " is not the header's " + logGuid);
        }
        long tail = Integer.toUnsignedLong(b.getInt(12));
        if (tail % SECTOR != 0 || tail >= logLength) {
            throw new VhdxFormatException(where + ": Tail " + hex(tail) + " is not a 4 KiB-aligned log offset below "
                    + hex(logLength));
        }
        long sequence = b.getLong(16);
        long count = Integer.toUnsignedLong(b.getInt(24));
        long descriptorSectors = (HEADER_SIZE + DESCRIPTOR_SIZE * count + SECTOR - 1) / SECTOR;
        if (descriptorSectors > length / SECTOR) {
            throw new VhdxFormatException(where + ": DescriptorCount " + count + " does not fit in EntryLength "
                    + hex(length));
        }
        long dataSectors = 0;
        for (int i = 0; i < count; i++) {
            if (b.getInt(HEADER_SIZE + DESCRIPTOR_SIZE * i) == DESC_SIGNATURE) {
                dataSectors++;
            }
        }
        if (descriptorSectors + dataSectors != length / SECTOR) {
            throw new VhdxFormatException(where + ": " + descriptorSectors + " descriptor sectors and " + dataSectors
                    + " data sectors do not add up to EntryLength " + hex(length));
        }
        List<LogDescriptor> descriptors = new ArrayList<>((int) count);
        int dataSector = (int) descriptorSectors;
        for (int i = 0; i < count; i++) {
            int at = HEADER_SIZE + DESCRIPTOR_SIZE * i;
            String dWhere = where + ", descriptor " + i;
            int signature = b.getInt(at);
            long fileOffset = b.getLong(at + 16);
            if (b.getLong(at + 24) != sequence) {
                throw new VhdxFormatException(dWhere + ": SequenceNumber " + b.getLong(at + 24)
                        + " is not the entry's " + sequence);
            }
            if (fileOffset < 0 || fileOffset % SECTOR != 0) {
                throw new VhdxFormatException(dWhere + ": FileOffset " + hex(fileOffset)
                        + " is not a 4 KiB-aligned file offset");
            }
            if (signature == ZERO_SIGNATURE) {
                long zeroLength = b.getLong(at + 8);
                if (zeroLength <= 0 || zeroLength % SECTOR != 0 || fileOffset + zeroLength < 0) {
                    throw new VhdxFormatException(dWhere + ": ZeroLength " + hex(zeroLength)
                            + " is not a positive multiple of 4 KiB");
                }
                descriptors.add(new LogDescriptor.Zero(fileOffset, zeroLength));
            } else if (signature == DESC_SIGNATURE) {
                descriptors.add(new LogDescriptor.Data(fileOffset, dataSector(b, at, dataSector++, sequence, dWhere)));
            } else {
                throw new VhdxFormatException(String.format("%s: signature 0x%08x is neither 'desc' nor 'zero'",
                        dWhere, signature));
            }
        }
        return new LogEntry(logOffset, length, tail, sequence, guid, b.getLong(48), b.getLong(56), descriptors);
    }

    /** Rebuilds the 4 KiB a data descriptor writes, checking the data sector's signature and sequence halves. */
    private static byte[] dataSector(ByteBuffer b, int descriptorAt, int sectorIndex, long sequence, String where)
            throws VhdxFormatException {
        int at = sectorIndex * SECTOR;
        if (b.getInt(at) != DATA_SIGNATURE) {
            throw new VhdxFormatException(where + ": data sector " + sectorIndex + " signature is not 'data'");
        }
        long high = Integer.toUnsignedLong(b.getInt(at + 4));
        long low = Integer.toUnsignedLong(b.getInt(at + SECTOR - 4));
        if (((high << 32) | low) != sequence) {
            throw new VhdxFormatException(where + ": data sector " + sectorIndex + " sequence number "
                    + ((high << 32) | low) + " is not the entry's " + sequence + " (torn write)");
        }
        byte[] sector = new byte[SECTOR];
        b.get(descriptorAt + 8, sector, 0, 8); // LeadingBytes
        b.get(at + 8, sector, 8, SECTOR - 12);
        b.get(descriptorAt + 4, sector, SECTOR - 4, 4); // TrailingBytes
        return sector;
    }

    public long sectors() {
        return entryLength / SECTOR;
    }
}
