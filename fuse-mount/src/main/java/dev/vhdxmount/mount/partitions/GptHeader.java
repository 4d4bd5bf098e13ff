package dev.vhdxmount.mount.partitions;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.zip.CRC32;

import dev.vhdxmount.vhdx.format.Guids;

/**
 * A GPT header (UEFI specification 2.10, §5.3.2), at LBA 1 (primary) or the disk's last LBA (backup), in the disk's
 * logical sectors. {@link #parse} checks every rule that makes the header usable, each with its own message.
 *
 * @param entriesLba the first LBA of its partition entry array
 */
public record GptHeader(long myLba, long alternateLba, long firstUsableLba, long lastUsableLba, UUID diskGuid,
        long entriesLba, int entryCount, int entrySize, int entriesCrc) {
    /** The bytes of the header that its CRC covers at least (HeaderSize's smallest value). */
    public static final int MIN_SIZE = 92;
    /** The largest entry array read: 32768 entries of 128 bytes; tables have 128. */
    public static final int MAX_ENTRIES_BYTES = 4 << 20;
    private static final byte[] SIGNATURE = "EFI PART".getBytes(StandardCharsets.US_ASCII);

    /** Whether the sector starts with the GPT signature (a header, usable or not, is there). */
    public static boolean hasSignature(ByteBuffer sector) {
        if (sector.limit() < SIGNATURE.length) {
            return false;
        }
        for (int i = 0; i < SIGNATURE.length; i++) {
            if (sector.get(i) != SIGNATURE[i]) {
                return false;
            }
        }
        return true;
    }

    /**
     * Parses and checks the header in {@code sector}, read at {@code lba} of a disk of {@code diskSectors} sectors.
     *
     * @param what "primary GPT header at LBA 1" or the like, for messages
     */
    public static GptHeader parse(ByteBuffer sector, long lba, long diskSectors, String what)
            throws PartitionTableException {
        ByteBuffer b = sector.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        int sectorSize = b.limit();
        if (!hasSignature(b)) {
            throw new PartitionTableException(what + ": no signature 'EFI PART'");
        }
        long headerSize = Integer.toUnsignedLong(b.getInt(12));
        if (headerSize < MIN_SIZE || headerSize > sectorSize) {
            throw new PartitionTableException(what + ": HeaderSize " + headerSize + " is outside " + MIN_SIZE + ".."
                    + sectorSize);
        }
        int stored = b.getInt(16);
        int computed = crc32(b, 0, (int) headerSize, 16);
        if (stored != computed) {
            throw new PartitionTableException(what + ": header CRC-32 mismatch (stored " + hex(stored) + ", computed "
                    + hex(computed) + ")");
        }
        GptHeader h = new GptHeader(b.getLong(24), b.getLong(32), b.getLong(40), b.getLong(48), Guids.read(b, 56),
                b.getLong(72), b.getInt(80), b.getInt(84), b.getInt(88));
        h.check(lba, diskSectors, sectorSize, what);
        return h;
    }

    /** The rules past the checksum: where the header says it is, its usable area, its entry array. */
    private void check(long lba, long diskSectors, int sectorSize, String what) throws PartitionTableException {
        if (myLba != lba) {
            throw new PartitionTableException(what + ": MyLBA is " + Long.toUnsignedString(myLba) + ", not " + lba);
        }
        if (Long.compareUnsigned(firstUsableLba, lastUsableLba) > 0) {
            throw new PartitionTableException(what + ": FirstUsableLBA " + Long.toUnsignedString(firstUsableLba)
                    + " lies after LastUsableLBA " + Long.toUnsignedString(lastUsableLba));
        }
        if (Long.compareUnsigned(lastUsableLba, diskSectors) >= 0) {
            throw new PartitionTableException(what + ": LastUsableLBA " + Long.toUnsignedString(lastUsableLba)
                    + " lies past the disk's last sector " + (diskSectors - 1));
        }
        if (firstUsableLba < 2 || lastUsableLba > diskSectors - 2) {
            throw new PartitionTableException(what + ": the usable sectors " + firstUsableLba + ".." + lastUsableLba
                    + " reach over the MBR or a GPT header (LBA 0, 1 and " + (diskSectors - 1) + ")");
        }
        if (entrySize < 128 || entrySize > 4096 || Integer.bitCount(entrySize) != 1) {
            throw new PartitionTableException(what + ": SizeOfPartitionEntry " + Integer.toUnsignedString(entrySize)
                    + " is not 128 x 2^n (at most 4096)");
        }
        if (Integer.toUnsignedLong(entryCount) * entrySize > MAX_ENTRIES_BYTES) {
            throw new PartitionTableException(what + ": " + Integer.toUnsignedString(entryCount) + " partition entries"
                    + " of " + entrySize + " bytes are more than the " + (MAX_ENTRIES_BYTES >> 20) + " MiB read");
        }
        long sectors = entriesSectors(sectorSize);
        if (sectors == 0) {
            return;
        }
        if (entriesLba < 1 || entriesLba > diskSectors - sectors) {
            throw new PartitionTableException(what + ": its partition entry array at LBA "
                    + Long.toUnsignedString(entriesLba) + " (" + sectors + " sectors) does not lie on the disk");
        }
        long end = entriesLba + sectors;
        if (entriesLba <= lba && lba < end) {
            throw new PartitionTableException(what + ": its partition entry array at LBA " + entriesLba + ".."
                    + (end - 1) + " holds the header itself");
        }
        if (entriesLba <= lastUsableLba && firstUsableLba < end) {
            throw new PartitionTableException(what + ": its partition entry array at LBA " + entriesLba + ".."
                    + (end - 1) + " overlaps the usable sectors " + firstUsableLba + ".." + lastUsableLba);
        }
    }

    /** The bytes of the partition entry array (bounded by {@link #parse}). */
    public int entriesBytes() {
        return (int) (Integer.toUnsignedLong(entryCount) * entrySize);
    }

    /** The sectors that hold the partition entry array. */
    public long entriesSectors(int sectorSize) {
        return (entriesBytes() + sectorSize - 1L) / sectorSize;
    }

    /**
     * CRC-32 (the zlib one UEFI uses) of {@code length} bytes from {@code offset}, with the 4 bytes at
     * {@code zeroedAt} counted as zeros (a header's own CRC field), or -1 to count every byte as it is.
     */
    static int crc32(ByteBuffer b, int offset, int length, int zeroedAt) {
        CRC32 crc = new CRC32();
        ByteBuffer all = b.duplicate().position(offset).limit(offset + length);
        if (zeroedAt < 0) {
            crc.update(all);
        } else {
            crc.update(all.duplicate().limit(zeroedAt));
            crc.update(new byte[4]);
            crc.update(all.duplicate().position(zeroedAt + 4));
        }
        return (int) crc.getValue();
    }

    static String hex(int value) {
        return String.format("0x%08x", value);
    }
}
