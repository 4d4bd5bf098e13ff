package dev.vhdxmount.vhdx.fuzz;

import dev.vhdxmount.vhdx.Allocation;
import dev.vhdxmount.vhdx.VhdxImage;
import dev.vhdxmount.vhdx.VirtualDisk;
import dev.vhdxmount.vhdx.error.VhdxFormatException;
import dev.vhdxmount.vhdx.testkit.LocatedReader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Reads an opened disk the way a guest would, checking the {@code VirtualDisk.read} contract on every call: the
 * count returned is {@code min(remaining, size - offset)} (or -1 at the end), the buffer's position moved by exactly
 * that much and its limit is unchanged. A disk of at most {@link #WHOLE_DISK_LIMIT} is read whole in odd-sized
 * pieces (starting unaligned, so that they start mid-block and cross block boundaries); a larger one (mutated sizes
 * reach 64 TiB) has the first and last sector of a sample of blocks read, reads across block boundaries, random
 * ranges, its last bytes and past its end. One range is read twice and must read the same, and once more through
 * {@code locate} (the FUSE server's way), which must give the same bytes; its allocation map ({@code map}) must cover
 * it run after run, and every byte of a zero run must have read as zero. A read refused with VhdxFormatException
 * does not stop the others.
 */
final class DiskReader {
    static final long WHOLE_DISK_LIMIT = 256L << 20;
    private static final int SAMPLED_BLOCKS = 1024;
    private static final int RANDOM_RANGES = 32;

    /** The read contract was broken: a failure of the reader, not a format problem of the image. */
    static final class ContractViolation extends Exception {
        private static final long serialVersionUID = 1L;

        ContractViolation(String message) {
            super(message);
        }
    }

    private final VirtualDisk disk;
    private final SplittableRandom r;
    private final long size;
    private final ByteBuffer buffer;
    private int lastStart;
    private boolean lastRefused;
    private VhdxFormatException firstRefusal;
    private long bytesRead;

    DiskReader(VirtualDisk disk, SplittableRandom r) {
        this.disk = disk;
        this.r = r;
        this.size = disk.size();
        // heap or direct (FUSE hands the reader direct buffers), with room for an offset position
        this.buffer = r.nextBoolean() ? ByteBuffer.allocate((4 << 20) + 64) : ByteBuffer.allocateDirect((4 << 20) + 64);
    }

    long bytesRead() {
        return bytesRead;
    }

    /** Reads as described above; throws the first VhdxFormatException a read met, after reading the rest. */
    void readAll() throws IOException, ContractViolation {
        if (size < 0 || size > (64L << 40) || !validSector(disk.logicalSectorSize())
                || !validSector(disk.physicalSectorSize())) {
            throw new ContractViolation("opened with size " + size + ", sector sizes " + disk.logicalSectorSize()
                    + "/" + disk.physicalSectorSize());
        }
        if (size <= WHOLE_DISK_LIMIT) {
            readWhole();
        } else {
            readSampled();
        }
        read(size, 1 + r.nextInt(4096)); // at the end: -1
        read(size + r.nextInt(1 << 20), 512); // past the end: -1
        read(r.nextLong(size + 1), 0); // nothing asked: 0
        readTwice();
        if (firstRefusal != null) {
            throw firstRefusal;
        }
    }

    private void readWhole() throws IOException, ContractViolation {
        long offset = 0;
        int first = 1 + r.nextInt(4095); // unaligned from the start
        offset += read(offset, (int) Math.min(first, size));
        int piece = (int) Math.max(size / 2048, 512L * (1 + r.nextInt(4096)) + (r.nextBoolean() ? 0 : r.nextInt(512)));
        piece = Math.min(piece, 4 << 20);
        while (offset < size) {
            int n = read(offset, (int) Math.min(piece, size - offset));
            if (n <= 0) {
                throw new ContractViolation("read at " + offset + " of " + size + " returned " + n);
            }
            offset += n;
        }
    }

    private void readSampled() throws IOException, ContractViolation {
        int block = VhdxImage.info(disk).orElseThrow().metadata().fileParameters().blockSize();
        int sector = disk.logicalSectorSize();
        long blocks = (size + block - 1) / block;
        for (int i = 0; i < Math.min(blocks, SAMPLED_BLOCKS); i++) {
            long b = blocks <= SAMPLED_BLOCKS ? i : i < 256 ? i : i < 512 ? blocks - 512 + i : r.nextLong(blocks);
            long start = b * block;
            long end = Math.min(size, start + block);
            read(start, sector);
            read(end - sector, sector);
            if (end < size) {
                read(end - 1536, 4096); // across the boundary
            }
        }
        for (int i = 0; i < RANDOM_RANGES; i++) {
            read(r.nextLong(size), 1 + r.nextInt(1 << (1 + r.nextInt(21))));
        }
        read(Math.max(0, size - (1 << 20) - 7), (1 << 20) + 7);
    }

    private static boolean validSector(int bytes) {
        return bytes == 512 || bytes == 4096;
    }

    /** The same range twice: caches and overlays must not change what is read. */
    private void readTwice() throws IOException, ContractViolation {
        if (size == 0) {
            return;
        }
        long offset = r.nextLong(size);
        int length = (int) Math.min(size - offset, 1 + r.nextInt(256 * 1024));
        read(offset, length);
        byte[] first = lastRefused ? null : copy(length);
        read(offset, length);
        if (first != null && !lastRefused && !Arrays.equals(first, copy(length))) {
            throw new ContractViolation("two reads of " + length + " bytes at " + offset + " differ");
        }
        if (first != null) {
            readLocated(offset, first);
            readMapped(offset, first);
        }
    }

    /** The range's allocation map: runs that cover it in order, and zeros wherever it says zeros. */
    private void readMapped(long offset, byte[] read) throws IOException, ContractViolation {
        List<Allocation> runs = new ArrayList<>();
        try {
            disk.map(offset, read.length, runs::add);
        } catch (VhdxFormatException e) {
            throw new ContractViolation("map(" + offset + ", " + read.length + " bytes) failed where read() did"
                    + " not: " + e);
        }
        long at = offset;
        for (Allocation run : runs) {
            if (run.virtualOffset() != at || run.end() > offset + read.length) {
                throw new ContractViolation("map(" + offset + ", " + read.length + " bytes): run " + run
                        + " where " + at + " was expected");
            }
            at = run.end();
            if (run.zero()) {
                int from = (int) (run.virtualOffset() - offset);
                int nonZero = Arrays.mismatch(read, from, from + (int) run.length(), new byte[(int) run.length()], 0,
                        (int) run.length());
                if (nonZero >= 0) {
                    throw new ContractViolation("map says " + run + " reads as zeros, read() gave a non-zero byte"
                            + " at " + (run.virtualOffset() + nonZero));
                }
            }
        }
        if (at != offset + read.length) {
            throw new ContractViolation("map(" + offset + ", " + read.length + " bytes) ended at " + at);
        }
    }

    /** The range again through {@code locate}, as the FUSE server splices it: the same bytes, never refused. */
    private void readLocated(long offset, byte[] expected) throws IOException, ContractViolation {
        ByteBuffer located = ByteBuffer.allocate(expected.length);
        try {
            new LocatedReader(disk).read(offset, located);
        } catch (VhdxFormatException | AssertionError e) {
            throw new ContractViolation("locate(" + offset + ", " + expected.length + " bytes) failed where read()"
                    + " did not: " + e);
        }
        if (!Arrays.equals(expected, located.array())) {
            throw new ContractViolation("locate(" + offset + ", " + expected.length + " bytes) gave other bytes"
                    + " than read()");
        }
    }

    /** The bytes the last read put into the buffer. */
    private byte[] copy(int length) {
        byte[] b = new byte[length];
        buffer.get(lastStart, b);
        return b;
    }

    /**
     * One read, checked; returns the count. A read refused with VhdxFormatException is noted and counted as done,
     * and reading goes on, as a mount goes on after answering EIO for one range: later reads go deeper.
     */
    private int read(long offset, int length) throws IOException, ContractViolation {
        int start = r.nextInt(64);
        buffer.clear().position(start).limit(start + length);
        lastStart = start;
        int expected = expected(offset, length);
        int n;
        try {
            n = disk.read(offset, buffer);
            lastRefused = false;
        } catch (VhdxFormatException e) {
            firstRefusal = firstRefusal == null ? e : firstRefusal;
            lastRefused = true;
            return expected;
        }
        if (n != expected) {
            throw new ContractViolation("read(" + offset + ", " + length + " bytes) of a " + size
                    + "-byte disk returned " + n + ", expected " + expected);
        }
        if (buffer.position() != start + Math.max(n, 0) || buffer.limit() != start + length) {
            throw new ContractViolation("read(" + offset + ", " + length + " bytes) returned " + n
                    + " but left the buffer at position " + (buffer.position() - start) + ", limit "
                    + (buffer.limit() - start));
        }
        bytesRead += Math.max(n, 0);
        return n;
    }

    private int expected(long offset, int length) {
        if (offset >= size) {
            return length == 0 ? 0 : -1;
        }
        return (int) Math.min(length, size - offset);
    }
}
