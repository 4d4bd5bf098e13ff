package dev.vhdxmount.mount.cli;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import dev.vhdxmount.mount.os.IoReasons;
import dev.vhdxmount.mount.partitions.FileSystem;
import dev.vhdxmount.mount.partitions.FileSystems;
import dev.vhdxmount.mount.partitions.Partition;
import dev.vhdxmount.mount.partitions.PartitionTable;
import dev.vhdxmount.vhdx.VirtualDisk;

/**
 * The part of vhdx-info's report that says what is inside the disk: the partition table, the file system in each
 * partition (or at sector 0 of a disk without a table), and the commands that mount each. Its keys and values are
 * documented in docs/usage.md; values that name a kind are fixed lower-case words ("gpt", "ext4", "logical").
 */
final class ContentsReport {
    /** The file systems whose own structures say whether they need recovery: the report says so for these. */
    private static final Set<FileSystem.Type> JOURNALED = Set.of(FileSystem.Type.EXT3, FileSystem.Type.EXT4,
            FileSystem.Type.BTRFS, FileSystem.Type.XFS, FileSystem.Type.NTFS);

    /** Where the commands assume the image is mounted. */
    static final String MOUNTPOINT = "MOUNTPOINT";

    private ContentsReport() {}

    static Map<String, Object> of(VirtualDisk disk) {
        PartitionTable table = PartitionTable.read(disk);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("scheme", table.scheme().id());
        out.put("sector_size", table.sectorSize());
        table.diskId().ifPresent(id -> out.put("disk_id", id));
        List<String> warnings = new ArrayList<>(table.warnings());
        if (table.scheme() == PartitionTable.Scheme.NONE) {
            describe(out, disk, null, table.sectorSize(), warnings);
        } else {
            List<Object> partitions = new ArrayList<>();
            for (Partition p : table.partitions()) {
                partitions.add(partition(disk, p, table.sectorSize(), warnings));
            }
            out.put("partitions", partitions);
            if (!table.dataPartitions().isEmpty()) {
                out.put("note", MOUNTPOINT + " is where vhdx-mount mounted the image; the partition_file commands"
                        + " need vhdx-mount --partitions, which serves p1.raw, p2.raw... beside disk.raw");
            }
        }
        if (!warnings.isEmpty()) {
            out.put("warnings", warnings);
        }
        return out;
    }

    private static Map<String, Object> partition(VirtualDisk disk, Partition p, int sectorSize,
            List<String> warnings) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("number", p.number());
        out.put("kind", p.kind().id());
        out.put("start", p.start());
        out.put("size", p.length());
        out.put("first_sector", p.start() / sectorSize);
        out.put("sectors", p.length() / sectorSize);
        out.put("type_id", p.type().id());
        out.put("type_name", p.type().name());
        if (p.kind() == Partition.Kind.GPT) {
            out.put("name", p.name());
        }
        if (p.isContainer()) {
            out.put("note", "the extended partition that holds the logical ones");
        } else {
            describe(out, disk, p, sectorSize, warnings);
        }
        return out;
    }

    /** The file system of a partition, or of the whole disk when {@code p} is null, and how to mount it. */
    private static void describe(Map<String, Object> out, VirtualDisk disk, Partition p, int sectorSize,
            List<String> warnings) {
        Optional<FileSystem> found;
        try {
            found = p == null ? FileSystems.probe(disk, 0, disk.size())
                    : FileSystems.probe(disk, p.start(), p.length());
        } catch (IOException e) {
            warnings.add("reading the file system of " + (p == null ? "the disk" : "partition " + p.number())
                    + " failed: " + IoReasons.reason(e));
            found = Optional.empty();
        }
        if (found.isEmpty()) {
            out.put("filesystem", "unknown");
            return;
        }
        FileSystem fs = found.get();
        out.put("filesystem", fs.type().id());
        fs.label().ifPresent(label -> out.put("label", label));
        fs.uuid().ifPresent(uuid -> out.put("uuid", uuid));
        if (JOURNALED.contains(fs.type()) && fs.recovery() != FileSystem.Recovery.UNKNOWN) {
            out.put("needs_recovery", fs.needsRecovery());
            if (fs.needsRecovery()) {
                out.put("recovery", fs.recovery().name().toLowerCase(Locale.ROOT));
            }
        }
        MountCommands commands = new MountCommands(fs, p, sectorSize, MOUNTPOINT);
        Map<String, String> forms = commands.commands();
        if (!forms.isEmpty()) {
            out.put("mount", forms);
        }
        commands.note().ifPresent(note -> out.put("mount_note", note));
    }
}
