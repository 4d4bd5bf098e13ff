package dev.vhdxmount.mount.partitions;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import dev.vhdxmount.mount.partitions.Partition.Kind;
import dev.vhdxmount.vhdx.VirtualDisk;

/**
 * Reads an MBR table as Linux does ({@code block/partitions/msdos.c}): primary partitions 1-4 by slot, then each
 * extended partition's chain of EBRs, whose data partitions are numbered 5 on in chain order. Every partition must lie
 * on the disk, every logical partition and EBR inside its extended partition, and the chain must end.
 */
final class MbrReader {
    /** More EBRs than Linux numbers partitions (256) is a chain gone wrong. */
    static final int MAX_LOGICAL = 256;

    private final VirtualDisk disk;
    private final int sectorSize;
    private final long sectors;

    MbrReader(VirtualDisk disk, int sectorSize, long sectors) {
        this.disk = disk;
        this.sectorSize = sectorSize;
        this.sectors = sectors;
    }

    List<Partition> read(Mbr mbr) throws IOException, PartitionTableException {
        List<Partition> partitions = new ArrayList<>();
        for (Mbr.Entry e : mbr.entries()) {
            if (e.isEmpty()) {
                continue;
            }
            int number = e.index() + 1;
            String what = (e.isExtended() ? "extended" : "primary") + " partition " + number;
            checkOnDisk(what, e.firstSector(), e.sectors());
            partitions.add(partition(number, e.isExtended() ? Kind.EXTENDED : Kind.PRIMARY, e.firstSector(),
                    e.sectors(), e.type()));
        }
        int next = 5;
        for (Partition extended : List.copyOf(partitions)) {
            if (extended.isContainer()) {
                next = readChain(extended, next, partitions);
            }
        }
        return partitions;
    }

    /**
     * Follows the EBRs of {@code extended}, adding its logical partitions from number {@code next} on.
     *
     * @return the number the next logical partition would get
     */
    private int readChain(Partition extended, int next, List<Partition> partitions)
            throws IOException, PartitionTableException {
        long extStart = extended.start() / sectorSize;
        long extEnd = extended.end() / sectorSize;
        String container = "extended partition " + extended.number() + " (sectors " + extStart + ".." + (extEnd - 1)
                + ")";
        long ebr = extStart;
        long ebrSectors = extEnd - extStart;
        Set<Long> seen = new HashSet<>();
        while (true) {
            if (!seen.add(ebr)) {
                throw new PartitionTableException("the chain of EBRs of " + container + " loops back to the EBR at"
                        + " sector " + ebr);
            }
            if (seen.size() > MAX_LOGICAL) {
                throw new PartitionTableException("the chain of EBRs of " + container + " holds more than "
                        + MAX_LOGICAL + " of them");
            }
            String where = "EBR at sector " + ebr;
            Optional<Mbr> record = Mbr.parse(DiskBytes.read(disk, ebr * sectorSize, Mbr.SIZE, where));
            if (record.isEmpty()) {
                throw new PartitionTableException(where + " (in " + container + "): no boot signature 0x55AA");
            }
            for (Mbr.Entry e : record.get().entries()) {
                if (e.isEmpty() || e.isExtended()) {
                    continue;
                }
                long start = ebr + e.firstSector();
                // Linux skips a third or fourth entry that does not fit: old tools left garbage there
                if (e.index() >= 2 && (e.firstSector() + e.sectors() > ebrSectors || start + e.sectors() > extEnd)) {
                    continue;
                }
                String what = "logical partition " + next + " (entry " + (e.index() + 1) + " of the " + where + ")";
                if (e.firstSector() == 0) {
                    throw new PartitionTableException(what + ": starts at its own EBR");
                }
                checkOnDisk(what, start, e.sectors());
                if (start + e.sectors() > extEnd) {
                    throw new PartitionTableException(what + ": sectors " + start + ".." + (start + e.sectors() - 1)
                            + " reach outside " + container);
                }
                partitions.add(partition(next++, Kind.LOGICAL, start, e.sectors(), e.type()));
            }
            Optional<Mbr.Entry> link = record.get().entries().stream()
                    .filter(e -> !e.isEmpty() && e.isExtended()).findFirst();
            if (link.isEmpty()) {
                return next;
            }
            long nextEbr = extStart + link.get().firstSector();
            if (nextEbr >= extEnd) {
                throw new PartitionTableException(where + ": the next EBR at sector " + nextEbr + " lies outside "
                        + container);
            }
            ebr = nextEbr;
            ebrSectors = link.get().sectors();
        }
    }

    /** A partition must start after sector 0 and end on the disk. */
    private void checkOnDisk(String what, long first, long count) throws PartitionTableException {
        if (first == 0) {
            throw new PartitionTableException(what + ": starts at sector 0, over the MBR");
        }
        if (first + count > sectors) {
            throw new PartitionTableException(what + ": sectors " + first + ".." + (first + count - 1)
                    + " reach past the disk's last sector " + (sectors - 1));
        }
    }

    private Partition partition(int number, Kind kind, long first, long count, int type) {
        return new Partition(number, kind, first * sectorSize, count * sectorSize, PartitionType.mbr(type), "");
    }
}
