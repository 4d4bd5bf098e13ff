package dev.vhdxmount.mount.partitions;

import java.util.Locale;
import java.util.Optional;

/**
 * A file system or container found at the start of a partition (or of a disk without a table) by its signature.
 *
 * @param label         the volume label where the superblock holds one
 * @param uuid          the volume's UUID or serial number, as blkid prints it
 * @param recovery whether the file system was left needing what only a writable mount can do (replay a journal or
 *                 a log, clear a hibernated state), as far as its own structures say
 */
public record FileSystem(Type type, Optional<String> label, Optional<String> uuid, Recovery recovery) {

    /**
     * What a file system copied from a running or crashed machine may still need. The kernel refuses a journal or
     * log replay on a read-only device, and NTFS drivers refuse a dirty or hibernated volume read-write, so each
     * state gets two ways in: the untouched view, read-only, and the recovered one, on a writable overlay.
     */
    public enum Recovery {
        /** Clean: nothing to replay. */
        NONE,
        /** Not known: the state is not in what was read (an XFS with its log on another device, say). */
        UNKNOWN,
        /** ext3/ext4: the journal holds transactions not yet applied (needs_recovery). */
        JOURNAL,
        /** btrfs: the log tree holds fsyncs not yet replayed. */
        LOG_TREE,
        /** XFS: the log does not end in an unmount record, so the kernel replays it before anything else. */
        LOG,
        /** NTFS: the volume's dirty flag ($Volume): Windows did not unmount it, its $LogFile may hold changes. */
        DIRTY,
        /** NTFS: hiberfil.sys begins "hibr": Windows hibernated, or shut down with Fast Startup, on this volume. */
        HIBERNATED;

        /** Something needs doing before a read-write mount (not so for {@link #NONE} and {@link #UNKNOWN}). */
        public boolean needed() {
            return this != NONE && this != UNKNOWN;
        }
    }

    /** Whether {@link #recovery} is a state to recover from. */
    public boolean needsRecovery() {
        return recovery.needed();
    }

    /** This file system in {@code state}. */
    public FileSystem withRecovery(Recovery state) {
        return new FileSystem(type, label, uuid, state);
    }

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
        return new FileSystem(type, nonBlank(label), nonBlank(uuid), Recovery.NONE);
    }

    private static Optional<String> nonBlank(String s) {
        return s == null || s.isBlank() ? Optional.empty() : Optional.of(s);
    }
}
