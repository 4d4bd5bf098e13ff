package dev.vhdxmount.mount.fuse;

import java.io.IOException;
import java.nio.ByteBuffer;

import dev.vhdxmount.vhdx.VirtualDisk;

/**
 * A virtual disk for tests without files: byte i is {@link #byteAt(long)}; reads of a chosen range can fail with a
 * chosen exception, and {@link #maxChunk} makes reads return in small pieces as a real reader does at block edges.
 */
public final class FakeDisk implements VirtualDisk {
    private final long size;
    private final int logicalSectorSize;
    private long failFrom = Long.MAX_VALUE;
    private Exception failure;
    private int maxChunk = Integer.MAX_VALUE;
    private boolean stall;
    boolean closed;

    public FakeDisk(long size, int logicalSectorSize) {
        this.size = size;
        this.logicalSectorSize = logicalSectorSize;
    }

    public static byte byteAt(long offset) {
        return (byte) (offset * 31 + (offset >>> 9) * 7);
    }

    /** Reads touching [from, end) throw {@code e} (an IOException or a RuntimeException). */
    public FakeDisk failFrom(long from, Exception e) {
        this.failFrom = from;
        this.failure = e;
        return this;
    }

    public FakeDisk maxChunk(int bytes) {
        this.maxChunk = bytes;
        return this;
    }

    /** Every read returns 0 bytes: a broken reader. */
    public FakeDisk stall() {
        this.stall = true;
        return this;
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public int logicalSectorSize() {
        return logicalSectorSize;
    }

    @Override
    public int physicalSectorSize() {
        return 4096;
    }

    @Override
    public int read(long virtualOffset, ByteBuffer dst) throws IOException {
        if (virtualOffset < 0) {
            throw new IllegalArgumentException("negative offset");
        }
        if (virtualOffset >= size) {
            return -1;
        }
        if (stall) {
            return 0;
        }
        int n = (int) Math.min(Math.min(dst.remaining(), size - virtualOffset), maxChunk);
        if (virtualOffset + n > failFrom) {
            if (failure instanceof IOException io) {
                throw io;
            }
            throw (RuntimeException) failure;
        }
        for (int i = 0; i < n; i++) {
            dst.put(byteAt(virtualOffset + i));
        }
        return n;
    }

    @Override
    public void close() {
        closed = true;
    }
}
