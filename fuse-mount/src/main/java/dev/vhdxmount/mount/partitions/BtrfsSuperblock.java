package dev.vhdxmount.mount.partitions;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Optional;

import dev.vhdxmount.mount.partitions.FileSystem.Recovery;
import dev.vhdxmount.mount.partitions.FileSystem.Type;

/**
 * The btrfs superblock, 64 KiB into the file system: magic "_BHRfS_M" at 0x40 of it.
 *
 * @param logRoot where the log tree is, or 0: a log tree means fsyncs a mount replays first
 */
record BtrfsSuperblock(String fsid, String label, long logRoot) {
    static final int OFFSET = 64 * 1024;
    /** The bytes of it this record reads. */
    static final int SIZE = 0x12b + 256;

    static Optional<BtrfsSuperblock> parse(ByteBuffer head) {
        if (head.limit() < OFFSET + SIZE || !Fields.has(head, OFFSET + 0x40, "_BHRfS_M")) {
            return Optional.empty();
        }
        return Optional.of(new BtrfsSuperblock(Fields.uuid(head, OFFSET + 0x20), Fields.text(head, OFFSET + 0x12b,
                256), head.duplicate().order(ByteOrder.LITTLE_ENDIAN).getLong(OFFSET + 0x60)));
    }

    FileSystem fileSystem() {
        return FileSystem.of(Type.BTRFS, label, fsid).withRecovery(logRoot != 0 ? Recovery.LOG_TREE : Recovery.NONE);
    }
}
