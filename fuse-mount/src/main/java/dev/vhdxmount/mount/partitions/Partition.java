package dev.vhdxmount.mount.partitions;

import java.util.Locale;

/**
 * One partition of a disk, as Linux numbers and places it.
 *
 * @param number GPT: the entry's index + 1 (empty entries leave gaps); MBR: 1-4 the primary slots, 5 on the logical
 *               partitions in the order of their chain
 * @param start  its first byte on the disk; {@code start + length} never lies past the disk's end
 * @param name   the GPT partition name; empty for MBR
 */
public record Partition(int number, Kind kind, long start, long length, PartitionType type, String name) {

    /** Where the table put it. */
    public enum Kind {
        /** An entry of a GPT. */
        GPT,
        /** A primary partition of an MBR. */
        PRIMARY,
        /** An MBR's extended partition: the container of the logical ones, with no file system of its own. */
        EXTENDED,
        /** A logical partition, in an extended partition's chain of EBRs. */
        LOGICAL;

        /** The kind as the JSON report names it: "gpt", "primary", "extended", "logical". */
        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public Partition {
        if (number < 1 || start < 0 || length <= 0) {
            throw new IllegalArgumentException("partition " + number + " at " + start + " of " + length + " bytes");
        }
    }

    /** The first byte after it. */
    public long end() {
        return start + length;
    }

    /** Whether it holds partitions rather than data of its own: an extended partition. */
    public boolean isContainer() {
        return kind == Kind.EXTENDED;
    }

    /** The name of the file that serves it beside disk.raw ({@code vhdx-mount --partitions}): p1.raw, p2.raw... */
    public String fileName() {
        return "p" + number + ".raw";
    }
}
