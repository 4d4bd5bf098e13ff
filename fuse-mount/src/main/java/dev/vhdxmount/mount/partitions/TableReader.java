package dev.vhdxmount.mount.partitions;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

import dev.vhdxmount.mount.partitions.PartitionTable.Scheme;
import dev.vhdxmount.vhdx.VirtualDisk;

/**
 * Decides what sector 0 holds, as Linux's partition code does, and has the table read: a boot signature and an
 * entry of type 0xEE make a GPT disk, a boot signature and boot indicators of 0x00 or 0x80 an MBR; a file system's
 * boot sector (FAT, NTFS, exFAT, BitLocker, which carry the same signature) or no signature means no table.
 */
final class TableReader {
    private final VirtualDisk disk;
    private final int sectorSize;
    private final long sectors;
    private final List<String> warnings = new ArrayList<>();
    private Scheme scheme = Scheme.NONE;
    private Optional<String> diskId = Optional.empty();

    TableReader(VirtualDisk disk) {
        this.disk = disk;
        this.sectorSize = disk.logicalSectorSize();
        this.sectors = disk.size() / sectorSize;
    }

    PartitionTable read() {
        List<Partition> partitions = List.of();
        try {
            partitions = readTable();
        } catch (PartitionTableException e) {
            warnings.add(e.getMessage());
        } catch (IOException e) {
            warnings.add("reading the partition table failed: " + e.getMessage());
        }
        if (!partitions.isEmpty()) {
            warnOfOverlaps(partitions);
        }
        return new PartitionTable(scheme, sectorSize, diskId, partitions, warnings);
    }

    private List<Partition> readTable() throws IOException, PartitionTableException {
        if (disk.size() < Mbr.SIZE) {
            return List.of();
        }
        ByteBuffer first = bytes(0, Mbr.SIZE, "sector 0");
        Optional<Mbr> mbr = Mbr.parse(first);
        if (mbr.isEmpty()) {
            if (sectors > 2 && GptHeader.hasSignature(bytes(sectorSize, sectorSize, "LBA 1"))) {
                warnings.add("a GPT header at LBA 1, but sector 0 holds no protective MBR (no boot signature 0x55AA):"
                        + " Linux ignores such a table, and so does vhdx-mount");
            }
            return List.of();
        }
        if (BootSector.parse(first).isPresent()) {
            return List.of(); // a file system starts at sector 0: the probe of the whole disk reports it
        }
        Optional<Mbr.Entry> bad = mbr.get().badBootIndicator();
        if (bad.isPresent()) {
            warnings.add(String.format("sector 0 has a boot signature but holds no partition table: entry %d's boot"
                    + " indicator is 0x%02x (0x00 or 0x80 expected)", bad.get().index() + 1, bad.get().status()));
            return List.of();
        }
        if (mbr.get().protectsGpt()) {
            scheme = Scheme.GPT;
            return new GptReader(disk, sectorSize, sectors, warnings, id -> diskId = Optional.of(id)).read();
        }
        scheme = Scheme.MBR;
        diskId = Optional.of(String.format("0x%08x", mbr.get().diskSignature()));
        return new MbrReader(disk, sectorSize, sectors).read(mbr.get());
    }

    private ByteBuffer bytes(long offset, int length, String what) throws IOException, PartitionTableException {
        return DiskBytes.read(disk, offset, length, what);
    }

    /** Overlapping partitions read fine, each its own range, but say the table was made by hand or damaged. */
    private void warnOfOverlaps(List<Partition> partitions) {
        List<Partition> sorted = new ArrayList<>(partitions);
        sorted.removeIf(Partition::isContainer);
        sorted.sort(Comparator.comparingLong(Partition::start));
        for (int i = 1; i < sorted.size(); i++) {
            Partition before = sorted.get(i - 1);
            Partition after = sorted.get(i);
            if (after.start() < before.end()) {
                warnings.add("partitions " + before.number() + " and " + after.number() + " overlap (bytes "
                        + after.start() + ".." + (Math.min(before.end(), after.end()) - 1) + ")");
            }
        }
    }
}
