package dev.vhdxmount.mount.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.vhdxmount.mount.partitions.NtfsVolumes;
import dev.vhdxmount.vhdx.VirtualDisk;

/**
 * The mount's log line for a file system that needs recovery: which file, what, and both ways in, for the files the
 * mount actually serves; none for a clean one.
 */
class RecoveryAdviceTest {
    private static final int MIB = 1 << 20;

    /** An ext4 superblock at 1024 of {@code at}: a journal, and needs_recovery where asked. */
    private static void ext4(ByteBuffer disk, int at, boolean needsRecovery) {
        int sb = at + 1024;
        disk.putInt(sb + 24, 2); // 4 KiB blocks
        disk.putShort(sb + 56, (short) 0xef53);
        disk.putInt(sb + 0x5c, 0x4); // has_journal
        disk.putInt(sb + 0x60, 0x2 | 0x40 | (needsRecovery ? 0x4 : 0)); // filetype, extents, recover
    }

    /** An MBR with two Linux partitions, 1 MiB each, at 1 and 2 MiB. */
    private static void mbr(ByteBuffer disk) {
        mbr(disk, 0x83);
    }

    /** An MBR with two partitions of {@code type}, 1 MiB each, at 1 and 2 MiB. */
    private static void mbr(ByteBuffer disk, int type) {
        for (int i = 0; i < 2; i++) {
            int entry = 446 + 16 * i;
            disk.put(entry + 4, (byte) type);
            disk.putInt(entry + 8, (i + 1) * MIB / 512);
            disk.putInt(entry + 12, MIB / 512);
        }
        disk.put(510, (byte) 0x55).put(511, (byte) 0xaa);
    }

    private static VirtualDisk disk(ByteBuffer bytes) {
        return new VirtualDisk() {
            @Override
            public long size() {
                return bytes.capacity();
            }

            @Override
            public int logicalSectorSize() {
                return 512;
            }

            @Override
            public int physicalSectorSize() {
                return 512;
            }

            @Override
            public int read(long offset, ByteBuffer dst) throws IOException {
                if (offset >= bytes.capacity()) {
                    return -1;
                }
                int n = (int) Math.min(dst.remaining(), bytes.capacity() - offset);
                dst.put(bytes.duplicate().position((int) offset).limit((int) offset + n));
                return n;
            }

            @Override
            public void close() {}
        };
    }

    @Test
    void aPartitionThatNeedsRecoveryIsNamedWithBothWaysIn() {
        ByteBuffer bytes = ByteBuffer.allocate(4 * MIB).order(ByteOrder.LITTLE_ENDIAN);
        mbr(bytes);
        ext4(bytes, MIB, false);
        ext4(bytes, 2 * MIB, true);
        VirtualDisk disk = disk(bytes);
        assertEquals(List.of("p2.raw: ext4, its journal needs recovery (needs_recovery), which a read-only device"
                + " cannot replay: mount -o ro,loop,noload /mnt/v/p2.raw /mnt/part mounts it without the last"
                + " transactions; to replay it, mount the image with vhdx-mount --overlay --partitions and then:"
                + " mount -o loop /mnt/v/p2.raw /mnt/part"), RecoveryAdvice.lines(disk, "/mnt/v", true, false));
        assertEquals(List.of("p2.raw: ext4, its journal needs recovery (needs_recovery): mount -o loop /mnt/v/p2.raw"
                + " /mnt/part replays it into the overlay (the image is never written); the untouched view, without"
                + " the last transactions: mount -o ro,loop,noload /mnt/v/p2.raw /mnt/part"),
                RecoveryAdvice.lines(disk, "/mnt/v", true, true));
        assertEquals(List.of("partition 2 (disk.raw from byte 2097152): ext4, its journal needs recovery"
                + " (needs_recovery): mount -o loop,offset=2097152,sizelimit=1048576 /mnt/v/disk.raw /mnt/part"
                + " replays it into the overlay (the image is never written); the untouched view, without the last"
                + " transactions: mount -o ro,loop,noload,offset=2097152,sizelimit=1048576 /mnt/v/disk.raw /mnt/part"),
                RecoveryAdvice.lines(disk, "/mnt/v", false, true), "without --partitions: by offset");
        assertEquals(List.of("partition 2 (disk.raw from byte 2097152): ext4, its journal needs recovery"
                + " (needs_recovery), which a read-only device cannot replay: mount -o"
                + " ro,loop,noload,offset=2097152,sizelimit=1048576 /mnt/v/disk.raw /mnt/part mounts it without the"
                + " last transactions; to replay it, mount the image with vhdx-mount --overlay and then: mount -o"
                + " loop,offset=2097152,sizelimit=1048576 /mnt/v/disk.raw /mnt/part"),
                RecoveryAdvice.lines(disk, "/mnt/v", false, false), "by offset: --partitions is not needed");
    }

    @Test
    void aWholeDiskFileSystemAndACleanOne() {
        ByteBuffer bytes = ByteBuffer.allocate(2 * MIB).order(ByteOrder.LITTLE_ENDIAN);
        ext4(bytes, 0, true);
        assertEquals(List.of("disk.raw: ext4, its journal needs recovery (needs_recovery): mount -o loop"
                + " /mnt/v/disk.raw /mnt/part replays it into the overlay (the image is never written); the untouched"
                + " view, without the last transactions: mount -o ro,loop,noload /mnt/v/disk.raw /mnt/part"),
                RecoveryAdvice.lines(disk(bytes), "/mnt/v", false, true));
        ext4(bytes, 0, false);
        assertEquals(List.of(), RecoveryAdvice.lines(disk(bytes), "/mnt/v", false, false));
    }

    @Test
    void dirtyAndHibernatedNtfsGetTheirOwnWords() {
        ByteBuffer bytes = ByteBuffer.allocate(4 * MIB).order(ByteOrder.LITTLE_ENDIAN);
        mbr(bytes, 0x07);
        bytes.put(MIB, NtfsVolumes.volume(true, false));
        bytes.put(2 * MIB, NtfsVolumes.volume(true, true));
        VirtualDisk disk = disk(bytes);
        String dirty = "p1.raw: ntfs, marked dirty (Windows did not unmount it cleanly)";
        String hibernated = "p2.raw: ntfs, hibernated (hiberfil.sys: Windows hibernated or shut down with Fast"
                + " Startup)";
        assertEquals(List.of(dirty + ", whose $LogFile a read-only device cannot replay: mount -o ro,loop"
                + " /mnt/v/p1.raw /mnt/part mounts it as it is on disk, without what its $LogFile holds; to replay the"
                + " $LogFile, mount the image with vhdx-mount --overlay --partitions and then: mount -t ntfs3 -o"
                + " loop,force /mnt/v/p1.raw /mnt/part",
                hibernated + ", which ntfs-3g refuses read-write: mount -o ro,loop /mnt/v/p2.raw /mnt/part mounts it"
                + " as Windows left it on disk; to make it writable, losing the hibernated session, mount the image"
                + " with vhdx-mount --overlay --partitions and then: mount -t ntfs-3g -o loop,remove_hiberfile"
                + " /mnt/v/p2.raw /mnt/part"), RecoveryAdvice.lines(disk, "/mnt/v", true, false),
                "dirty and hibernated both: hibernated, the stronger");
        assertEquals(List.of(dirty + ": mount -t ntfs3 -o loop,force /mnt/v/p1.raw /mnt/part replays its $LogFile"
                + " into the overlay (the image is never written); the untouched view, as it is on disk, without what"
                + " its $LogFile holds: mount -o ro,loop /mnt/v/p1.raw /mnt/part",
                hibernated + ": mount -t ntfs-3g -o loop,remove_hiberfile /mnt/v/p2.raw /mnt/part deletes hiberfil.sys"
                + " in the overlay and mounts it writable, losing the hibernated session (the image is never written);"
                + " the untouched view, as Windows left it on disk: mount -o ro,loop /mnt/v/p2.raw /mnt/part"),
                RecoveryAdvice.lines(disk, "/mnt/v", true, true));
        assertEquals("partition 2 (disk.raw from byte 2097152): ntfs, hibernated (hiberfil.sys: Windows hibernated or"
                + " shut down with Fast Startup): mount -t ntfs-3g -o loop,remove_hiberfile,offset=2097152,"
                + "sizelimit=1048576 /mnt/v/disk.raw /mnt/part deletes hiberfil.sys in the overlay and mounts it"
                + " writable, losing the hibernated session (the image is never written); the untouched view, as"
                + " Windows left it on disk: mount -o ro,loop,offset=2097152,sizelimit=1048576 /mnt/v/disk.raw"
                + " /mnt/part", RecoveryAdvice.lines(disk, "/mnt/v", false, true).get(1), "without --partitions");
        bytes.put(MIB, NtfsVolumes.volume(false, false));
        bytes.put(2 * MIB, NtfsVolumes.volume(false, false));
        assertEquals(List.of(), RecoveryAdvice.lines(disk, "/mnt/v", true, true), "clean NTFS: no advice");
    }
}
