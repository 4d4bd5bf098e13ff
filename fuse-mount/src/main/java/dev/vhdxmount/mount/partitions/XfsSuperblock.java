package dev.vhdxmount.mount.partitions;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Optional;

import dev.vhdxmount.mount.partitions.FileSystem.Type;

/** The XFS superblock at the start of the file system: big-endian, magic "XFSB". */
record XfsSuperblock(int blockSize, String uuid, String label) {

    static Optional<XfsSuperblock> parse(ByteBuffer head) {
        if (head.limit() < 512 || !Fields.has(head, 0, "XFSB")) {
            return Optional.empty();
        }
        ByteBuffer b = head.duplicate().order(ByteOrder.BIG_ENDIAN);
        int blockSize = b.getInt(4);
        if (blockSize < 512 || blockSize > 65536 || Integer.bitCount(blockSize) != 1) {
            return Optional.empty();
        }
        return Optional.of(new XfsSuperblock(blockSize, Fields.uuid(b, 32), Fields.text(b, 108, 12)));
    }

    FileSystem fileSystem() {
        return FileSystem.of(Type.XFS, label, uuid);
    }
}
