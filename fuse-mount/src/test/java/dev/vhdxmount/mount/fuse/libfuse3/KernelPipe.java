package dev.vhdxmount.mount.fuse.libfuse3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import com.kenai.jffi.MemoryIO;

import dev.vhdxmount.mount.os.LibC;

/**
 * /dev/fuse as far as {@link KernelReads} uses it, for tests: a pipe its replies go into, read back one reply at a
 * time (a reply under PIPE_BUF bytes goes into a pipe whole, as /dev/fuse takes it); and requests laid out as the
 * kernel sends them (linux/fuse.h), in a struct fuse_buf as libfuse's receive fills it.
 */
final class KernelPipe implements AutoCloseable {
    private static final MemoryIO MEMORY = MemoryIO.getInstance();

    /** One reply: the unique it answers, its error (0 or a negative errno), its bytes. */
    record Reply(long unique, int error, byte[] bytes) {}

    final LibC libc = LibC.load();
    private final int[] fds = new int[2];
    private final long buffer = MEMORY.allocateMemory(65536, true);
    private final long request = MEMORY.allocateMemory(4096, true);
    private final long fuseBuf = MEMORY.allocateMemory(64, true);

    KernelPipe() {
        assertEquals(0, libc.pipe2(fds, 0), "a pipe");
    }

    KernelReads kernelReads() {
        return new KernelReads(libc, fds[1]);
    }

    /** The next reply: its header, then as many bytes as the header says. */
    Reply next() {
        readFully(buffer, Fuse3Layout.OUT_HEADER_SIZEOF);
        ByteBuffer b = MEMORY.newDirectByteBuffer(buffer, 65536).order(ByteOrder.LITTLE_ENDIAN);
        int length = b.getInt(0);
        assertTrue(length >= Fuse3Layout.OUT_HEADER_SIZEOF && length <= 65536, "a reply's length: " + length);
        readFully(buffer + Fuse3Layout.OUT_HEADER_SIZEOF, length - Fuse3Layout.OUT_HEADER_SIZEOF);
        byte[] bytes = new byte[length - Fuse3Layout.OUT_HEADER_SIZEOF];
        b.position(Fuse3Layout.OUT_HEADER_SIZEOF).get(bytes);
        return new Reply(b.getLong(8), b.getInt(4), bytes);
    }

    private void readFully(long address, int length) {
        for (int done = 0; done < length; ) {
            long n = libc.read(fds[0], address + done, length - done);
            assertTrue(n > 0, "the pipe ended after " + done + " of " + length + " bytes");
            done += (int) n;
        }
    }

    /** Whether nothing more was written. */
    boolean empty() {
        long address = MEMORY.allocateMemory(8, true);
        try {
            assertEquals(0, libc.ioctl(fds[0], Fuse3Layout.FIONREAD, address));
            return MEMORY.getInt(address) == 0;
        } finally {
            MEMORY.freeMemory(address);
        }
    }

    /**
     * A struct fuse_buf holding a request of {@code opcode} (a read: struct fuse_read_in after the header), of which
     * {@code received} bytes came ({@code length} says how long the request is).
     */
    long request(int opcode, long unique, long node, long offset, int size, int length, int received) {
        ByteBuffer b = MEMORY.newDirectByteBuffer(request, 4096).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0, length).putInt(4, opcode).putLong(8, unique).putLong(16, node);
        b.putInt(24, 1000).putInt(28, 1000).putInt(32, 4242);
        b.putLong(40, 99).putLong(48, offset).putInt(56, size).putInt(60, 0).putLong(64, 0).putInt(72, 0x8000);
        MEMORY.putLong(fuseBuf + Fuse3Layout.BUF_SIZE, received);
        MEMORY.putInt(fuseBuf + Fuse3Layout.BUF_FLAGS, 0);
        MEMORY.putLong(fuseBuf + Fuse3Layout.BUF_MEM, request);
        return fuseBuf;
    }

    /** A whole read request. */
    long read(long unique, long node, long offset, int size) {
        return request(Fuse3Layout.OPCODE_READ, unique, node, offset, size, 80, 80);
    }

    @Override
    public void close() {
        libc.close(fds[0]);
        libc.close(fds[1]);
        MEMORY.freeMemory(buffer);
        MEMORY.freeMemory(request);
        MEMORY.freeMemory(fuseBuf);
    }
}
