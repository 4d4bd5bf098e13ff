package dev.vhdxmount.mount.partitions;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import dev.vhdxmount.mount.partitions.FileSystem.Recovery;
import dev.vhdxmount.vhdx.VirtualDisk;

/**
 * Whether an XFS internal log needs replay, decided as the kernel's log mount decides it: the log is a ring of
 * 512-byte basic blocks, each stamped with the cycle (lap of the ring) that wrote it; the head is where the stamp
 * drops; the log is clean only if the record that ends at the head is an unmount record (one operation, flagged
 * XLOG_UNMOUNT_TRANS). Anything else (a crash, a copy of a mounted file system, even an idle one, whose log the kernel
 * keeps covered but not unmounted) makes the kernel replay it, which a read-only device refuses. A log that cannot be
 * read or makes no sense is {@link Recovery#UNKNOWN}: the advice then gives both ways in, as before the log was read.
 */
final class XfsLog {
    static final int BB = 512;
    static final int HEADER_MAGIC = 0xfeedbabe;
    static final int UNMOUNT_TRANS = 0x20;
    /** The cycle stamps one header block saves: a record of more data has more header blocks (v2 logs). */
    static final int HEADER_CYCLE_SIZE = 32 * 1024;
    /** The largest record's data (XLOG_MAX_RECORD_BSIZE). */
    static final int MAX_RECORD = 256 * 1024;
    /** How far before the head the last record's header can be: the largest record and its header blocks. */
    static final int SEARCH_BBS = (MAX_RECORD + MAX_RECORD / HEADER_CYCLE_SIZE * BB) / BB + 1;
    /** Blocks read at once while looking back from the head for the last record's header. */
    static final int SEARCH_CHUNK_BBS = 64;
    /** The largest log the kernel makes or mounts (XFS_MAX_LOG_BYTES is 2 GiB less a little). */
    static final long MAX_LOG_BYTES = 2L << 30;

    private final VirtualDisk disk;
    private final long start;
    private final long blocks;

    private XfsLog(VirtualDisk disk, long start, long blocks) {
        this.disk = disk;
        this.start = start;
        this.blocks = blocks;
    }

    /** The state of the log of {@code sb}, the file system at {@code fsStart} of {@code disk}, fsLength long. */
    static Recovery state(VirtualDisk disk, long fsStart, long fsLength, XfsSuperblock sb) throws IOException {
        if (sb.logStart() <= 0 || sb.agBlockLog() > 31 || sb.logBlocks() == 0) {
            return Recovery.UNKNOWN; // an external log: not on this disk
        }
        long ag = sb.logStart() >>> sb.agBlockLog();
        long agBlock = sb.logStart() & ((1L << sb.agBlockLog()) - 1);
        long bytes = sb.logBlocks() * sb.blockSize();
        if (agBlock >= sb.agBlocks() || ag > (fsLength / sb.blockSize()) / Math.max(1, sb.agBlocks())
                || bytes > MAX_LOG_BYTES) {
            return Recovery.UNKNOWN;
        }
        long offset = (ag * sb.agBlocks() + agBlock) * sb.blockSize();
        if (offset > fsLength - bytes) {
            return Recovery.UNKNOWN;
        }
        try {
            return new XfsLog(disk, fsStart + offset, bytes / BB).state();
        } catch (PartitionTableException e) {
            return Recovery.UNKNOWN; // past the disk's end: a truncated image
        }
    }

    private Recovery state() throws IOException, PartitionTableException {
        long head = head();
        if (head < 0) {
            return Recovery.UNKNOWN;
        }
        // back from the head, a chunk of blocks at a time (never across the log's start): one read of the storage
        // for many blocks, since the mount's advice waits for this on storage that may be slow
        long back = 0;
        long limit = Math.min(SEARCH_BBS, blocks);
        while (back < limit) {
            long end = Math.floorMod(head - back - 1, blocks) + 1; // the chunk ends before this block
            int count = (int) Math.min(Math.min(SEARCH_CHUNK_BBS, limit - back), end);
            ByteBuffer chunk = DiskBytes.read(disk, start + (end - count) * BB, count * BB, "XFS log blocks "
                    + (end - count) + " to " + (end - 1)).order(ByteOrder.BIG_ENDIAN);
            for (int i = count - 1; i >= 0; i--) {
                if (chunk.getInt(i * BB) == HEADER_MAGIC) {
                    return lastRecord(end - count + i, chunk.slice(i * BB, BB).order(ByteOrder.BIG_ENDIAN), head);
                }
            }
            back += count;
        }
        return Recovery.UNKNOWN; // no record header where the last record must begin
    }

    /** Clean only if the record at {@code at} is an unmount record that ends exactly at the head. */
    private Recovery lastRecord(long at, ByteBuffer header, long head) throws IOException, PartitionTableException {
        int version = header.getInt(8);
        long length = Integer.toUnsignedLong(header.getInt(12));
        long operations = Integer.toUnsignedLong(header.getInt(40));
        long size = (version & 2) != 0 ? Integer.toUnsignedLong(header.getInt(320)) : 0;
        if (length > MAX_RECORD || size > MAX_RECORD) {
            return Recovery.UNKNOWN;
        }
        long headerBlocks = Math.max(1, (size + HEADER_CYCLE_SIZE - 1) / HEADER_CYCLE_SIZE);
        long end = Math.floorMod(at + headerBlocks + (length + BB - 1) / BB, blocks);
        if (end != head % blocks || operations != 1) {
            return Recovery.LOG;
        }
        // the operation header: tid, length, client, flags (byte 9); only its first word is replaced by the cycle
        ByteBuffer operation = block(Math.floorMod(at + headerBlocks, blocks));
        return (operation.get(9) & UNMOUNT_TRANS) != 0 ? Recovery.NONE : Recovery.LOG;
    }

    /**
     * The first block after the last one written: where the cycle stamp drops below the first block's, or the log's
     * end (as block count) when every block bears the first block's cycle. -1 for a log never written.
     */
    private long head() throws IOException, PartitionTableException {
        long first = cycle(0);
        if (first == 0) {
            return -1;
        }
        if (cycle(blocks - 1) == first) {
            return blocks;
        }
        long lo = 0; // cycle(lo) == first
        long hi = blocks - 1; // cycle(hi) != first
        while (hi - lo > 1) {
            long mid = (lo + hi) >>> 1;
            if (cycle(mid) == first) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return hi;
    }

    /** The cycle that wrote block {@code i}: its first word, or a record header's h_cycle. */
    private long cycle(long i) throws IOException, PartitionTableException {
        ByteBuffer b = block(i);
        return Integer.toUnsignedLong(b.getInt(0) == HEADER_MAGIC ? b.getInt(4) : b.getInt(0));
    }

    private ByteBuffer block(long i) throws IOException, PartitionTableException {
        return DiskBytes.read(disk, start + i * BB, BB, "XFS log block " + i).order(ByteOrder.BIG_ENDIAN);
    }
}
