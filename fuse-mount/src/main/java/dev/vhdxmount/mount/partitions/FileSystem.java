package dev.vhdxmount.mount.partitions;

import java.util.Locale;
import java.util.Optional;

/**
 * A file system or container found at the start of a partition (or of a disk without a table) by its signature.
 *
 * @param label         the volume label where the superblock holds one
 * @param uuid          the volume's UUID or serial number, as blkid prints it
 * @param needsRecovery the journal holds transactions not yet applied (ext3/ext4: needs_recovery), or the log tree
 *                      fsyncs not yet replayed (btrfs): a read-only mount must skip them; false where not known
 */
public record FileSystem(Type type, Optional<String> label, Optional<String> uuid, boolean needsRecovery) {

    /** What was found; {@link #id} is the name the JSON report uses. */
    public enum Type {
        EXT2(Role.FILE_SYSTEM), EXT3(Role.FILE_SYSTEM), EXT4(Role.FILE_SYSTEM), XFS(Role.FILE_SYSTEM),
        BTRFS(Role.FILE_SYSTEM), NTFS(Role.FILE_SYSTEM), FAT12(Role.FILE_SYSTEM), FAT16(Role.FILE_SYSTEM),
        FAT32(Role.FILE_SYSTEM), EXFAT(Role.FILE_SYSTEM),
        /** An LVM2 physical volume. */
        LVM2(Role.VOLUME_MANAGER),
        LUKS(Role.ENCRYPTED), BITLOCKER(Role.ENCRYPTED),
        /** Linux swap space. */
        SWAP(Role.SWAP);

        public final Role role;

        Type(Role role) {
            this.role = role;
        }

        /** "ext4", "fat32", "lvm2", "luks", "bitlocker", "swap"... */
        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** How it is opened: mounted, activated, unlocked, or not at all. */
    public enum Role { FILE_SYSTEM, VOLUME_MANAGER, ENCRYPTED, SWAP }

    static FileSystem of(Type type, String label, String uuid) {
        return new FileSystem(type, nonBlank(label), nonBlank(uuid), false);
    }

    private static Optional<String> nonBlank(String s) {
        return s == null || s.isBlank() ? Optional.empty() : Optional.of(s);
    }
}
