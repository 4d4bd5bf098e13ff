package dev.vhdxmount.mount.partitions;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Optional;

import dev.vhdxmount.mount.partitions.FileSystem.Recovery;
import dev.vhdxmount.vhdx.VirtualDisk;

/**
 * Finds the file system or container at the start of a partition (or of a disk without a table) by its signature:
 * ext2/3/4, XFS, btrfs, NTFS, FAT12/16/32, exFAT, an LVM2 physical volume, LUKS, BitLocker, Linux swap. Whether it
 * needs recovery is read from its superblock where that says it (ext3/4, btrfs), and from further in where it does
 * not: the XFS log's last record, NTFS's $Volume and hiberfil.sys.
 */
public final class FileSystems {
    /** The bytes read from a partition's start: up to the btrfs superblock at 64 KiB, and swap's 64 KiB page. */
    static final int HEAD = 64 * 1024 + 4096;

    private FileSystems() {}

    /**
     * What starts at byte {@code start} of {@code disk}, in a partition of {@code length} bytes (only its first
     * {@value #HEAD} bytes are read, and none past the partition or the disk).
     */
    public static Optional<FileSystem> probe(VirtualDisk disk, long start, long length) throws IOException {
        long available = Math.min(length, disk.size() - start);
        if (start < 0 || available <= 0) {
            return Optional.empty();
        }
        ByteBuffer head;
        try {
            head = DiskBytes.read(disk, start, (int) Math.min(HEAD, available), "a volume's start");
        } catch (PartitionTableException e) {
            return Optional.empty(); // cannot happen: the range was clamped to the disk
        }
        Optional<FileSystem> found = identify(head);
        if (found.isEmpty() || found.get().recovery() != Recovery.UNKNOWN) {
            return found;
        }
        try {
            Recovery state = switch (found.get().type()) {
                case XFS -> XfsLog.state(disk, start, available, XfsSuperblock.parse(head).orElseThrow());
                case NTFS -> NtfsVolume.state(disk, start, available, head);
                default -> Recovery.UNKNOWN;
            };
            return Optional.of(found.get().withRecovery(state));
        } catch (IOException e) {
            return found; // unreadable further in: what the file system is still holds, its state stays unknown
        }
    }

    /**
     * What the first bytes of a volume say it is. Signatures at the start (encryption and volume-manager headers,
     * boot sectors) are tried before those further in, which an old file system may have left behind.
     */
    public static Optional<FileSystem> identify(ByteBuffer head) {
        Optional<FileSystem> found = LuksHeader.parse(head).map(LuksHeader::fileSystem);
        found = found.or(() -> LvmLabel.parse(head).map(LvmLabel::fileSystem));
        found = found.or(() -> XfsSuperblock.parse(head).map(XfsSuperblock::fileSystem));
        found = found.or(() -> BootSector.parse(head).map(BootSector::fileSystem));
        found = found.or(() -> ExtSuperblock.parse(head).map(ExtSuperblock::fileSystem));
        found = found.or(() -> BtrfsSuperblock.parse(head).map(BtrfsSuperblock::fileSystem));
        return found.or(() -> SwapHeader.parse(head).map(SwapHeader::fileSystem));
    }
}
