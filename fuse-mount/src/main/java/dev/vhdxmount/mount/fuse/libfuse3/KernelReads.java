package dev.vhdxmount.mount.fuse.libfuse3;

import static dev.vhdxmount.mount.fuse.libfuse3.Fuse3Layout.IN_HEADER_LEN;
import static dev.vhdxmount.mount.fuse.libfuse3.Fuse3Layout.IN_HEADER_NODEID;
import static dev.vhdxmount.mount.fuse.libfuse3.Fuse3Layout.IN_HEADER_OPCODE;
import static dev.vhdxmount.mount.fuse.libfuse3.Fuse3Layout.IN_HEADER_SIZEOF;
import static dev.vhdxmount.mount.fuse.libfuse3.Fuse3Layout.IN_HEADER_UNIQUE;
import static dev.vhdxmount.mount.fuse.libfuse3.Fuse3Layout.OPCODE_READ;
import static dev.vhdxmount.mount.fuse.libfuse3.Fuse3Layout.OUT_HEADER_ERROR;
import static dev.vhdxmount.mount.fuse.libfuse3.Fuse3Layout.OUT_HEADER_LEN;
import static dev.vhdxmount.mount.fuse.libfuse3.Fuse3Layout.OUT_HEADER_SIZEOF;
import static dev.vhdxmount.mount.fuse.libfuse3.Fuse3Layout.OUT_HEADER_UNIQUE;
import static dev.vhdxmount.mount.fuse.libfuse3.Fuse3Layout.READ_IN_OFFSET;
import static dev.vhdxmount.mount.fuse.libfuse3.Fuse3Layout.READ_IN_SIZE;
import static dev.vhdxmount.mount.fuse.libfuse3.Fuse3Layout.READ_IN_SIZEOF;

import com.kenai.jffi.MemoryIO;

import dev.vhdxmount.mount.os.LibC;
import jnr.ffi.LastError;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

/**
 * Small reads answered without libfuse: a read request for fewer than {@link ReadReply#SMALL} bytes is recognised in
 * the buffer the serving thread received, and its reply (the kernel's header and the bytes) goes back to /dev/fuse in
 * one {@code writev}. A cached 4 KiB random read is the request a mount serves most often, and for it libfuse's part
 * (a request object, its list under a lock, the call up into Java through jnr-ffi, the reply's call back down) was
 * about a tenth of the server's CPU (docs/benchmarks.md). Every other request, and every read large enough to be
 * spliced, is still processed by libfuse.
 *
 * <p>Such a read has no libfuse request: it is named by the kernel's {@code unique}, {@linkplain #tag tagged} so that
 * a serving thread's read under way (a libfuse request pointer otherwise) says which kind it is, and the watchdog can
 * answer either. libfuse does not see these reads' interrupts either; its read callback never acted on them.
 *
 * <p>Thread-safe: each thread writes its replies' headers into its own memory.
 */
final class KernelReads {
    /** The bit that marks a tagged unique: above any user-space address (a libfuse request), below the sign. */
    private static final long TAG = 1L << 62;
    private static final MemoryIO MEMORY = MemoryIO.getInstance();
    /** A reply's header, then two struct iovec (header, bytes). */
    private static final int REPLY_SCRATCH = OUT_HEADER_SIZEOF + 32;

    /** A small read as the kernel asked for it: its unique, the node, where and how much. */
    record Request(long unique, long node, long offset, int size) {}

    private final LibC libc;
    private final int fd;
    private final ThreadLocal<Pointer> scratch;

    /** Replies go to {@code fd}: the session's /dev/fuse (a pipe in tests). */
    KernelReads(LibC libc, int fd) {
        this.libc = libc;
        this.fd = fd;
        Runtime runtime = Runtime.getSystemRuntime();
        this.scratch = ThreadLocal.withInitial(() -> Memory.allocateDirect(runtime, REPLY_SCRATCH, true));
    }

    /**
     * The small read in a request of {@code received} bytes at {@code address}, or null: another request, a read of
     * {@link ReadReply#SMALL} bytes or more, or one whose header does not fit what was received.
     */
    static Request parse(long address, long received) {
        if (received < IN_HEADER_SIZEOF + READ_IN_SIZEOF
                || MEMORY.getInt(address + IN_HEADER_OPCODE) != OPCODE_READ) {
            return null;
        }
        long length = Integer.toUnsignedLong(MEMORY.getInt(address + IN_HEADER_LEN));
        if (length < IN_HEADER_SIZEOF + READ_IN_SIZEOF || length > received) {
            return null;
        }
        long in = address + IN_HEADER_SIZEOF;
        int size = MEMORY.getInt(in + READ_IN_SIZE);
        if (size < 0 || size >= ReadReply.SMALL) {
            return null;
        }
        return new Request(MEMORY.getLong(address + IN_HEADER_UNIQUE), MEMORY.getLong(address + IN_HEADER_NODEID),
                MEMORY.getLong(in + READ_IN_OFFSET), size);
    }

    /** {@code unique} as a read under way holds it: unlike a libfuse request. */
    static long tag(long unique) {
        return TAG | unique;
    }

    /** Whether a read under way is one of these (a tagged unique), not a libfuse request. */
    static boolean tagged(long request) {
        return request > 0 && (request & TAG) != 0;
    }

    /** Replies {@code length} bytes at {@code address} to the read {@code tagged}; 0, or the negative errno. */
    int reply(long tagged, long address, int length) {
        return send(tagged, 0, address, length);
    }

    /** Answers the read {@code tagged} with {@code errno}; 0, or the negative errno of the write. */
    int error(long tagged, int errno) {
        return send(tagged, -errno, 0, 0);
    }

    private int send(long tagged, int error, long address, int length) {
        long header = scratch.get().address();
        long iovec = header + OUT_HEADER_SIZEOF;
        MEMORY.putInt(header + OUT_HEADER_LEN, OUT_HEADER_SIZEOF + length);
        MEMORY.putInt(header + OUT_HEADER_ERROR, error);
        MEMORY.putLong(header + OUT_HEADER_UNIQUE, tagged & ~TAG);
        MEMORY.putLong(iovec, header);
        MEMORY.putLong(iovec + 8, OUT_HEADER_SIZEOF);
        MEMORY.putLong(iovec + 16, address);
        MEMORY.putLong(iovec + 24, length);
        long n = libc.writev(fd, iovec, length > 0 ? 2 : 1);
        // the kernel takes a reply whole or not at all: ENOENT when the read was interrupted or the mount went
        return n >= 0 ? 0 : -LastError.getLastError(Runtime.getSystemRuntime());
    }
}
