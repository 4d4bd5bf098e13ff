package dev.vhdxmount.vhdx.read;

import static dev.vhdxmount.vhdx.error.Hex.hex;

import dev.vhdxmount.vhdx.error.VhdxFormatException;
import dev.vhdxmount.vhdx.format.BatEntry;
import dev.vhdxmount.vhdx.format.BatGeometry;
import dev.vhdxmount.vhdx.format.PayloadBlockState;
import dev.vhdxmount.vhdx.io.ByteSource;
import java.io.IOException;
import java.util.function.LongPredicate;
import java.util.function.Supplier;

/**
 * Translates virtual offsets into {@link ReadTarget}s through the BAT and, for differencing disks, the sector
 * bitmaps (MS-VHDX §2.5). Pure arithmetic over entries read on demand; holds no per-read state.
 *
 * <p>Block states (§2.5.1.1): FULLY_PRESENT reads from the file and never looks at a bitmap. In a disk without a
 * parent every other state reads as zeros. In a differencing disk NOT_PRESENT reads from the parent, ZERO reads zeros
 * (never the parent), PARTIALLY_PRESENT follows the sector bitmap (1 = this file, 0 = parent), and UNDEFINED and
 * UNMAPPED read as zeros: the spec leaves their content undefined, and returning zeros never exposes another file's
 * stale data.
 *
 * <p>A piece that reads zeros or the parent runs on through the following blocks that read the same way, so that a
 * walk over unallocated space (a 64 TiB disk's 512 MiB BAT) takes a piece per call rather than per block, and scans
 * those entries page by page in the bounded BAT cache.
 */
public final class BlockMap {
    /** BAT pages of 32 KiB (4096 entries); 512 cached pages keep at most 16 MiB of BAT in memory. */
    private static final int BAT_PAGE = 32 * 1024;
    private static final int BAT_SLOTS = 512;
    /** Sector-bitmap pages of 4 KiB (32768 sectors each); 256 cached pages. */
    private static final int BITMAP_PAGE = 4096;
    private static final int BITMAP_SLOTS = 256;
    private static final int SECTOR_BITMAP_BLOCK = 1 << 20;

    private final BatGeometry geometry;
    private final PagedRegion bat;
    private final ByteSource source;
    private final FileLayout layout;
    private final long batOffset;
    private final boolean allowTruncated;
    /** Sector-bitmap bytes, cached by file page whatever chunk they belong to. */
    private final PagedRegion bitmapPages;
    /** Whether a payload entry ends a run that reads zeros, or one that reads the parent: see {@link #alike}. */
    private final LongPredicate endsZeros;
    private final LongPredicate endsParent;

    public BlockMap(ByteSource source, long batOffset, BatGeometry geometry, FileLayout layout,
            boolean allowTruncated) {
        this.source = source;
        this.batOffset = batOffset;
        this.geometry = geometry;
        this.layout = layout;
        this.allowTruncated = allowTruncated;
        this.bat = new PagedRegion(source, batOffset, geometry.totalEntries() * 8L, BAT_PAGE, BAT_SLOTS, "BAT");
        this.bitmapPages = new PagedRegion(source, 0, source.size(), BITMAP_PAGE, BITMAP_SLOTS, "sector bitmap");
        boolean hasParent = geometry.hasParent();
        this.endsZeros = entry -> !readsZeros(entry, hasParent);
        this.endsParent = entry -> !hasParent || BatEntry.reservedBits(entry) != 0
                || BatEntry.state(entry) != PayloadBlockState.NOT_PRESENT.value;
    }

    /**
     * Whether a payload entry reads as zeros, valid as {@link #checkPayloadEntry} would find it: the states that
     * {@link #translate} turns into {@link ReadTarget.Zeros}, with clear reserved bits.
     */
    private static boolean readsZeros(long entry, boolean hasParent) {
        if (BatEntry.reservedBits(entry) != 0) {
            return false;
        }
        PayloadBlockState state = PayloadBlockState.of(BatEntry.state(entry));
        if (state == null) {
            return false;
        }
        switch (state) {
            case NOT_PRESENT:
                return !hasParent;
            case UNDEFINED:
            case ZERO:
            case UNMAPPED:
            case UNMAPPED_V1:
                return true;
            default:
                return false;
        }
    }

    public BatGeometry geometry() {
        return geometry;
    }

    /** The raw BAT entry at {@code index}. */
    public long entry(long index) throws IOException {
        return bat.getLong(index * 8);
    }

    /**
     * Where the bytes at {@code virtualOffset} live, for at most {@code maxLength} bytes. A piece in the file ends at
     * the block's end and, in a partially present block, at the end of the run of equal bitmap bits; a piece of zeros
     * or of the parent ends where the following blocks stop reading the same way.
     */
    public ReadTarget translate(long virtualOffset, int maxLength) throws IOException {
        long blockSize = geometry.blockSize();
        long block = virtualOffset / blockSize;
        long inBlock = virtualOffset % blockSize;
        int length = (int) Math.min(maxLength, blockSize - inBlock);
        long index = geometry.payloadIndex(block);
        long entry = entry(index);
        PayloadBlockState state = checkPayloadEntry(index, block, entry);
        switch (state) {
            case FULLY_PRESENT:
                return new ReadTarget.InFile(BatEntry.fileOffset(entry) + inBlock, length);
            case PARTIALLY_PRESENT:
                return bitmapRun(block, virtualOffset, length, BatEntry.fileOffset(entry) + inBlock);
            case NOT_PRESENT:
                return geometry.hasParent()
                        ? new ReadTarget.InParent(virtualOffset, alike(block, length, maxLength, endsParent))
                        : new ReadTarget.Zeros(alike(block, length, maxLength, endsZeros));
            default: // ZERO, UNDEFINED, UNMAPPED
                return new ReadTarget.Zeros(alike(block, length, maxLength, endsZeros));
        }
    }

    /**
     * {@code length}, the piece's bytes in {@code block}, extended through the following blocks until {@code ends}
     * accepts one's entry, up to {@code maxLength}. An entry that ends the run is left to the next translation, which
     * checks it (and fails for a corrupt one); so is a BAT cut short.
     */
    private int alike(long block, int length, int maxLength, LongPredicate ends) throws IOException {
        long blockSize = geometry.blockSize();
        long ratio = geometry.chunkRatio();
        long run = length;
        long next = block + 1;
        try {
            while (run < maxLength && next < geometry.payloadBlocks()) {
                // a chunk's payload entries are contiguous; its sector-bitmap entry follows them
                long wanted = Math.min(Math.min(ratio - next % ratio, (maxLength - run - 1) / blockSize + 1),
                        geometry.payloadBlocks() - next);
                long from = geometry.payloadIndex(next) * 8;
                long alike = (bat.findLong(from, from + wanted * 8, ends) - from) / 8;
                run += alike * blockSize;
                next += alike;
                if (alike < wanted) {
                    break;
                }
            }
        } catch (VhdxFormatException.Truncated e) {
            // the run ends before the missing entries: translating them reports it
        }
        return (int) Math.min(run, maxLength);
    }

    /**
     * Validates a payload entry and returns its state.
     *
     * @throws VhdxFormatException for a reserved state or reserved bits, PARTIALLY_PRESENT without a parent, or
     *                             block data at offset 0, over a structure, or (unless salvaging) past the file's end
     */
    public PayloadBlockState checkPayloadEntry(long index, long block, long entry) throws VhdxFormatException {
        PayloadBlockState state = PayloadBlockState.of(BatEntry.state(entry));
        if (state == null) {
            throw new VhdxFormatException(where(index, block) + ": state " + BatEntry.state(entry)
                    + " is reserved (expected 0, 1, 2, 3, 6 or 7)");
        }
        if (BatEntry.reservedBits(entry) != 0) {
            throw new VhdxFormatException(where(index, block) + ": reserved bits 3-19 are not zero (entry "
                    + hex(entry) + ")");
        }
        if (state == PayloadBlockState.PARTIALLY_PRESENT && !geometry.hasParent()) {
            throw new VhdxFormatException(where(index, block)
                    + ": state PARTIALLY_PRESENT is only valid in a differencing disk");
        }
        if (state == PayloadBlockState.FULLY_PRESENT || state == PayloadBlockState.PARTIALLY_PRESENT) {
            long start = BatEntry.fileOffset(entry);
            long used = Math.min(geometry.blockSize(), geometry.virtualSize() - block * geometry.blockSize());
            checkBlockPlacement(() -> where(index, block) + " (" + state + ")", block, -1, start, used);
        }
        return state;
    }

    /**
     * Checks where an allocated block lies. {@code where} names the BAT entry for a message; it is only called
     * when a check fails, because this runs for every piece of every read.
     *
     * @param block the payload block, or -1 for the sector bitmap block of {@code chunk}
     */
    private void checkBlockPlacement(Supplier<String> where, long block, long chunk, long start, long length)
            throws VhdxFormatException {
        if (start == 0) {
            throw new VhdxFormatException(where.get() + ": FileOffsetMB is 0 for an allocated block");
        }
        // FileOffsetMB has 44 bits: from 2^43 MiB on, the byte offset does not fit a (signed) file position
        if (start < 0 || start > Long.MAX_VALUE - length) {
            throw new VhdxFormatException(where.get() + ": FileOffsetMB " + hex(start >>> 20)
                    + " puts the block past the largest possible file offset");
        }
        FileLayout.Range hit = layout.overlapping(start, start + length);
        if (hit != null) {
            throw new VhdxFormatException(where.get() + ": block at " + hex(start) + " overlaps the "
                    + FileLayout.describe(hit));
        }
        if (start + length > layout.fileSize() && !allowTruncated) {
            long fileEnd = layout.fileSize();
            long missing = Math.max(start, fileEnd);
            throw new VhdxFormatException.Truncated(where.get() + ": block data at " + hex(start) + ".."
                    + hex(start + length) + " lies past the end of the file at " + hex(fileEnd)
                    + " (truncated image)", block >= 0 ? "payload block " + block : "sector bitmap of chunk " + chunk,
                    block, block >= 0 ? block * geometry.blockSize() + (missing - start) : -1, missing, fileEnd);
        }
    }

    private String where(long index, long block) {
        return "BAT entry " + index + " (payload block " + block + ") at " + hex(batOffset + index * 8);
    }

    /** The run of sectors, from {@code virtualOffset}, whose bitmap bits are all equal: in this file or the parent. */
    private ReadTarget bitmapRun(long block, long virtualOffset, int length, long fileOffset) throws IOException {
        int sectorSize = geometry.logicalSectorSize();
        long chunk = virtualOffset / geometry.chunkSize();
        long bitmapOffset = sectorBitmapOffset(chunk);
        long chunkStart = chunk * geometry.chunkSize();
        long firstSector = (virtualOffset - chunkStart) / sectorSize;
        long endOffset = virtualOffset + length;
        boolean present = bit(bitmapOffset, firstSector);
        long sector = firstSector + 1;
        while (chunkStart + sector * sectorSize < endOffset) {
            // skip whole bytes of equal bits at once
            if ((sector & 7) == 0 && chunkStart + (sector + 8) * sectorSize <= endOffset) {
                int b = bitmapPages.getByte(bitmapOffset + (sector >>> 3)) & 0xff;
                if (b == (present ? 0xff : 0)) {
                    sector += 8;
                    continue;
                }
            }
            if (bit(bitmapOffset, sector) != present) {
                break;
            }
            sector++;
        }
        int run = (int) Math.min(length, chunkStart + sector * sectorSize - virtualOffset);
        return present ? new ReadTarget.InFile(fileOffset, run) : new ReadTarget.InParent(virtualOffset, run);
    }

    private boolean bit(long bitmapOffset, long sector) throws IOException {
        return (bitmapPages.getByte(bitmapOffset + (sector >>> 3)) & (1 << (sector & 7))) != 0;
    }

    /** File offset of chunk {@code chunk}'s 1 MiB sector bitmap, checked. */
    private long sectorBitmapOffset(long chunk) throws IOException {
        long index = geometry.sectorBitmapIndex(chunk);
        long entry = entry(index);
        Supplier<String> where = () -> "BAT entry " + index + " (sector bitmap of chunk " + chunk + ") at "
                + hex(batOffset + index * 8);
        if (BatEntry.state(entry) != BatEntry.SB_BLOCK_PRESENT) {
            throw new VhdxFormatException(where.get() + ": state " + BatEntry.state(entry)
                    + " but a PARTIALLY_PRESENT block of this chunk needs its bitmap (expected 6, PRESENT)");
        }
        if (BatEntry.reservedBits(entry) != 0) {
            throw new VhdxFormatException(where.get() + ": reserved bits 3-19 are not zero (entry " + hex(entry)
                    + ")");
        }
        long offset = BatEntry.fileOffset(entry);
        checkBlockPlacement(where, -1, chunk, offset, SECTOR_BITMAP_BLOCK);
        return offset;
    }
}
