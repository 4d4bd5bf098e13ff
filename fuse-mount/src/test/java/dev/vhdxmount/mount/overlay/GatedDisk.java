package dev.vhdxmount.mount.overlay;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.CountDownLatch;

import dev.vhdxmount.mount.fuse.FakeDisk;
import dev.vhdxmount.vhdx.VirtualDisk;

/**
 * A {@link FakeDisk} whose reads of one range stop until the test opens the gate: a write that copies a chunk up from
 * that range then stays in the middle of its work, holding its locks, for as long as the test likes.
 */
final class GatedDisk implements VirtualDisk {
    private final FakeDisk bytes;
    private final long gateFrom;
    private final long gateTo;
    final CountDownLatch entered = new CountDownLatch(1);
    final CountDownLatch open = new CountDownLatch(1);

    GatedDisk(long size, long gateFrom, long gateTo) {
        this.bytes = new FakeDisk(size, 512);
        this.gateFrom = gateFrom;
        this.gateTo = gateTo;
    }

    @Override
    public long size() {
        return bytes.size();
    }

    @Override
    public int logicalSectorSize() {
        return bytes.logicalSectorSize();
    }

    @Override
    public int physicalSectorSize() {
        return bytes.physicalSectorSize();
    }

    @Override
    public int read(long virtualOffset, ByteBuffer dst) throws IOException {
        if (virtualOffset < gateTo && virtualOffset + dst.remaining() > gateFrom) {
            entered.countDown();
            try {
                open.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted at the gate", e);
            }
        }
        return bytes.read(virtualOffset, dst);
    }

    @Override
    public void close() {}
}
