package dev.vhdxmount.mount.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import dev.vhdxmount.mount.partitions.FileSystem;
import dev.vhdxmount.mount.partitions.FileSystem.Recovery;
import dev.vhdxmount.mount.partitions.FileSystem.Type;
import dev.vhdxmount.mount.partitions.Partition;
import dev.vhdxmount.mount.partitions.PartitionType;

/** The commands vhdx-info prints for each kind of volume, word for word. */
class MountCommandsTest {
    private static final Partition P2 = new Partition(2, Partition.Kind.GPT, 1048576, 16777216,
            PartitionType.mbr(0x83), "");

    /** {@code needsRecovery}: the state each type has when it needs recovery; else clean. */
    private static MountCommands commands(Type type, boolean needsRecovery, Partition p, int sectorSize) {
        Recovery state = !needsRecovery ? Recovery.NONE : switch (type) {
            case BTRFS -> Recovery.LOG_TREE;
            case XFS -> Recovery.LOG;
            case NTFS -> Recovery.DIRTY;
            default -> Recovery.JOURNAL;
        };
        return commands(type, state, p, sectorSize);
    }

    private static MountCommands commands(Type type, Recovery state, Partition p, int sectorSize) {
        return new MountCommands(fs(type, state), p, sectorSize, "MOUNTPOINT");
    }

    private static FileSystem fs(Type type, Recovery state) {
        return new FileSystem(type, Optional.empty(), Optional.empty(), state);
    }

    @Test
    void aFileSystemByItsPartitionFileAndByItsOffset() {
        MountCommands c = commands(Type.EXT4, false, P2, 512);
        assertEquals(Map.of(
                "partition_file", "mount -o ro,loop MOUNTPOINT/p2.raw /mnt/part",
                "disk_offset", "mount -o ro,loop,offset=1048576,sizelimit=16777216 MOUNTPOINT/disk.raw /mnt/part"),
                c.commands());
        assertEquals(Optional.empty(), c.note());
    }

    @Test
    void fourKibSectorsAddALoopDeviceOfThatSectorSize() {
        assertEquals("mount -o ro \"$(losetup -r --sector-size 4096 -o 1048576 --sizelimit 16777216 -f --show"
                + " MOUNTPOINT/disk.raw)\" /mnt/part", commands(Type.FAT32, false, P2, 4096).commands()
                        .get("loop_device"));
        assertEquals(null, commands(Type.FAT32, false, P2, 512).commands().get("loop_device"));
    }

    @Test
    void aDiskWithoutATableIsMountedWhole() {
        assertEquals(Map.of("disk", "mount -o ro,loop MOUNTPOINT/disk.raw /mnt/part"),
                commands(Type.EXT4, false, null, 512).commands());
        assertEquals(Map.of("disk", "mount -o ro,loop MOUNTPOINT/disk.raw /mnt/part",
                "loop_device", "mount -o ro \"$(losetup -r --sector-size 4096 -f --show MOUNTPOINT/disk.raw)\""
                        + " /mnt/part"), commands(Type.EXT4, false, null, 4096).commands());
    }

    @Test
    void logsThatAReadOnlyDeviceCannotReplayAreSkipped() {
        MountCommands ext = commands(Type.EXT4, true, P2, 512);
        assertEquals("mount -o ro,loop,noload MOUNTPOINT/p2.raw /mnt/part", ext.commands().get("partition_file"));
        assertEquals("its journal needs recovery (needs_recovery), which a read-only device cannot replay: noload"
                + " mounts it without, so the last transactions are missing; the recovered command replays it into a"
                + " throwaway overlay, on the image mounted with vhdx-mount --overlay --partitions (the image is never"
                + " written)", ext.note().orElseThrow());
        assertEquals("mount -o ro,noload \"$(losetup -r --sector-size 4096 -o 1048576 --sizelimit 16777216 -f"
                + " --show MOUNTPOINT/disk.raw)\" /mnt/part",
                commands(Type.EXT3, true, P2, 4096).commands().get("loop_device"));
        assertEquals("mount -o ro,loop,norecovery,offset=1048576,sizelimit=16777216 MOUNTPOINT/disk.raw /mnt/part",
                commands(Type.XFS, true, P2, 512).commands().get("disk_offset"));
        assertEquals("mount -o ro,loop,norecovery,offset=1048576,sizelimit=16777216 MOUNTPOINT/disk.raw /mnt/part",
                commands(Type.XFS, Recovery.UNKNOWN, P2, 512).commands().get("disk_offset"));
        assertEquals("mount -o ro,loop,offset=1048576,sizelimit=16777216 MOUNTPOINT/disk.raw /mnt/part",
                commands(Type.XFS, false, P2, 512).commands().get("disk_offset"), "a clean log");
        assertEquals("mount -o ro,loop,rescue=nologreplay MOUNTPOINT/p2.raw /mnt/part",
                commands(Type.BTRFS, true, P2, 512).commands().get("partition_file"));
        assertEquals("mount -o ro,loop MOUNTPOINT/p2.raw /mnt/part",
                commands(Type.BTRFS, false, P2, 512).commands().get("partition_file"));
    }

    /** Both ways into a journal that needs recovery: untouched read-only, and recovered into an overlay. */
    @Test
    void aJournalThatNeedsRecoveryGetsTheRecoveredCommandForAnOverlayMount() {
        assertEquals(Map.of(
                "partition_file", "mount -o ro,loop,noload MOUNTPOINT/p2.raw /mnt/part",
                "disk_offset", "mount -o ro,loop,noload,offset=1048576,sizelimit=16777216 MOUNTPOINT/disk.raw"
                        + " /mnt/part",
                "recovered", "mount -o loop MOUNTPOINT/p2.raw /mnt/part"), commands(Type.EXT4, true, P2, 512)
                        .commands());
        MountCommands wsl = commands(Type.EXT4, true, null, 512);
        assertEquals(Map.of("disk", "mount -o ro,loop,noload MOUNTPOINT/disk.raw /mnt/part",
                "recovered", "mount -o loop MOUNTPOINT/disk.raw /mnt/part"), wsl.commands());
        assertEquals(java.util.List.of("vhdx-mount --overlay"), java.util.List.of(wsl.overlayMount()));
        assertEquals("mount -o loop MOUNTPOINT/p2.raw /mnt/part", commands(Type.BTRFS, true, P2, 4096).commands()
                .get("recovered"), "a partition file needs no sector size");
        assertEquals(null, commands(Type.EXT4, false, P2, 512).commands().get("recovered"));
        // an XFS log that was not read: both ways, always; a clean one: neither
        assertEquals("norecovery: a read-only device cannot replay an XFS log that needs it, and whether this one"
                + " does was not read; to replay it, mount the image with vhdx-mount --overlay --partitions and then:"
                + " mount -o loop MOUNTPOINT/p2.raw /mnt/part", commands(Type.XFS, Recovery.UNKNOWN, P2, 512).note()
                        .orElseThrow());
        assertEquals(Optional.empty(), commands(Type.XFS, false, P2, 512).note());
        assertEquals("its log needs recovery (it was not unmounted cleanly), which a read-only device cannot replay:"
                + " norecovery mounts it without, so the last transactions are missing; the recovered command replays"
                + " it into a throwaway overlay, on the image mounted with vhdx-mount --overlay --partitions (the"
                + " image is never written)", commands(Type.XFS, true, P2, 512).note().orElseThrow());
        assertEquals("mount -o loop MOUNTPOINT/p2.raw /mnt/part", commands(Type.XFS, true, P2, 512).commands()
                .get("recovered"));
    }

    @Test
    void encryptedVolumesAreOpenedReadOnlyFirst() {
        assertEquals(Map.of(
                "partition_file", "cryptsetup open --readonly MOUNTPOINT/p2.raw vhdx-p2 && mount -o ro"
                        + " /dev/mapper/vhdx-p2 /mnt/part",
                "disk_offset", "cryptsetup open --readonly \"$(losetup -r -o 1048576 --sizelimit 16777216 -f --show"
                        + " MOUNTPOINT/disk.raw)\" vhdx-p2 && mount -o ro /dev/mapper/vhdx-p2 /mnt/part"),
                commands(Type.LUKS, false, P2, 512).commands());
        assertEquals("cryptsetup open --type bitlk --readonly MOUNTPOINT/disk.raw vhdx-disk && mount -o ro"
                + " /dev/mapper/vhdx-disk /mnt/part", commands(Type.BITLOCKER, false, null, 512).commands()
                        .get("disk"));
    }

    @Test
    void aPhysicalVolumeIsAttachedAndSwapIsNotMounted() {
        MountCommands lvm = commands(Type.LVM2, false, P2, 512);
        assertEquals(Map.of("partition_file", "losetup -r -f --show MOUNTPOINT/p2.raw",
                "disk_offset", "losetup -r -o 1048576 --sizelimit 16777216 -f --show MOUNTPOINT/disk.raw"),
                lvm.commands());
        assertEquals("attach it read-only, then: vgscan; vgchange -ay VOLUMEGROUP; mount -o ro"
                + " /dev/VOLUMEGROUP/VOLUME /mnt/part", lvm.note().orElseThrow());
        MountCommands swap = commands(Type.SWAP, false, P2, 512);
        assertEquals(Map.of(), swap.commands());
        assertEquals("swap space: nothing to mount", swap.note().orElseThrow());
    }

    @Test
    void aMountpointWithASpaceIsQuoted() {
        assertEquals("mount -o ro,loop '/mnt/my disk/p2.raw' /mnt/part", new MountCommands(fs(Type.NTFS, Recovery.NONE), P2,
                512, "/mnt/my disk").commands().get("partition_file"));
        assertEquals("cryptsetup open --readonly '/mnt/my disk/p2.raw' vhdx-p2 && mount -o ro /dev/mapper/vhdx-p2"
                + " /mnt/part", new MountCommands(fs(Type.LUKS, Recovery.NONE), P2, 512, "/mnt/my disk").commands()
                        .get("partition_file"));
    }
}
