package dev.vhdxmount.mount.partitions;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Optional;

import dev.vhdxmount.mount.partitions.FileSystem.Recovery;
import dev.vhdxmount.mount.partitions.FileSystem.Type;

/**
 * The XFS superblock at the start of the file system: big-endian, magic "XFSB". Whether the log needs replay is not
 * here but in the log itself ({@link XfsLog}), which these fields locate.
 *
 * @param logStart   the internal log's first block, as a file-system block number (allocation group in the high
 *                   bits, {@code agBlockLog} of them for the block within it), or 0 when the log is on another device
 * @param logBlocks  the log's length in file-system blocks
 * @param agBlocks   blocks in each allocation group
 * @param agBlockLog log2 of {@code agBlocks}, rounded up: how a block number is split
 * @param logV2      the version 2 log format: records may have more than one header block
 */
record XfsSuperblock(int blockSize, String uuid, String label, long logStart, long logBlocks, long agBlocks,
        int agBlockLog, boolean logV2) {
    private static final int VERSION_LOGV2 = 0x0400;

    static Optional<XfsSuperblock> parse(ByteBuffer head) {
        if (head.limit() < 512 || !Fields.has(head, 0, "XFSB")) {
            return Optional.empty();
        }
        ByteBuffer b = head.duplicate().order(ByteOrder.BIG_ENDIAN);
        int blockSize = b.getInt(4);
        if (blockSize < 512 || blockSize > 65536 || Integer.bitCount(blockSize) != 1) {
            return Optional.empty();
        }
        int version = b.getShort(100) & 0xffff;
        return Optional.of(new XfsSuperblock(blockSize, Fields.uuid(b, 32), Fields.text(b, 108, 12), b.getLong(48),
                Integer.toUnsignedLong(b.getInt(96)), Integer.toUnsignedLong(b.getInt(84)), b.get(124) & 0xff,
                (version & 0xf) >= 5 || (version & VERSION_LOGV2) != 0));
    }

    /** Without a look at the log: {@link Recovery#UNKNOWN}. */
    FileSystem fileSystem() {
        return FileSystem.of(Type.XFS, label, uuid).withRecovery(Recovery.UNKNOWN);
    }
}
