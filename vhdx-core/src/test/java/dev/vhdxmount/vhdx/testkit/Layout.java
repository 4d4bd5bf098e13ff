package dev.vhdxmount.vhdx.testkit;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.UUID;

/**
 * Where everything of a built image lies in the file, computed from the builder's state before anything is written,
 * so that a log entry can target the real file offset of a BAT entry or a payload sector.
 *
 * <p>Order in the file: the 1 MiB header section (§2.2: file identifier at 0, headers at 64 KiB and 128 KiB, region
 * tables at 192 KiB and 256 KiB), the log (§2.3), the metadata region (§2.6, 1 MiB), the BAT region (§2.5), any
 * unknown regions (1 MiB each), then payload and sector bitmap blocks in BAT order, then blocks that only the log
 * writes ({@link LogBuilder.Entry#appendBlock}).
 */
public final class Layout {
    public static final long FILE_IDENTIFIER = 0;
    public static final long HEADER_1 = 64 * 1024;
    public static final long HEADER_2 = 128 * 1024;
    public static final long REGION_TABLE_1 = 192 * 1024;
    public static final long REGION_TABLE_2 = 256 * 1024;
    /** §2.5.1: each sector bitmap block is 1 MiB and so describes 2^23 logical sectors. */
    public static final long SECTORS_PER_CHUNK = 1L << 23;

    private final long virtualSize;
    private final int blockSize;
    private final int logicalSectorSize;
    private final long chunkRatio;
    private final long payloadBlocks;
    private final long batEntries;
    private final long logOffset;
    private final long logLength;
    private final long metadataOffset;
    private final long metadataLength;
    private final long batOffset;
    private final long batLength;
    private final List<Long> unknownRegionOffsets;
    private final NavigableMap<Long, Long> blockOffsets;
    private final NavigableMap<Long, Long> bitmapOffsets;
    private final long fileSize;
    private final long writtenFileSize;
    private final Map<UUID, Long> metadataEntryOffsets;
    private final Map<UUID, Long> metadataItemOffsets;

    Layout(long virtualSize, int blockSize, int logicalSectorSize, long batEntries, long logOffset, long logLength,
            long metadataOffset, long metadataLength, long batOffset, long batLength, List<Long> unknownRegionOffsets,
            TreeMap<Long, Long> blockOffsets, TreeMap<Long, Long> bitmapOffsets, long fileSize, long writtenFileSize,
            Map<UUID, Long> metadataEntryOffsets, Map<UUID, Long> metadataItemOffsets) {
        this.virtualSize = virtualSize;
        this.blockSize = blockSize;
        this.logicalSectorSize = logicalSectorSize;
        this.chunkRatio = chunkRatio(logicalSectorSize, blockSize);
        this.payloadBlocks = (virtualSize + blockSize - 1) / blockSize;
        this.batEntries = batEntries;
        this.logOffset = logOffset;
        this.logLength = logLength;
        this.metadataOffset = metadataOffset;
        this.metadataLength = metadataLength;
        this.batOffset = batOffset;
        this.batLength = batLength;
        this.unknownRegionOffsets = List.copyOf(unknownRegionOffsets);
        this.blockOffsets = Collections.unmodifiableNavigableMap(blockOffsets);
        this.bitmapOffsets = Collections.unmodifiableNavigableMap(bitmapOffsets);
        this.fileSize = fileSize;
        this.writtenFileSize = writtenFileSize;
        this.metadataEntryOffsets = Map.copyOf(metadataEntryOffsets);
        this.metadataItemOffsets = Map.copyOf(metadataItemOffsets);
    }

    /** §2.5: chunk ratio = 2^23 * LogicalSectorSize / BlockSize (payload blocks per sector bitmap block). */
    public static long chunkRatio(int logicalSectorSize, int blockSize) {
        return (1L << 23) * logicalSectorSize / blockSize;
    }

    /**
     * §2.5: BAT entries a disk of this shape needs: a differencing disk has every chunk's sector bitmap entry, the
     * BAT of a fixed or dynamic disk ends at its last payload entry.
     */
    public static long batEntries(long virtualSize, int blockSize, int logicalSectorSize, boolean hasParent) {
        long ratio = chunkRatio(logicalSectorSize, blockSize);
        long payload = (virtualSize + blockSize - 1) / blockSize;
        if (hasParent) {
            return (payload + ratio - 1) / ratio * (ratio + 1);
        }
        return payload == 0 ? 0 : payload + (payload - 1) / ratio;
    }

    public long virtualSize() {
        return virtualSize;
    }

    public int blockSize() {
        return blockSize;
    }

    public int logicalSectorSize() {
        return logicalSectorSize;
    }

    public long chunkRatio() {
        return chunkRatio;
    }

    /** Number of payload blocks: ceil(VirtualDiskSize / BlockSize); the last one may be partial. */
    public long payloadBlocks() {
        return payloadBlocks;
    }

    /** Number of BAT entries written (payload and sector bitmap entries interleaved). */
    public long batEntries() {
        return batEntries;
    }

    public long logOffset() {
        return logOffset;
    }

    public long logLength() {
        return logLength;
    }

    public long metadataOffset() {
        return metadataOffset;
    }

    public long metadataLength() {
        return metadataLength;
    }

    public long batOffset() {
        return batOffset;
    }

    public long batLength() {
        return batLength;
    }

    /** File offsets of the unknown regions, in the order they were added. */
    public List<Long> unknownRegionOffsets() {
        return unknownRegionOffsets;
    }

    /**
     * File offset of a system metadata item's 32-byte entry in the metadata table (§2.6.1.2), or -1 when the table
     * does not list it.
     */
    public long metadataEntryOffset(UUID itemId) {
        return metadataEntryOffsets.getOrDefault(itemId, -1L);
    }

    /** File offset of a system metadata item's data (§2.6.2), or -1 when the table does not list it. */
    public long metadataItemOffset(UUID itemId) {
        return metadataItemOffsets.getOrDefault(itemId, -1L);
    }

    /** §2.5: payload block i has BAT index i + floor(i / chunkRatio). */
    public long payloadBatIndex(long block) {
        return block + block / chunkRatio;
    }

    /** §2.5: the sector bitmap entry of chunk c follows that chunk's payload entries: c * (chunkRatio + 1) + chunkRatio. */
    public long bitmapBatIndex(long chunk) {
        return chunk * (chunkRatio + 1) + chunkRatio;
    }

    public long batEntryOffset(long batIndex) {
        return batOffset + 8 * batIndex;
    }

    /** File offset of payload block {@code block}, or -1 when it has no space in the file. */
    public long blockOffset(long block) {
        return blockOffsets.getOrDefault(block, -1L);
    }

    /** Payload block to file offset for every block that has space in the file (including appended ones). */
    public NavigableMap<Long, Long> blockOffsets() {
        return blockOffsets;
    }

    /** File offset of chunk {@code chunk}'s sector bitmap block, or -1 when it is not allocated. */
    public long bitmapBlockOffset(long chunk) {
        return bitmapOffsets.getOrDefault(chunk, -1L);
    }

    /** File offset that holds virtual byte {@code virtualOffset}, or -1 when its block has no space in the file. */
    public long fileOffset(long virtualOffset) {
        long off = blockOffset(virtualOffset / blockSize);
        return off < 0 ? -1 : off + virtualOffset % blockSize;
    }

    /**
     * File offset of the sector bitmap byte that holds the bit of the logical sector at {@code virtualOffset}
     * (bit {@code (virtualOffset / logicalSectorSize) % 8}, LSB first), or -1 when that chunk has no bitmap block.
     */
    public long bitmapByteOffset(long virtualOffset) {
        long sector = virtualOffset / logicalSectorSize;
        long base = bitmapBlockOffset(sector / SECTORS_PER_CHUNK);
        return base < 0 ? -1 : base + (sector % SECTORS_PER_CHUNK) / 8;
    }

    /** Size of the complete image, including blocks that exist only in the log. */
    public long fileSize() {
        return fileSize;
    }

    /** Size of the file actually written: smaller than {@link #fileSize()} when the log grows the file. */
    public long writtenFileSize() {
        return writtenFileSize;
    }
}
