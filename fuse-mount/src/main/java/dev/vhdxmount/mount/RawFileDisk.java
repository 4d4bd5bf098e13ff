package dev.vhdxmount.mount;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import dev.vhdxmount.vhdx.VirtualDisk;

/**
 * A raw disk file as a {@link VirtualDisk}: only for the {@link Images#TEST_OPEN_RAW_ENV} test hook, so that the FUSE
 * path can be tested on a known raw image without the VHDX reader.
 */
final class RawFileDisk implements VirtualDisk {
    private final FileChannel channel;
    private final long size;
    private final int logicalSectorSize;

    private RawFileDisk(FileChannel channel, long size, int logicalSectorSize) {
        this.channel = channel;
        this.size = size;
        this.logicalSectorSize = logicalSectorSize;
    }

    static RawFileDisk open(Path path, int logicalSectorSize) throws IOException {
        if (logicalSectorSize != 512 && logicalSectorSize != 4096) {
            throw new IllegalArgumentException("logical sector size must be 512 or 4096: " + logicalSectorSize);
        }
        FileChannel channel = FileChannel.open(path, StandardOpenOption.READ);
        return new RawFileDisk(channel, channel.size(), logicalSectorSize);
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
        return logicalSectorSize;
    }

    @Override
    public int read(long virtualOffset, ByteBuffer dst) throws IOException {
        if (virtualOffset < 0) {
            throw new IllegalArgumentException("negative offset " + virtualOffset);
        }
        if (virtualOffset >= size) {
            return dst.hasRemaining() ? -1 : 0;
        }
        int total = 0;
        while (dst.hasRemaining() && virtualOffset + total < size) {
            int n = channel.read(dst, virtualOffset + total);
            if (n < 0) {
                break;
            }
            total += n;
        }
        return total;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
