package dev.vhdxmount.vhdx.testkit;

import static dev.vhdxmount.vhdx.testkit.VhdxBuilder.*;

import java.util.BitSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The state and allocation of each payload block (§2.5.1.1), decided from the builder's content, forced states and
 * log: which blocks get space in the file, which are appended by the log, and the sector bitmap bits of
 * PARTIALLY_PRESENT blocks.
 */
final class BlockPlan {
    final long blocks;
    final long chunkRatio;
    /** Every block whose state is not NOT_PRESENT or which has space in the file. */
    final TreeMap<Long, Integer> states = new TreeMap<>();
    final TreeSet<Long> allocated = new TreeSet<>();
    final TreeSet<Long> appended = new TreeSet<>();
    /** Sector bitmap bits (one per logical sector of the block) of PARTIALLY_PRESENT blocks. */
    final TreeMap<Long, BitSet> bits = new TreeMap<>();

    BlockPlan(VhdxBuilder builder) {
        blocks = builder.payloadBlocks();
        chunkRatio = Layout.chunkRatio(builder.logicalSectorSize, builder.blockSize);
        TreeSet<Long> written = new TreeSet<>();
        builder.content.ranges().forEach((off, len) -> {
            for (long b = off / builder.blockSize; b <= (off + len - 1) / builder.blockSize; b++) {
                written.add(b);
            }
        });
        TreeSet<Long> candidates = new TreeSet<>(written);
        candidates.addAll(builder.forcedStates.keySet());
        if (builder.type == Type.FIXED) {
            if (blocks > (1 << 22)) {
                throw new IllegalStateException("a fixed image of " + blocks + " blocks is too large for a test");
            }
            for (long b = 0; b < blocks; b++) {
                candidates.add(b);
            }
        }
        for (long b : candidates) {
            int st;
            if (builder.forcedStates.containsKey(b)) {
                st = builder.forcedStates.get(b);
            } else if (builder.type == Type.FIXED) {
                st = PAYLOAD_BLOCK_FULLY_PRESENT;
            } else if (!written.contains(b)) {
                st = PAYLOAD_BLOCK_NOT_PRESENT;
            } else if (builder.type == Type.DYNAMIC || builder.fullyPresentWrites) {
                st = PAYLOAD_BLOCK_FULLY_PRESENT;
            } else {
                st = PAYLOAD_BLOCK_PARTIALLY_PRESENT;
            }
            boolean alloc = builder.type == Type.FIXED || written.contains(b)
                    || st == PAYLOAD_BLOCK_FULLY_PRESENT || st == PAYLOAD_BLOCK_PARTIALLY_PRESENT;
            if (st != PAYLOAD_BLOCK_NOT_PRESENT || alloc) {
                states.put(b, st);
            }
            if (alloc) {
                allocated.add(b);
            }
            if (st == PAYLOAD_BLOCK_PARTIALLY_PRESENT) {
                bits.put(b, writtenSectors(builder, b));
            }
        }
        if (builder.log != null) {
            for (LogBuilder.Entry e : builder.log.entries) {
                for (LogBuilder.Entry.Target t : e.targets) {
                    if (t.type() != LogBuilder.Entry.Target.Type.APPEND) {
                        continue;
                    }
                    if (!builder.log.referencedByHeader()) {
                        throw new IllegalStateException("appendBlock needs a log the header references");
                    }
                    int st = state(t.a());
                    if (!allocated.contains(t.a())
                            || (st != PAYLOAD_BLOCK_FULLY_PRESENT && st != PAYLOAD_BLOCK_PARTIALLY_PRESENT)) {
                        throw new IllegalStateException("appendBlock(" + t.a() + "): the block must be written or "
                                + "forced FULLY_PRESENT / PARTIALLY_PRESENT");
                    }
                    appended.add(t.a());
                }
            }
        }
    }

    int state(long block) {
        return states.getOrDefault(block, PAYLOAD_BLOCK_NOT_PRESENT);
    }

    /** Bit i = logical sector i of the block intersects a write. */
    private BitSet writtenSectors(VhdxBuilder builder, long block) {
        BitSet s = new BitSet();
        long start = block * builder.blockSize;
        builder.content.forEach(start, Math.min(builder.blockSize, builder.virtualSize - start), (off, arr, o, n) -> {
            int first = (int) ((off - start) / builder.logicalSectorSize);
            int last = (int) ((off + n - 1 - start) / builder.logicalSectorSize);
            s.set(first, last + 1);
        });
        return s;
    }
}
