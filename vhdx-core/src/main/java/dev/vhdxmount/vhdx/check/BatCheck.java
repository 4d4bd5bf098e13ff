package dev.vhdxmount.vhdx.check;

import static dev.vhdxmount.vhdx.error.Hex.hex;

import dev.vhdxmount.vhdx.ImageInfo;
import dev.vhdxmount.vhdx.ImageStructure;
import dev.vhdxmount.vhdx.error.VhdxFormatException;
import dev.vhdxmount.vhdx.format.BatEntry;
import dev.vhdxmount.vhdx.format.BatGeometry;
import dev.vhdxmount.vhdx.format.PayloadBlockState;
import dev.vhdxmount.vhdx.format.RegionTable;
import dev.vhdxmount.vhdx.io.Structures;
import dev.vhdxmount.vhdx.read.BlockMap;
import dev.vhdxmount.vhdx.read.FileLayout;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Every BAT entry (MS-VHDX §2.5): its state and reserved bits, what the disk type allows, where its block lies (over
 * a structure, over another block, past the end of the file), and in a differencing disk whether each block's
 * sector bitmap agrees with its state. Unlike a read, which stops at the first bad entry it meets, this reads them
 * all and claims each block's file space in a {@link SpaceMap}, which then says what nothing refers to.
 */
final class BatCheck {
    private static final int SECTOR_BITMAP_BLOCK = 1 << 20;
    /** Overlaps traced back to the entry they overlap; more are counted by {@link Findings} anyway. */
    private static final int TRACED_OVERLAPS = Findings.LISTED;

    private final ImageStructure s;
    private final ImageInfo info;
    private final BatGeometry g;
    private final BlockMap bat;
    private final FileLayout layout;
    private final long batOffset;
    private final long fileSize;
    private final Findings out;
    private final Progress progress;
    private final SpaceMap space;
    /** An entry whose block overlaps one claimed before it: {@code index} and the first MiB they share. */
    private record Overlap(long index, long unit, long start, long end) {}

    private final List<Overlap> overlaps = new ArrayList<>();
    /** The current chunk's sector bitmap (differencing disks), or null when it has none that can be read. */
    private ByteBuffer bitmap;
    private long bitmapChunk = -1;
    private long bitmapOffset;

    private BatCheck(ImageStructure s, Findings out, Progress progress) {
        this.s = s;
        this.info = s.info();
        this.g = info.batGeometry();
        this.bat = s.blocks();
        this.layout = s.layout();
        this.batOffset = info.regionTables().get(info.regionTableUsed() - 1).value().orElseThrow()
                .find(RegionTable.BAT).orElseThrow().fileOffset();
        this.fileSize = layout.fileSize();
        this.out = out;
        this.progress = progress;
        this.space = new SpaceMap(fileSize);
    }

    /** Checks the BAT and returns the file space that the structures and blocks claim. */
    static SpaceMap check(ImageStructure s, Findings out, Progress progress) throws IOException {
        BatCheck c = new BatCheck(s, out, progress);
        c.structures();
        c.entries();
        c.traceOverlaps();
        return c.space;
    }

    /** The header section, the log and each region claim their space first; the open has checked their overlaps. */
    private void structures() {
        for (FileLayout.Range r : layout.reserved()) {
            if (r.end() > fileSize) {
                out.add(Kind.PAST_END, Severity.ERROR, r.name(), r.start(), "to end by the end of the file at "
                        + hex(fileSize), "it ends at " + hex(r.end()), "the file was cut short");
            }
            space.claim(r.start(), Math.min(r.end(), fileSize));
        }
    }

    private void entries() throws IOException {
        long total = g.totalEntries();
        progress.addTotal(total * 8);
        for (long index = 0; index < total; index++) {
            if (index % 4096 == 0) {
                progress.checkCancelled();
                progress.advance(Math.min(4096, total - index) * 8);
            }
            long entry;
            try {
                entry = bat.entry(index);
            } catch (VhdxFormatException.Truncated e) {
                out.add(Kind.PAST_END, Severity.ERROR, "BAT entry " + index, entryOffset(index),
                        "BAT entries up to index " + (total - 1) + " inside the file", "the file ends at "
                                + hex(fileSize), "entries " + index + " and after cannot be read");
                return;
            }
            if (g.isSectorBitmapIndex(index)) {
                sectorBitmapEntry(index, entry);
            } else {
                payloadEntry(index, g.blockAtIndex(index), entry);
            }
        }
    }

    private long entryOffset(long index) {
        return batOffset + index * 8;
    }

    private void payloadEntry(long index, long block, long entry) throws IOException {
        String where = "BAT entry " + index + " (payload block " + block + ")";
        PayloadBlockState state = PayloadBlockState.of(BatEntry.state(entry));
        if (state == null) {
            out.add(Kind.BAT_ENTRY_INVALID, Severity.ERROR, where, entryOffset(index), "state 0, 1, 2, 3, 6 or 7",
                    "reserved state " + BatEntry.state(entry) + " (entry " + hex(entry) + ")",
                    "readers refuse the block");
            return;
        }
        if (BatEntry.reservedBits(entry) != 0) {
            out.add(Kind.BAT_ENTRY_INVALID, Severity.ERROR, where, entryOffset(index), "reserved bits 3-19 zero",
                    "entry " + hex(entry), "readers refuse the block");
        }
        boolean allocated = state == PayloadBlockState.FULLY_PRESENT
                || state == PayloadBlockState.PARTIALLY_PRESENT;
        if (state == PayloadBlockState.PARTIALLY_PRESENT && !g.hasParent()) {
            out.add(Kind.BLOCK_STATE_FORBIDDEN, Severity.ERROR, where, entryOffset(index),
                    "a state of a " + info.diskType() + " disk (PARTIALLY_PRESENT needs a parent)",
                    "PARTIALLY_PRESENT", "no sector bitmap says which sectors are present: readers refuse the block");
        }
        long start = BatEntry.fileOffset(entry);
        if (info.isFixed() && !allocated && start == 0) {
            out.add(Kind.BLOCK_STATE_FORBIDDEN, Severity.WARNING, where, entryOffset(index),
                    "space in the file for every block of a fixed disk (LeaveBlocksAllocated)",
                    state + " with no file offset", "reads as zeros");
        }
        long used = Math.min(g.blockSize(), g.virtualSize() - block * g.blockSize());
        if (allocated) {
            if (place(index, where + " (" + state + ")", start, used) && used < g.blockSize()) {
                // the last block of a disk that ends inside it still has a whole block of space (Windows)
                space.reference(start + used, Math.min(fileSize, start + g.blockSize()));
            }
        } else if (start > 0 && start < fileSize) {
            // an UNMAPPED or ZERO block may keep its space for reuse: not unreferenced, but never read
            space.reference(start, Math.min(fileSize, start + g.blockSize()));
        }
        if (g.hasParent()) {
            checkBitmap(index, where, block, state, used);
        }
    }

    /**
     * Checks where an allocated block lies and claims its space.
     *
     * @return true when it lies inside the file, over no structure
     */
    private boolean place(long index, String where, long start, long length) {
        if (start < 0 || start > Long.MAX_VALUE - length) {
            out.add(Kind.BAT_ENTRY_INVALID, Severity.ERROR, where, entryOffset(index), "a file offset",
                    "FileOffsetMB " + hex(start >>> 20) + ", past the largest possible file offset",
                    "readers refuse the block");
            return false;
        }
        FileLayout.Range hit = layout.overlapping(start, start + length);
        if (hit != null) {
            out.add(Kind.BLOCK_OVERLAPS_STRUCTURE, Severity.ERROR, where, entryOffset(index),
                    "block data outside every structure", "block at " + hex(start) + ".." + hex(start + length)
                            + " over the " + FileLayout.describe(hit), "readers refuse the block");
            return false;
        }
        if (start + length > fileSize) {
            out.add(Kind.PAST_END, Severity.ERROR, where, entryOffset(index), "block data inside the file (it ends at "
                    + hex(fileSize) + ")", "block at " + hex(start) + ".." + hex(start + length),
                    "the file was cut short: the block cannot be read");
            return false;
        }
        long conflict = space.claim(start, start + length);
        if (conflict >= 0) {
            if (overlaps.size() < TRACED_OVERLAPS) {
                overlaps.add(new Overlap(index, conflict, start, start + length));
            } else {
                out.add(Kind.BLOCKS_OVERLAP, Severity.ERROR, where, entryOffset(index), "file space of its own",
                        "block at " + hex(start) + " over another block's space at " + hex(conflict * SpaceMap.UNIT),
                        "a write to one changes the other");
            }
            return false;
        }
        return true;
    }

    private void sectorBitmapEntry(long index, long entry) throws IOException {
        long chunk = index / (g.chunkRatio() + 1);
        String where = "BAT entry " + index + " (sector bitmap of chunk " + chunk + ")";
        int state = BatEntry.state(entry);
        long start = BatEntry.fileOffset(entry);
        if (!g.hasParent()) {
            if (entry == 0) {
                return;
            }
            boolean wellFormed = state == BatEntry.SB_BLOCK_PRESENT && BatEntry.reservedBits(entry) == 0
                    && placeable(start, SECTOR_BITMAP_BLOCK) && space.claim(start, start + SECTOR_BITMAP_BLOCK) < 0;
            if (wellFormed) {
                out.add(Kind.SECTOR_BITMAP_INCONSISTENT, Severity.NOTE, where, entryOffset(index),
                        "no sector bitmap in a " + info.diskType() + " disk (§2.5)", "one allocated at " + hex(start),
                        "unused: readers ignore it");
            } else {
                out.add(Kind.SECTOR_BITMAP_INCONSISTENT, Severity.WARNING, where, entryOffset(index),
                        "0 (no sector bitmap in a " + info.diskType() + " disk)", "entry " + hex(entry),
                        "readers ignore it; QEMU before 8.0 wrote such values");
            }
            return;
        }
        if (state != BatEntry.SB_BLOCK_NOT_PRESENT && state != BatEntry.SB_BLOCK_PRESENT) {
            out.add(Kind.BAT_ENTRY_INVALID, Severity.ERROR, where, entryOffset(index), "state 0 or 6",
                    "state " + state + " (entry " + hex(entry) + ")", "");
        } else if (BatEntry.reservedBits(entry) != 0) {
            out.add(Kind.BAT_ENTRY_INVALID, Severity.ERROR, where, entryOffset(index), "reserved bits 3-19 zero",
                    "entry " + hex(entry), "");
        } else if (state == BatEntry.SB_BLOCK_PRESENT) {
            place(index, where, start, SECTOR_BITMAP_BLOCK);
        }
    }

    /**
     * §2.5.1.1, §2.5.2 in a differencing disk: a PARTIALLY_PRESENT block needs its chunk's bitmap, and has some
     * sectors in this file; a block in another state has no bit set (its sectors are not in this file), except a
     * FULLY_PRESENT one, which readers take whole whatever its bits say.
     */
    private void checkBitmap(long index, String where, long block, PayloadBlockState state, long used)
            throws IOException {
        long chunk = block / g.chunkRatio();
        if (chunk != bitmapChunk) {
            bitmapChunk = chunk;
            bitmap = readBitmap(chunk);
        }
        if (bitmap == null) {
            if (state == PayloadBlockState.PARTIALLY_PRESENT) {
                out.add(Kind.SECTOR_BITMAP_INCONSISTENT, Severity.ERROR, where, entryOffset(index),
                        "a sector bitmap for chunk " + chunk + " (the block is PARTIALLY_PRESENT)",
                        "none that can be read (BAT entry " + g.sectorBitmapIndex(chunk) + ")",
                        "reads of the block fail");
            }
            return;
        }
        long sectorSize = g.logicalSectorSize();
        long first = (block % g.chunkRatio()) * (g.blockSize() / sectorSize);
        long sectors = (used + sectorSize - 1) / sectorSize;
        long set = 0;
        for (long i = first; i < first + sectors; i++) {
            if ((bitmap.get((int) (i >>> 3)) & (1 << (i & 7))) != 0) {
                set++;
            }
        }
        long bitmapAt = bitmapOffset + first / 8;
        String bits = set + " of " + sectors + " sectors' bits set";
        if (state == PayloadBlockState.PARTIALLY_PRESENT && set == 0) {
            out.add(Kind.SECTOR_BITMAP_INCONSISTENT, Severity.WARNING, where, bitmapAt,
                    "some sector of a PARTIALLY_PRESENT block marked present", bits,
                    "every sector reads from the parent: the block's data is never read");
        } else if (state == PayloadBlockState.FULLY_PRESENT && set != sectors) {
            out.add(Kind.SECTOR_BITMAP_INCONSISTENT, Severity.NOTE, where, bitmapAt,
                    "every bit set for a FULLY_PRESENT block", bits, "readers take the whole block from this file");
        } else if (state != PayloadBlockState.PARTIALLY_PRESENT && state != PayloadBlockState.FULLY_PRESENT
                && set != 0) {
            out.add(Kind.SECTOR_BITMAP_INCONSISTENT, Severity.WARNING, where, bitmapAt,
                    "no bit set for a " + state + " block", bits, "sectors marked present that the block does not"
                            + " hold; readers follow the state");
        }
    }

    /** Chunk {@code chunk}'s sector bitmap, or null when its entry says none or it cannot be read. */
    private ByteBuffer readBitmap(long chunk) throws IOException {
        long index = g.sectorBitmapIndex(chunk);
        long entry;
        try {
            entry = bat.entry(index);
        } catch (VhdxFormatException.Truncated e) {
            return null;
        }
        long start = BatEntry.fileOffset(entry);
        if (BatEntry.state(entry) != BatEntry.SB_BLOCK_PRESENT || BatEntry.reservedBits(entry) != 0
                || !placeable(start, SECTOR_BITMAP_BLOCK)) {
            return null; // its own entry's check says why
        }
        progress.addTotal(SECTOR_BITMAP_BLOCK);
        ByteBuffer b = Structures.read(s.view(), start, SECTOR_BITMAP_BLOCK, "sector bitmap of chunk " + chunk);
        progress.advance(SECTOR_BITMAP_BLOCK);
        bitmapOffset = start;
        return b;
    }

    /** Names, for each overlap found, the entry claimed first: a second pass, only when there are overlaps. */
    private void traceOverlaps() throws IOException {
        if (overlaps.isEmpty()) {
            return;
        }
        long[] owner = new long[overlaps.size()];
        java.util.Arrays.fill(owner, -1);
        long total = g.totalEntries();
        for (long index = 0; index < total; index++) {
            if (index % 4096 == 0) {
                progress.checkCancelled();
            }
            long entry;
            try {
                entry = bat.entry(index);
            } catch (VhdxFormatException.Truncated e) {
                break;
            }
            long[] range = liveRange(index, entry);
            if (range == null) {
                continue;
            }
            for (int i = 0; i < overlaps.size(); i++) {
                Overlap o = overlaps.get(i);
                long unitStart = o.unit * SpaceMap.UNIT;
                if (owner[i] < 0 && index < o.index && range[0] < unitStart + SpaceMap.UNIT && unitStart < range[1]) {
                    owner[i] = index;
                }
            }
        }
        for (int i = 0; i < overlaps.size(); i++) {
            Overlap o = overlaps.get(i);
            String other = owner[i] < 0 ? "another structure" : describeIndex(owner[i]);
            out.add(Kind.BLOCKS_OVERLAP, Severity.ERROR, describeIndex(o.index), entryOffset(o.index),
                    "file space of its own", "block at " + hex(o.start) + ".." + hex(o.end) + " shares "
                            + hex(o.unit * SpaceMap.UNIT) + " with " + other, "a write to one changes the other");
        }
    }

    private String describeIndex(long index) {
        return g.isSectorBitmapIndex(index) ? "BAT entry " + index + " (sector bitmap of chunk "
                + index / (g.chunkRatio() + 1) + ")" : "BAT entry " + index + " (payload block "
                + g.blockAtIndex(index) + ")";
    }

    /** Whether a block at {@code start} lies inside the file and over no structure (checked quietly). */
    private boolean placeable(long start, long length) {
        return start > 0 && start <= Long.MAX_VALUE - length && start + length <= fileSize
                && layout.overlapping(start, start + length) == null;
    }

    /** The file range an entry claims, as {@link #entries} claimed it, or null. */
    private long[] liveRange(long index, long entry) {
        long start = BatEntry.fileOffset(entry);
        long length;
        if (g.isSectorBitmapIndex(index)) {
            if (BatEntry.state(entry) != BatEntry.SB_BLOCK_PRESENT || BatEntry.reservedBits(entry) != 0) {
                return null;
            }
            length = SECTOR_BITMAP_BLOCK;
        } else {
            PayloadBlockState state = PayloadBlockState.of(BatEntry.state(entry));
            if (state != PayloadBlockState.FULLY_PRESENT && state != PayloadBlockState.PARTIALLY_PRESENT) {
                return null;
            }
            long block = g.blockAtIndex(index);
            length = Math.min(g.blockSize(), g.virtualSize() - block * g.blockSize());
        }
        return placeable(start, length) ? new long[] {start, start + length} : null;
    }
}
