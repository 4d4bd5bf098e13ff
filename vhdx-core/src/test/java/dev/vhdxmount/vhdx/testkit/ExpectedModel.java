package dev.vhdxmount.vhdx.testkit;

import static dev.vhdxmount.vhdx.testkit.VhdxBuilder.*;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.TreeMap;

/** What a built image must read as: the builder's model of the disk after log replay, never a reader's output. */
final class ExpectedModel {
    private ExpectedModel() {}

    /**
     * What the disk must read as (after log replay), for a differencing disk given what its parent reads as.
     * §2.5.1.1 in a differencing disk: NOT_PRESENT reads the parent, ZERO reads zeros, FULLY_PRESENT reads this
     * file, PARTIALLY_PRESENT reads this file where the sector's bitmap bit is 1 and the parent where it is 0;
     * UNDEFINED / UNMAPPED read as zeros here and are reported as ambiguous. In a fixed or dynamic disk everything
     * but FULLY_PRESENT reads as zeros.
     */
    static ExpectedDisk expected(VhdxBuilder builder, ExpectedDisk parent) {
        BlockPlan p = new BlockPlan(builder);
        Layout l = builder.layout(p);
        SparseData out;
        List<ExpectedDisk.Range> ambiguous = new ArrayList<>();
        ExpectedRuns runs;
        if (builder.type == Type.DIFFERENCING) {
            Objects.requireNonNull(parent, "parent");
            if (parent.size() != builder.virtualSize || parent.logicalSectorSize() != builder.logicalSectorSize) {
                throw new IllegalArgumentException("parent has another virtual size or logical sector size");
            }
            out = parent.data().copy();
            ambiguous.addAll(parent.ambiguousRanges());
            runs = ExpectedRuns.below(parent.allocation());
        } else {
            if (parent != null) {
                throw new IllegalArgumentException("only a differencing disk has a parent");
            }
            out = new SparseData();
            runs = new ExpectedRuns(builder.virtualSize, 0);
        }
        boolean diff = builder.type == Type.DIFFERENCING;
        p.states.forEach((b, st) -> {
            long start = b * builder.blockSize;
            long n = Math.min(builder.blockSize, builder.virtualSize - start);
            switch (st) {
                case PAYLOAD_BLOCK_NOT_PRESENT -> {
                    // parent (differencing) or zeros: nothing to change
                }
                case PAYLOAD_BLOCK_FULLY_PRESENT -> {
                    out.clear(start, n);
                    copyContent(builder, out, start, n);
                    runs.paint(start, n, true, 0);
                }
                case PAYLOAD_BLOCK_PARTIALLY_PRESENT -> {
                    if (!diff) {
                        ambiguous.add(new ExpectedDisk.Range(start, n)); // only valid with a parent
                        return;
                    }
                    BitSet bits = p.bits.get(b);
                    for (int i = bits.nextSetBit(0); i >= 0; i = bits.nextSetBit(bits.nextClearBit(i))) {
                        long s = start + (long) i * builder.logicalSectorSize;
                        long e = Math.min(start + (long) bits.nextClearBit(i) * builder.logicalSectorSize, start + n);
                        out.clear(s, e - s);
                        copyContent(builder, out, s, e - s);
                        runs.paint(s, e - s, true, 0);
                    }
                }
                case PAYLOAD_BLOCK_ZERO -> {
                    out.clear(start, n);
                    runs.paint(start, n, false, 0);
                }
                default -> {
                    out.clear(start, n);
                    if (st != 4) { // reserved: the reader refuses the block
                        runs.paint(start, n, false, 0);
                    }
                    if (diff || st == 4) {
                        ambiguous.add(new ExpectedDisk.Range(start, n));
                    }
                }
            }
        });
        applyRawLogWrites(builder, out, p, l);
        return new ExpectedDisk(builder.virtualSize, builder.logicalSectorSize, out, ambiguous, runs.merged());
    }

    private static void copyContent(VhdxBuilder builder, SparseData out, long start, long n) {
        builder.content.forEach(start, n, (off, arr, o, len) -> out.write(off, arr, o, len));
    }

    /** Raw data/zero descriptors of active entries that land in payload the disk reads from this file. */
    private static void applyRawLogWrites(VhdxBuilder builder, SparseData out, BlockPlan p, Layout l) {
        if (builder.log == null || !builder.log.referencedByHeader()) {
            return;
        }
        TreeMap<Long, Long> blockAt = new TreeMap<>();
        l.blockOffsets().forEach((b, off) -> blockAt.put(off, b));
        for (LogBuilder.Entry e : builder.log.entries) {
            if (e.kind != LogBuilder.Kind.ACTIVE) {
                continue;
            }
            for (LogBuilder.Entry.Target target : e.targets) {
                LogBuilder.Entry.Target t = LogWriter.resolve(builder, target, l);
                if (t.type() != LogBuilder.Entry.Target.Type.RAW_DATA
                        && t.type() != LogBuilder.Entry.Target.Type.RAW_ZERO) {
                    continue;
                }
                byte[] data = t.data() != null ? t.data() : new byte[(int) t.b()];
                for (int i = 0; i < data.length; ) {
                    long fo = t.a() + i;
                    NavigableMap.Entry<Long, Long> blk = blockAt.floorEntry(fo);
                    if (blk == null || fo >= blk.getKey() + builder.blockSize) {
                        i++;
                        continue;
                    }
                    long b = blk.getValue();
                    long v = b * builder.blockSize + (fo - blk.getKey());
                    int st = p.state(b);
                    boolean fromFile = st == PAYLOAD_BLOCK_FULLY_PRESENT
                            || (st == PAYLOAD_BLOCK_PARTIALLY_PRESENT && builder.type == Type.DIFFERENCING
                                    && p.bits.get(b).get((int) ((v - b * builder.blockSize)
                                            / builder.logicalSectorSize)));
                    if (fromFile && v < builder.virtualSize) {
                        out.write(v, data, i, 1);
                    }
                    i++;
                }
            }
        }
    }
}
