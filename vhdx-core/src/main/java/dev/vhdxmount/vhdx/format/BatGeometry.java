package dev.vhdxmount.vhdx.format;

/**
 * Where each block's entry lies in the BAT (MS-VHDX §2.5). The BAT interleaves one sector-bitmap entry after every
 * {@code chunkRatio} payload entries, in every disk type (fixed and dynamic too), so payload block {@code i} is at
 * index {@code i + i / chunkRatio}. A chunk covers 2^23 logical sectors: 4 GiB at 512-byte sectors, 32 GiB at 4096.
 */
public record BatGeometry(long virtualSize, int blockSize, int logicalSectorSize, boolean hasParent) {

    /** Payload blocks per chunk: 2^23 x LogicalSectorSize / BlockSize. */
    public long chunkRatio() {
        return (1L << 23) * logicalSectorSize / blockSize;
    }

    /** Virtual bytes covered by one chunk (and by one 1 MiB sector-bitmap block). */
    public long chunkSize() {
        return (1L << 23) * logicalSectorSize;
    }

    public long payloadBlocks() {
        return ceilDiv(virtualSize, blockSize);
    }

    public long sectorBitmapBlocks() {
        return ceilDiv(payloadBlocks(), chunkRatio());
    }

    /** Entries the BAT must hold (§2.5): a differencing disk has a bitmap entry for its last, partial chunk too. */
    public long totalEntries() {
        long payload = payloadBlocks();
        if (hasParent) {
            return sectorBitmapBlocks() * (chunkRatio() + 1);
        }
        return payload == 0 ? 0 : payload + (payload - 1) / chunkRatio();
    }

    public long payloadIndex(long block) {
        return block + block / chunkRatio();
    }

    public long sectorBitmapIndex(long chunk) {
        return chunk * (chunkRatio() + 1) + chunkRatio();
    }

    /** True when BAT index {@code index} holds a sector-bitmap entry rather than a payload entry. */
    public boolean isSectorBitmapIndex(long index) {
        return index % (chunkRatio() + 1) == chunkRatio();
    }

    /** The payload block whose entry is at {@code index} (which must not be a sector-bitmap index). */
    public long blockAtIndex(long index) {
        return index - index / (chunkRatio() + 1);
    }

    private static long ceilDiv(long a, long b) {
        return a == 0 ? 0 : (a - 1) / b + 1;
    }
}
