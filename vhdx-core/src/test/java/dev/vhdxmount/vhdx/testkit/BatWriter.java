package dev.vhdxmount.vhdx.testkit;

import static dev.vhdxmount.vhdx.testkit.VhdxBuilder.*;

import java.util.Arrays;
import java.util.BitSet;
import java.util.TreeMap;

/** The BAT (§2.5) and the sector bitmap blocks (§2.5.1.2) as bytes in the image. */
final class BatWriter {
    private BatWriter() {}

    /** §2.5.1: state in bits 0-2, FileOffsetMB in bits 20-63 (block offsets are MiB multiples, so it is the offset). */
    static TreeMap<Long, Long> batEntries(BlockPlan p, Layout l) {
        TreeMap<Long, Long> bat = new TreeMap<>();
        p.states.forEach((b, st) -> {
            if (st != PAYLOAD_BLOCK_NOT_PRESENT) {
                long off = p.allocated.contains(b) ? l.blockOffset(b) : 0;
                bat.put(l.payloadBatIndex(b), st | off);
            }
        });
        for (long c = 0; c * p.chunkRatio < p.blocks; c++) {
            if (l.bitmapBlockOffset(c) >= 0) {
                bat.put(l.bitmapBatIndex(c), SB_BLOCK_PRESENT | l.bitmapBlockOffset(c));
            }
        }
        return bat;
    }

    static void writeBat(VhdxBuilder builder, SparseData f, BlockPlan p, Layout l) {
        TreeMap<Long, byte[]> pages = new TreeMap<>();
        TreeMap<Long, Long> entries = batEntries(p, l);
        entries.putAll(builder.batOverrides);
        entries.forEach((idx, value) -> {
            long off = l.batEntryOffset(idx);
            byte[] page = pages.computeIfAbsent(off / SECTOR * SECTOR, k -> new byte[SECTOR]);
            Bin.u64(page, (int) (off % SECTOR), value);
        });
        pages.forEach(f::write);
    }

    /** §2.5.1.2/§2.5.2: one bit per logical sector, bit 0 of byte 0 first; 1 = the sector is in this file. */
    static void writeSectorBitmaps(VhdxBuilder builder, SparseData f, BlockPlan p, Layout l) {
        p.bits.forEach((b, bits) -> {
            long at = l.bitmapByteOffset(b * builder.blockSize);
            if (at >= 0 && !bits.isEmpty()) {
                f.write(at, bitmapBytes(builder, bits));
            }
        });
    }

    static byte[] bitmapBytes(VhdxBuilder builder, BitSet bits) {
        return Arrays.copyOf(bits.toByteArray(), builder.blockSize / builder.logicalSectorSize / 8);
    }
}
