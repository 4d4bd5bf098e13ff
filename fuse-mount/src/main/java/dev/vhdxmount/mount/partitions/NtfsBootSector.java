package dev.vhdxmount.mount.partitions;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Optional;

/**
 * The geometry an NTFS boot sector gives, as far as finding the MFT and reading its records and index blocks needs
 * it. Every value is bounded here, against what NTFS itself allows and against the volume's length, so that what
 * follows can multiply and allocate with them: a boot sector outside those bounds is no NTFS to read further.
 *
 * @param clusterSize    bytes per cluster: at most {@value #MAX_CLUSTER} (Windows formats up to 2 MiB)
 * @param mftOffset      the $MFT's first byte, from the volume's start; its first 16 records are contiguous there
 * @param recordSize     bytes per MFT record, a power of two from 256 to 65536
 * @param indexBlockSize bytes per index block (INDX) of a directory's $INDEX_ALLOCATION, bounded likewise
 */
record NtfsBootSector(int clusterSize, long mftOffset, int recordSize, int indexBlockSize) {
    static final int MAX_CLUSTER = 2 << 20;
    static final int MIN_RECORD = 256;
    static final int MAX_RECORD = 65536;
    /** The system files (the $MFT itself, $Volume, the root...) the boot sector's MFT address always reaches. */
    static final int SYSTEM_RECORDS = 16;

    /** The geometry of {@code bootSector} (the volume's first 512 bytes) on a volume {@code volumeLength} long. */
    static Optional<NtfsBootSector> parse(ByteBuffer bootSector, long volumeLength) {
        if (bootSector.limit() < 512) {
            return Optional.empty();
        }
        ByteBuffer b = bootSector.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        int bytesPerSector = b.getShort(0x0b) & 0xffff;
        int sectorsPerClusterCode = b.get(0x0d) & 0xff;
        // above 0x80 the byte is a negative exponent: 2^(256 - v) sectors, how Windows writes clusters over 64 KiB
        long sectorsPerCluster = sectorsPerClusterCode > 0x80 ? 1L << Math.min(256 - sectorsPerClusterCode, 32)
                : sectorsPerClusterCode;
        if (bytesPerSector < 256 || bytesPerSector > 4096 || Integer.bitCount(bytesPerSector) != 1
                || sectorsPerCluster == 0 || Long.bitCount(sectorsPerCluster) != 1
                || bytesPerSector * sectorsPerCluster > MAX_CLUSTER) {
            return Optional.empty();
        }
        int clusterSize = (int) (bytesPerSector * sectorsPerCluster);
        long recordSize = size(b.get(0x40), clusterSize);
        long indexBlockSize = size(b.get(0x44), clusterSize);
        long mftLcn = b.getLong(0x30);
        if (!sound(recordSize) || !sound(indexBlockSize) || mftLcn < 0 || mftLcn > volumeLength / clusterSize
                || mftLcn * clusterSize > volumeLength - SYSTEM_RECORDS * recordSize) {
            return Optional.empty();
        }
        return Optional.of(new NtfsBootSector(clusterSize, mftLcn * clusterSize, (int) recordSize,
                (int) indexBlockSize));
    }

    /** Clusters in a volume of {@code volumeLength} bytes: the bound for every cluster number a runlist holds. */
    long clusters(long volumeLength) {
        return volumeLength / clusterSize;
    }

    /** A size byte: clusters when positive, 2^-v bytes when negative (how sizes under a cluster are written). */
    private static long size(byte v, int clusterSize) {
        if (v < 0) {
            return -v > 30 ? -1 : 1L << -v;
        }
        return (long) v * clusterSize;
    }

    private static boolean sound(long size) {
        return size >= MIN_RECORD && size <= MAX_RECORD && Long.bitCount(size) == 1;
    }
}
