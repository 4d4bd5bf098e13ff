package dev.vhdxmount.mount.partitions;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import dev.vhdxmount.vhdx.VirtualDisk;

/**
 * A disk of hand-built bytes for the parser tests: zeros but for the writes (later ones win), of any size (a 2 TiB
 * disk costs its writes). Counts what is read, and fails reads from a chosen offset on.
 */
final class MemoryDisk implements VirtualDisk {
    private record Write(long offset, byte[] bytes) {}

    private final long size;
    private final int sectorSize;
    private final List<Write> writes = new ArrayList<>();
    private long failFrom = Long.MAX_VALUE;
    long bytesRead;
    long highestRead = -1;

    MemoryDisk(long size, int sectorSize) {
        this.size = size;
        this.sectorSize = sectorSize;
    }

    MemoryDisk write(long offset, byte[] bytes) {
        if (offset < 0 || offset + bytes.length > size) {
            throw new IllegalArgumentException("write at " + offset + " of " + bytes.length + " past " + size);
        }
        writes.add(new Write(offset, bytes.clone()));
        return this;
    }

    /** Writes {@code bytes} at sector {@code lba}. */
    MemoryDisk sector(long lba, byte[] bytes) {
        return write(lba * sectorSize, bytes);
    }

    MemoryDisk failFrom(long offset) {
        this.failFrom = offset;
        return this;
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public int logicalSectorSize() {
        return sectorSize;
    }

    @Override
    public int physicalSectorSize() {
        return sectorSize;
    }

    @Override
    public int read(long virtualOffset, ByteBuffer dst) throws IOException {
        if (virtualOffset >= size) {
            return -1;
        }
        int n = (int) Math.min(dst.remaining(), size - virtualOffset);
        if (virtualOffset + n > failFrom) {
            throw new IOException("Input/output error");
        }
        byte[] out = new byte[n];
        for (Write w : writes) {
            long from = Math.max(w.offset, virtualOffset);
            long to = Math.min(w.offset + w.bytes.length, virtualOffset + n);
            if (from < to) {
                System.arraycopy(w.bytes, (int) (from - w.offset), out, (int) (from - virtualOffset),
                        (int) (to - from));
            }
        }
        dst.put(out);
        bytesRead += n;
        highestRead = Math.max(highestRead, virtualOffset + n);
        return n;
    }

    @Override
    public void close() {}
}
