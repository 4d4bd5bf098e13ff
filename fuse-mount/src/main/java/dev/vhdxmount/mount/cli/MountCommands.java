package dev.vhdxmount.mount.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.vhdxmount.mount.fuse.DiskFileSystem;
import dev.vhdxmount.mount.os.Shell;
import dev.vhdxmount.mount.partitions.FileSystem;
import dev.vhdxmount.mount.partitions.FileSystem.Recovery;
import dev.vhdxmount.mount.partitions.FileSystem.Type;
import dev.vhdxmount.mount.partitions.Partition;

/**
 * The commands that open what a partition (or a disk without a table) holds, once vhdx-mount has mounted the image,
 * each ready to paste: by its partition file ({@code vhdx-mount --partitions}), by its offset in disk.raw, and through
 * a loop device with the disk's sector size where that is not 512. A file system whose journal needs recovery gets
 * both ways in: the untouched view read-only, without the journal's last transactions ({@code noload}), and the
 * recovered one ({@link #RECOVERED}), a writable loop mount of an image mounted with {@code vhdx-mount --overlay},
 * whose recovery writes go to the throwaway overlay.
 */
final class MountCommands {
    /** Where the commands mount: a placeholder of the usual kind. */
    static final String TARGET = "/mnt/part";

    /** The forms, as the report names them. */
    static final String PARTITION_FILE = "partition_file";
    static final String DISK_OFFSET = "disk_offset";
    static final String DISK = "disk";
    static final String LOOP_DEVICE = "loop_device";
    /** The writable loop mount that replays a journal, on a mount made with {@code --overlay}. */
    static final String RECOVERED = "recovered";

    private final FileSystem fs;
    private final Partition partition;
    private final int sectorSize;
    private final String mountpoint;

    /**
     * @param partition  the partition, or null for the whole disk
     * @param mountpoint where vhdx-mount mounted the image
     */
    MountCommands(FileSystem fs, Partition partition, int sectorSize, String mountpoint) {
        this.fs = fs;
        this.partition = partition;
        this.sectorSize = sectorSize;
        this.mountpoint = mountpoint;
    }

    /** Each form's command, in the order the report shows them; none for swap. */
    Map<String, String> commands() {
        Map<String, String> forms = new LinkedHashMap<>();
        String own = partition == null ? null : mountpoint + "/" + partition.fileName();
        String whole = partition == null ? DISK : DISK_OFFSET;
        switch (fs.type().role) {
            case FILE_SYSTEM -> {
                String options = "ro,loop" + recoveryOption().map(o -> "," + o).orElse("");
                if (own != null) {
                    forms.put(PARTITION_FILE, line("mount", "-o", options, own, TARGET));
                }
                forms.put(whole, line("mount", "-o", options + rangeOptions(), diskRaw(), TARGET));
                if (sectorSize != 512) {
                    forms.put(LOOP_DEVICE, line("mount", "-o", options.replace("ro,loop", "ro")) + " \"$("
                            + losetup() + ")\" " + TARGET);
                }
                if (fs.needsRecovery()) {
                    // a partition file needs no offset and no sector size: the file system alone
                    forms.put(RECOVERED, recovered(own != null));
                }
            }
            case ENCRYPTED -> {
                String name = "vhdx-" + (partition == null ? "disk" : "p" + partition.number());
                String open = fs.type() == Type.BITLOCKER ? "cryptsetup open --type bitlk --readonly"
                        : "cryptsetup open --readonly";
                String then = " " + name + " && " + line("mount", "-o", "ro", "/dev/mapper/" + name, TARGET);
                if (own != null) {
                    forms.put(PARTITION_FILE, open + " " + Shell.quote(own) + then);
                }
                forms.put(whole, open + " " + (partition == null && sectorSize == 512 ? Shell.quote(diskRaw())
                        : "\"$(" + losetup() + ")\"") + then);
            }
            case VOLUME_MANAGER -> {
                if (own != null) {
                    forms.put(PARTITION_FILE, line("losetup", "-r", "-f", "--show", own));
                }
                forms.put(whole, losetup());
            }
            case SWAP -> {
                // nothing to mount
            }
        }
        return forms;
    }

    /** Why the commands are as they are, where that is not plain {@code mount -o ro,loop}. */
    Optional<String> note() {
        String withOverlay = " into a throwaway overlay, on the image mounted with " + overlayMount()
                + " (the image is never written)";
        switch (fs.recovery()) {
            case JOURNAL, LOG_TREE, LOG -> {
                return Optional.of(recoveryReason().orElseThrow() + ", which a read-only device cannot replay: "
                        + switch (fs.recovery()) {
                            case LOG_TREE -> "rescue=nologreplay (Linux 5.9 or later) mounts it without them";
                            case LOG -> "norecovery mounts it without, so the last transactions are missing";
                            default -> "noload mounts it without, so the last transactions are missing";
                        } + "; the " + RECOVERED + " command replays it" + withOverlay);
            }
            case DIRTY -> {
                return Optional.of(recoveryReason().orElseThrow() + ": ro mounts it as it is on disk, without what"
                        + " its $LogFile holds; the " + RECOVERED + " command lets ntfs3 (Linux 5.15 or later) replay"
                        + " the $LogFile" + withOverlay);
            }
            case HIBERNATED -> {
                return Optional.of(recoveryReason().orElseThrow() + ": ro mounts it as Windows left it on disk (what"
                        + " hiberfil.sys holds cannot be restored outside Windows); the " + RECOVERED + " command"
                        + " makes it writable by dropping the hibernated state (ntfs-3g's remove_hiberfile)"
                        + withOverlay);
            }
            case NONE, UNKNOWN -> {
                // below
            }
        }
        return switch (fs.type()) {
            // an XFS whose log was not read (on another device, or unreadable): both ways, always
            case XFS -> fs.recovery() == Recovery.NONE ? Optional.empty() : Optional.of("norecovery: a read-only"
                    + " device cannot replay an XFS log that needs it, and whether this one does was not read; to"
                    + " replay it, mount the image with " + overlayMount() + " and then: "
                    + recovered(partition != null));
            case LUKS, BITLOCKER -> Optional.of("cryptsetup asks for the passphrase or recovery key; the file system"
                    + " inside is mounted from /dev/mapper");
            case LVM2 -> Optional.of("attach it read-only, then: vgscan; vgchange -ay VOLUMEGROUP; mount -o ro"
                    + " /dev/VOLUMEGROUP/VOLUME " + TARGET);
            case SWAP -> Optional.of("swap space: nothing to mount");
            default -> Optional.empty();
        };
    }

    /** What needs recovery, as the start of a sentence ("its journal needs recovery (needs_recovery)"), if any. */
    Optional<String> recoveryReason() {
        return Optional.ofNullable(switch (fs.recovery()) {
            case JOURNAL -> "its journal needs recovery (needs_recovery)";
            case LOG_TREE -> "its log tree holds fsyncs not yet replayed";
            case LOG -> "its log needs recovery (it was not unmounted cleanly)";
            case DIRTY -> "marked dirty (Windows did not unmount it cleanly)";
            case HIBERNATED -> "hibernated (hiberfil.sys: Windows hibernated or shut down with Fast Startup)";
            case NONE, UNKNOWN -> null;
        });
    }

    /**
     * How the mount's log words the two ways in ({@link RecoveryAdvice}): what stands in the way, what the untouched
     * view lacks, and what the recovered one does. NTFS's differ from a journal's: ntfs3 replays a dirty volume's
     * $LogFile, but nothing outside Windows restores a hibernated session; ntfs-3g's remove_hiberfile drops it.
     */
    record Wording(String obstacle, String untouchedView, String action, String effect) {}

    Wording wording() {
        return switch (fs.recovery()) {
            case DIRTY -> new Wording("whose $LogFile a read-only device cannot replay",
                    "as it is on disk, without what its $LogFile holds", "to replay the $LogFile",
                    "replays its $LogFile into the overlay");
            case HIBERNATED -> new Wording("which ntfs-3g refuses read-write", "as Windows left it on disk",
                    "to make it writable, losing the hibernated session",
                    "deletes hiberfil.sys in the overlay and mounts it writable, losing the hibernated session");
            default -> new Wording("which a read-only device cannot replay", "without the last transactions",
                    "to replay it", "replays it into the overlay");
        };
    }

    /** The vhdx-mount options that serve this file system writable, by the file the commands name. */
    String overlayMount() {
        return overlayMount(true);
    }

    /** The same for {@link #recovered}({@code partitionFile}): --partitions only where it names the partition file. */
    String overlayMount(boolean partitionFile) {
        return "vhdx-mount --overlay" + (partition != null && partitionFile ? " --partitions" : "");
    }

    /**
     * The writable loop mount that recovers the file system, on an image mounted with {@link #overlayMount}: by the
     * partition's own file, or by its range of disk.raw.
     */
    String recovered(boolean partitionFile) {
        String options = switch (fs.recovery()) {
            case DIRTY -> "-t ntfs3 -o loop,force";
            case HIBERNATED -> "-t ntfs-3g -o loop,remove_hiberfile";
            default -> "-o loop";
        };
        List<String> words = new ArrayList<>(List.of("mount"));
        words.addAll(List.of(options.split(" ")));
        boolean own = partitionFile && partition != null;
        if (!own && partition != null) {
            words.set(words.size() - 1, words.get(words.size() - 1) + rangeOptions());
        }
        words.add(own ? mountpoint + "/" + partition.fileName() : diskRaw());
        words.add(TARGET);
        return line(words.toArray(String[]::new));
    }

    private Optional<String> recoveryOption() {
        return Optional.ofNullable(switch (fs.recovery()) {
            case JOURNAL -> "noload";
            case LOG_TREE -> "rescue=nologreplay";
            case LOG -> "norecovery";
            case UNKNOWN -> fs.type() == Type.XFS ? "norecovery" : null;
            case NONE, DIRTY, HIBERNATED -> null;
        });
    }

    private String diskRaw() {
        return mountpoint + "/" + DiskFileSystem.DISK_FILE;
    }

    private String rangeOptions() {
        return partition == null ? "" : ",offset=" + partition.start() + ",sizelimit=" + partition.length();
    }

    /** A read-only loop device over the partition's range of disk.raw, with the disk's sector size. */
    private String losetup() {
        List<String> words = new ArrayList<>(List.of("losetup", "-r"));
        if (sectorSize != 512) {
            words.addAll(List.of("--sector-size", String.valueOf(sectorSize)));
        }
        if (partition != null) {
            words.addAll(List.of("-o", String.valueOf(partition.start()), "--sizelimit",
                    String.valueOf(partition.length())));
        }
        words.addAll(List.of("-f", "--show", diskRaw()));
        return line(words.toArray(String[]::new));
    }

    /** Words as one command line, each quoted only where the shell needs it. */
    private static String line(String... words) {
        List<String> quoted = new ArrayList<>();
        for (String w : words) {
            quoted.add(Shell.quote(w));
        }
        return String.join(" ", quoted);
    }
}
