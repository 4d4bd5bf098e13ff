package dev.vhdxmount.mount.cli;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.vhdxmount.mount.fuse.DiskFileSystem;
import dev.vhdxmount.mount.partitions.FileSystem;
import dev.vhdxmount.mount.partitions.FileSystems;
import dev.vhdxmount.mount.partitions.Partition;
import dev.vhdxmount.mount.partitions.PartitionTable;
import dev.vhdxmount.vhdx.VirtualDisk;

/**
 * What the mount's log says of file systems that need recovery (ext3/ext4 needs_recovery, a btrfs log tree, an XFS
 * log that does not end in an unmount record, NTFS marked dirty or hibernated): the kernel refuses the first three on
 * a read-only loop device, and NTFS drivers refuse the others read-write, with messages that name neither vhdx-mount
 * nor a way out. One line each, with both ways in, for the mountpoint and the files actually served: the untouched
 * view read-only without the last transactions, and the recovered one, a writable loop mount that only a mount with
 * {@code --overlay} can take.
 */
final class RecoveryAdvice {
    private RecoveryAdvice() {}

    /**
     * The lines for {@code disk} as mounted on {@code mountpoint}; none where nothing needs recovery or the table and
     * superblocks cannot be read (the reads of the files will say so).
     *
     * @param partitionFiles the mount serves p1.raw... ({@code --partitions})
     * @param overlay        the mount is writable ({@code --overlay})
     */
    static List<String> lines(VirtualDisk disk, String mountpoint, boolean partitionFiles, boolean overlay) {
        List<String> lines = new ArrayList<>();
        try {
            PartitionTable table = PartitionTable.read(disk);
            if (table.scheme() == PartitionTable.Scheme.NONE) {
                FileSystems.probe(disk, 0, disk.size()).ifPresent(fs -> line(lines, fs, null, table.sectorSize(),
                        mountpoint, partitionFiles, overlay));
            } else {
                for (Partition p : table.dataPartitions()) {
                    Optional<FileSystem> fs = FileSystems.probe(disk, p.start(), p.length());
                    if (fs.isPresent()) {
                        line(lines, fs.get(), p, table.sectorSize(), mountpoint, partitionFiles, overlay);
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            return lines; // advice only: the mount goes on
        }
        return lines;
    }

    private static void line(List<String> lines, FileSystem fs, Partition p, int sectorSize, String mountpoint,
            boolean partitionFiles, boolean overlay) {
        MountCommands commands = new MountCommands(fs, p, sectorSize, mountpoint);
        Optional<String> reason = commands.recoveryReason();
        if (reason.isEmpty()) {
            return;
        }
        Map<String, String> forms = commands.commands();
        String name = p == null ? DiskFileSystem.DISK_FILE : partitionFiles ? p.fileName() : "partition "
                + p.number() + " (" + DiskFileSystem.DISK_FILE + " from byte " + p.start() + ")";
        String untouched = p == null ? forms.get(MountCommands.DISK) : forms.get(partitionFiles
                ? MountCommands.PARTITION_FILE : MountCommands.DISK_OFFSET);
        String recovered = commands.recovered(partitionFiles);
        String what = name + ": " + fs.type().id() + ", " + reason.get();
        MountCommands.Wording words = commands.wording();
        lines.add(overlay
                ? what + ": " + recovered + " " + words.effect() + " (the image is never written); the untouched"
                        + " view, " + words.untouchedView() + ": " + untouched
                : what + ", " + words.obstacle() + ": " + untouched + " mounts it " + words.untouchedView() + "; "
                        + words.action() + ", mount the image with " + commands.overlayMount(partitionFiles)
                        + " and then: "
                        + recovered);
    }
}
