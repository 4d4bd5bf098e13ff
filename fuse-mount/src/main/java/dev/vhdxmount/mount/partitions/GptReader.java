package dev.vhdxmount.mount.partitions;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

import dev.vhdxmount.mount.partitions.Partition.Kind;
import dev.vhdxmount.vhdx.VirtualDisk;

/**
 * Reads a GPT as Linux does: the primary header at LBA 1 and its entry array, both checked (CRC-32, placement); the
 * backup, at the LBA the primary names or else at the disk's last, used when the primary is damaged, and a warning
 * says so.
 */
final class GptReader {
    private final VirtualDisk disk;
    private final int sectorSize;
    private final long sectors;
    private final List<String> warnings;
    private final Consumer<String> diskId;

    /** A header and its entry array, both checked. */
    private record Copy(GptHeader header, ByteBuffer entries, long lba) {}

    GptReader(VirtualDisk disk, int sectorSize, long sectors, List<String> warnings,
            Consumer<String> diskId) {
        this.disk = disk;
        this.sectorSize = sectorSize;
        this.sectors = sectors;
        this.warnings = warnings;
        this.diskId = diskId;
    }

    List<Partition> read() throws IOException, PartitionTableException {
        Copy primary = null;
        String primaryProblem = null;
        try {
            primary = load(1, "primary GPT header at LBA 1");
        } catch (PartitionTableException e) {
            primaryProblem = e.getMessage() + otherSectorSize();
        }
        long backupLba = primary != null && primary.header.alternateLba() > 1
                && primary.header.alternateLba() < sectors ? primary.header.alternateLba() : sectors - 1;
        Copy backup = null;
        String backupProblem = null;
        try {
            backup = load(backupLba, "backup GPT header at LBA " + backupLba);
        } catch (PartitionTableException e) {
            backupProblem = e.getMessage();
        }
        Copy used;
        if (primary != null) {
            used = primary;
            if (backup == null) {
                warnings.add(backupProblem + " (the primary GPT is intact and used)");
            } else if (backup.header.entriesCrc() != primary.header.entriesCrc()) {
                warnings.add("the backup GPT's partition entries differ from the primary's (CRC-32 "
                        + GptHeader.hex(backup.header.entriesCrc()) + ", primary " + GptHeader.hex(
                        primary.header.entriesCrc()) + "): the primary is used");
            }
            if (primary.header.alternateLba() != sectors - 1) {
                warnings.add("the primary GPT header places its backup at LBA "
                        + Long.toUnsignedString(primary.header.alternateLba()) + ", not at the disk's last sector "
                        + (sectors - 1) + " (was the disk resized?)");
            }
        } else if (backup != null) {
            used = backup;
            warnings.add(primaryProblem + "; using the backup GPT at LBA " + backupLba);
        } else {
            throw new PartitionTableException(primaryProblem + "; " + backupProblem);
        }
        diskId.accept(used.header.diskGuid().toString().toUpperCase(Locale.ROOT));
        return partitions(used);
    }

    /** The header at {@code lba} and its entry array, each checked. */
    private Copy load(long lba, String what) throws IOException, PartitionTableException {
        GptHeader header = GptHeader.parse(DiskBytes.read(disk, lba * sectorSize, sectorSize, what), lba, sectors,
                what);
        int length = header.entriesBytes();
        ByteBuffer entries = DiskBytes.read(disk, header.entriesLba() * sectorSize, length, what
                + ": partition entry array");
        int computed = GptHeader.crc32(entries, 0, length, -1);
        if (computed != header.entriesCrc()) {
            throw new PartitionTableException(what + ": partition entry array at LBA " + header.entriesLba()
                    + ": CRC-32 mismatch (stored " + GptHeader.hex(header.entriesCrc()) + ", computed "
                    + GptHeader.hex(computed) + ")");
        }
        return new Copy(header, entries, lba);
    }

    /**
     * Where a header that is missing at LBA 1 went, when it is at LBA 1 of the other sector size: the table was
     * written for another disk (a 512-byte one copied into a 4096-byte VHDX, or the reverse).
     */
    private String otherSectorSize() throws IOException {
        int other = sectorSize == 512 ? 4096 : 512;
        if (disk.size() < 2L * other) {
            return "";
        }
        try {
            if (GptHeader.hasSignature(DiskBytes.read(disk, sectorSize, 8, "LBA 1"))
                    || !GptHeader.hasSignature(DiskBytes.read(disk, other, 8, "byte " + other))) {
                return "";
            }
        } catch (PartitionTableException e) {
            return "";
        }
        return " (but there is one at byte " + other + ": this GPT was written for " + other + "-byte sectors, and"
                + " this disk has " + sectorSize + "-byte ones, so Linux does not see its partitions either)";
    }

    /** The used entries, each checked to lie in the usable sectors, numbered by entry as Linux numbers them. */
    private List<Partition> partitions(Copy copy) throws PartitionTableException {
        GptHeader h = copy.header;
        List<Partition> partitions = new ArrayList<>();
        int count = h.entriesBytes() / h.entrySize();
        for (int i = 0; i < count; i++) {
            GptEntry e = GptEntry.parse(copy.entries, i * h.entrySize());
            if (!e.isUsed()) {
                continue;
            }
            String where = "GPT entry " + (i + 1) + " (" + e.type() + ")";
            if (Long.compareUnsigned(e.firstLba(), e.lastLba()) > 0) {
                throw new PartitionTableException(where + ": FirstLBA " + Long.toUnsignedString(e.firstLba())
                        + " lies after LastLBA " + Long.toUnsignedString(e.lastLba()));
            }
            if (Long.compareUnsigned(e.firstLba(), h.firstUsableLba()) < 0
                    || Long.compareUnsigned(e.lastLba(), h.lastUsableLba()) > 0) {
                throw new PartitionTableException(where + ": sectors " + Long.toUnsignedString(e.firstLba()) + ".."
                        + Long.toUnsignedString(e.lastLba()) + (Long.compareUnsigned(e.lastLba(), sectors) >= 0
                                ? " reach past the disk's last sector " + (sectors - 1)
                                : " lie outside the usable sectors " + h.firstUsableLba() + ".." + h.lastUsableLba()));
            }
            partitions.add(new Partition(i + 1, Kind.GPT, e.firstLba() * sectorSize,
                    (e.lastLba() - e.firstLba() + 1) * sectorSize, PartitionType.gpt(e.type()), e.name()));
        }
        return partitions;
    }
}
