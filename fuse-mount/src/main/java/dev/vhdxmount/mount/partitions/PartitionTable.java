package dev.vhdxmount.mount.partitions;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

import dev.vhdxmount.vhdx.VirtualDisk;

/**
 * A disk's partition table as Linux reads it, or what was wrong with it.
 *
 * <p>{@link #partitions} is empty whenever the table cannot be trusted (a checksum that fails with no good copy, an
 * entry past the disk or its usable area, a logical partition outside its extended one, a chain of EBRs that loops);
 * {@link #warnings} then say what is wrong and where. Warnings may also come with usable partitions: a damaged backup
 * GPT, the backup used in place of a damaged primary, partitions that overlap.
 *
 * @param sectorSize the disk's logical sector size, the unit of the table's sector numbers
 * @param diskId     GPT: the disk GUID; MBR: the disk signature ({@code 0x1234abcd})
 * @param partitions in the table's order, every one inside the disk
 */
public record PartitionTable(Scheme scheme, int sectorSize, Optional<String> diskId, List<Partition> partitions,
        List<String> warnings) {

    /** What kind of table sector 0 holds. */
    public enum Scheme {
        /** No partition table: sector 0 holds a file system's boot sector, nothing, or something unknown. */
        NONE,
        /** An MBR (DOS) table, with extended partitions. */
        MBR,
        /** A GPT, behind its protective MBR. */
        GPT;

        /** The scheme as the JSON report names it: "none", "mbr", "gpt". */
        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public PartitionTable {
        partitions = List.copyOf(partitions);
        warnings = List.copyOf(warnings);
    }

    /**
     * Reads the table of {@code disk}: only the sectors it needs (sector 0, the GPT headers and entry arrays, the
     * EBRs), every offset and count bounded by the disk before it is read. Never throws for a damaged table or a
     * failed read: both are warnings.
     */
    public static PartitionTable read(VirtualDisk disk) {
        return new TableReader(disk).read();
    }

    /** The partitions that hold data of their own: all but extended partitions (what gets a pN.raw file). */
    public List<Partition> dataPartitions() {
        return partitions.stream().filter(p -> !p.isContainer()).toList();
    }
}
