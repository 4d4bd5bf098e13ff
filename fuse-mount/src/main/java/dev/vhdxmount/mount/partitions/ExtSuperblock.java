package dev.vhdxmount.mount.partitions;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Optional;

import dev.vhdxmount.mount.partitions.FileSystem.Recovery;
import dev.vhdxmount.mount.partitions.FileSystem.Type;

/**
 * The ext2/3/4 superblock, 1024 bytes from the start of the file system. Which of the three it is follows from its
 * feature flags as libblkid decides it: a journal makes ext3, a feature ext3 lacks makes ext4.
 */
record ExtSuperblock(int compat, int incompat, int roCompat, String uuid, String label) {
    static final int OFFSET = 1024;
    private static final int MAGIC = 0xef53;
    private static final int COMPAT_HAS_JOURNAL = 0x4;
    private static final int INCOMPAT_RECOVER = 0x4;
    private static final int INCOMPAT_JOURNAL_DEV = 0x8;
    /** What ext2 and ext3 know: FILETYPE, META_BG (and RECOVER for ext3); SPARSE_SUPER, LARGE_FILE, BTREE_DIR. */
    private static final int EXT2_INCOMPAT = 0x2 | 0x10;
    private static final int EXT3_INCOMPAT = EXT2_INCOMPAT | INCOMPAT_RECOVER;
    private static final int EXT23_RO_COMPAT = 0x1 | 0x2 | 0x4;

    /** The superblock in {@code head}, the first bytes of the file system; empty when there is none. */
    static Optional<ExtSuperblock> parse(ByteBuffer head) {
        if (head.limit() < OFFSET + 1024) {
            return Optional.empty();
        }
        ByteBuffer b = head.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        int logBlockSize = b.getInt(OFFSET + 24);
        int incompat = b.getInt(OFFSET + 0x60);
        // an external journal device carries the superblock too, but holds no file system
        if ((b.getShort(OFFSET + 56) & 0xffff) != MAGIC || logBlockSize < 0 || logBlockSize > 6
                || (incompat & INCOMPAT_JOURNAL_DEV) != 0) {
            return Optional.empty();
        }
        return Optional.of(new ExtSuperblock(b.getInt(OFFSET + 0x5c), incompat, b.getInt(OFFSET + 0x64),
                Fields.uuid(b, OFFSET + 0x68), Fields.text(b, OFFSET + 0x78, 16)));
    }

    Type type() {
        boolean journal = (compat & COMPAT_HAS_JOURNAL) != 0;
        boolean ext23 = (roCompat & ~EXT23_RO_COMPAT) == 0;
        if (!journal && ext23 && (incompat & ~EXT2_INCOMPAT) == 0) {
            return Type.EXT2;
        }
        if (journal && ext23 && (incompat & ~EXT3_INCOMPAT) == 0) {
            return Type.EXT3;
        }
        return Type.EXT4;
    }

    /** The journal holds transactions that a mount would replay first. */
    boolean needsRecovery() {
        return (incompat & INCOMPAT_RECOVER) != 0;
    }

    FileSystem fileSystem() {
        return FileSystem.of(type(), label, uuid).withRecovery(needsRecovery() ? Recovery.JOURNAL : Recovery.NONE);
    }
}
