package dev.vhdxmount.mount.partitions;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.ByteBuffer;

import org.junit.jupiter.api.Test;

import dev.vhdxmount.mount.partitions.FileSystem.Recovery;

/**
 * Whether an XFS log needs replay, on hand-built logs: the head found by the cycle stamps, the last record's header
 * found before it, clean only for an unmount record that ends at the head; anything unsound is UNKNOWN, never a throw.
 * The same decisions on logs the kernel wrote are checked against xfs_repair in OverlayIT.
 */
class XfsLogTest {
    private static final int MIB = 1 << 20;
    private static final long VOLUME = MIB;
    private static final int BLOCK = 4096;
    private static final int AG_BLOCKS = 1000;
    private static final int AG_BLOCK_LOG = 10;
    /** In allocation group 1, block 10: the split of the block number is exercised. */
    private static final long LOG_BLOCK = (1L << AG_BLOCK_LOG) | 10;
    private static final long LOG_OFFSET = VOLUME + (AG_BLOCKS + 10L) * BLOCK;
    private static final int LOG_FS_BLOCKS = 16;
    /** The log's basic blocks. */
    private static final int BBS = LOG_FS_BLOCKS * BLOCK / 512;
    private static final long VOLUME_LENGTH = 2L * AG_BLOCKS * BLOCK;

    private final MemoryDisk disk = new MemoryDisk(16 * MIB, 512);

    XfsLogTest() {
        superblock(LOG_BLOCK, LOG_FS_BLOCKS);
    }

    private void superblock(long logStart, long logBlocks) {
        ByteBuffer sb = ByteBuffer.allocate(512);
        sb.put(0, "XFSB".getBytes()).putInt(4, BLOCK).putLong(8, 2L * AG_BLOCKS).putLong(48, logStart)
                .putInt(84, AG_BLOCKS).putInt(88, 2).putInt(96, (int) logBlocks).putShort(100, (short) 0xb4a5)
                .put(124, (byte) AG_BLOCK_LOG);
        disk.write(VOLUME, sb.array());
    }

    /** Stamps basic blocks [from, to) with {@code cycle}, as a log write leaves them. */
    private XfsLogTest stamp(int from, int to, int cycle) {
        for (int bb = from; bb < to; bb++) {
            disk.write(LOG_OFFSET + bb * 512L, ByteBuffer.allocate(4).putInt(cycle).array());
        }
        return this;
    }

    /**
     * A record at {@code at}: one header block (h_size 32 KiB), then {@code dataBlocks} of data whose first
     * operation header carries {@code flags}; every block stamped with {@code cycle}, wrapping at the log's end.
     */
    private XfsLogTest record(int at, int cycle, int dataBlocks, int operations, int flags) {
        ByteBuffer h = ByteBuffer.allocate(512);
        h.putInt(0, XfsLog.HEADER_MAGIC).putInt(4, cycle).putInt(8, 2).putInt(12, dataBlocks * 512)
                .putInt(40, operations).putInt(320, 32 * 1024);
        disk.write(LOG_OFFSET + at * 512L, h.array());
        for (int i = 1; i <= dataBlocks; i++) {
            ByteBuffer d = ByteBuffer.allocate(512).putInt(0, cycle);
            if (i == 1) {
                d.put(9, (byte) flags);
            }
            disk.write(LOG_OFFSET + ((at + i) % BBS) * 512L, d.array());
        }
        return this;
    }

    private XfsLogTest unmount(int at, int cycle) {
        return record(at, cycle, 1, 1, XfsLog.UNMOUNT_TRANS);
    }

    private XfsLogTest transaction(int at, int cycle, int dataBlocks) {
        return record(at, cycle, dataBlocks, 3, 0);
    }

    private Recovery state() throws IOException {
        return FileSystems.probe(disk, VOLUME, VOLUME_LENGTH).orElseThrow().recovery();
    }

    @Test
    void anUnmountRecordAtTheHeadIsClean() throws IOException {
        assertEquals(Recovery.NONE, transaction(0, 1, 4).unmount(5, 1).state(), "as mkfs and umount leave it");
        assertEquals(Recovery.NONE, new XfsLogTest().unmount(0, 1).state(), "as mkfs leaves it: the rest unwritten");
    }

    @Test
    void aLogThatDoesNotEndInAnUnmountRecordNeedsRecovery() throws IOException {
        assertEquals(Recovery.LOG, transaction(0, 1, 4).state(), "a crash after a transaction");
        assertEquals(Recovery.LOG, new XfsLogTest().unmount(0, 1).transaction(2, 1, 2).state(),
                "mounted again after the unmount record, and written to");
        assertEquals(Recovery.LOG, new XfsLogTest().record(0, 1, 1, 2, XfsLog.UNMOUNT_TRANS).state(),
                "the unmount flag on a record of more than one operation is not an unmount record");
        assertEquals(Recovery.LOG, new XfsLogTest().record(0, 1, 1, 1, 0).state(), "one operation, not unmount");
    }

    @Test
    void theHeadIsWhereTheCycleDropsAfterTheLogWrapped() throws IOException {
        // lap 1 filled the log and ended dirty; lap 2 wrote up to block 12 and unmounted
        XfsLogTest log = new XfsLogTest().stamp(0, BBS, 1).transaction(BBS - 10, 1, 9);
        assertEquals(Recovery.LOG, log.state());
        assertEquals(Recovery.NONE, log.transaction(0, 2, 9).unmount(10, 2).state());
        assertEquals(Recovery.LOG, log.transaction(12, 2, 3).state(), "and written to since");
    }

    @Test
    void anUnmountRecordAcrossTheLogsEnd() throws IOException {
        // the header in the last block (lap 1), its data in block 0 (lap 2): the head is block 1
        XfsLogTest log = new XfsLogTest().stamp(0, BBS, 1).transaction(BBS - 6, 1, 4).unmount(BBS - 1, 2);
        log.stamp(BBS - 1, BBS, 1);
        log.disk.write(LOG_OFFSET + (BBS - 1) * 512L, ByteBuffer.allocate(8).putInt(XfsLog.HEADER_MAGIC).putInt(1)
                .array());
        assertEquals(Recovery.NONE, log.state());
    }

    @Test
    void aLogWhollyOfOneCycleHasItsHeadAtTheStart() throws IOException {
        assertEquals(Recovery.NONE, new XfsLogTest().stamp(0, BBS, 3).transaction(0, 3, BBS - 3).unmount(BBS - 2, 3)
                .state());
        assertEquals(Recovery.LOG, new XfsLogTest().stamp(0, BBS, 3).transaction(BBS - 5, 3, 4).state());
    }

    @Test
    void whatCannotBeReadOrMakesNoSenseIsUnknown() throws IOException {
        assertEquals(Recovery.UNKNOWN, new XfsLogTest().state(), "never written: every cycle 0");
        assertEquals(Recovery.UNKNOWN, new XfsLogTest().stamp(0, 20, 1).state(), "no record header before the head");
        assertEquals(Recovery.UNKNOWN, new XfsLogTest().record(0, 1, 1, 1, XfsLog.UNMOUNT_TRANS).withLength(0, -1)
                .state(), "a record longer than any");
        XfsLogTest external = new XfsLogTest().unmount(0, 1);
        external.superblock(0, LOG_FS_BLOCKS);
        assertEquals(Recovery.UNKNOWN, external.state(), "an external log: on another device");
        XfsLogTest pastTheVolume = new XfsLogTest().unmount(0, 1);
        pastTheVolume.superblock(LOG_BLOCK, 2L * AG_BLOCKS);
        assertEquals(Recovery.UNKNOWN, pastTheVolume.state(), "a log longer than the volume");
        XfsLogTest badGroup = new XfsLogTest().unmount(0, 1);
        badGroup.superblock((1L << AG_BLOCK_LOG) | (AG_BLOCKS + 5), LOG_FS_BLOCKS);
        assertEquals(Recovery.UNKNOWN, badGroup.state(), "a block number past its allocation group");
        XfsLogTest unreadable = new XfsLogTest().unmount(0, 1);
        unreadable.disk.failFrom(LOG_OFFSET);
        assertEquals(Recovery.UNKNOWN, unreadable.state(), "a log the storage fails to read");
    }

    private XfsLogTest withLength(int at, int length) {
        disk.write(LOG_OFFSET + at * 512L + 12, ByteBuffer.allocate(4).putInt(length).array());
        return this;
    }
}
