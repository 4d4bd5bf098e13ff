package dev.vhdxmount.mount.fuse.libfuse3;

import static dev.vhdxmount.mount.fuse.libfuse3.Fuse3Layout.FIONREAD;
import static dev.vhdxmount.mount.fuse.libfuse3.Fuse3Layout.F_GETPIPE_SZ;
import static dev.vhdxmount.mount.fuse.libfuse3.Fuse3Layout.F_SETPIPE_SZ;
import static dev.vhdxmount.mount.fuse.libfuse3.Fuse3Layout.SPLICE_F_NONBLOCK;

import java.io.IOException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.kenai.jffi.MemoryIO;

import dev.vhdxmount.mount.os.LibC;
import dev.vhdxmount.vhdx.error.StorageException;
import dev.vhdxmount.vhdx.io.FileByteSource;
import jnr.constants.platform.Errno;
import jnr.constants.platform.OpenFlags;
import jnr.ffi.LastError;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;

/**
 * A pipe that one reply to a read is assembled in, whole, before libfuse sees any of it: image file ranges are spliced
 * into it (the kernel moves page references; nothing is copied), and zeros and bytes read in Java are mapped in with
 * vmsplice. libfuse then moves the pipe's contents on to the kernel ({@code FUSE_BUF_IS_FD} on the pipe).
 *
 * <p>Why not hand libfuse the image's own ranges, as a {@code fuse_bufvec} of file descriptors, and let it splice them?
 * Because libfuse then sends whatever its splices got: a storage error half-way through a range, or a file cut short,
 * gives a short reply, which the kernel takes for the end of disk.raw (and shrinks the file to). Splicing here, every
 * call's result is checked, so a reply is whole or not sent at all: the caller answers EIO.
 *
 * <p>A pipe holds a fixed number of buffers, each at most a page and usually one per page of a piece (more where a
 * piece starts inside a page), so its size is asked for as twice the largest reply spliced through it. Writes never
 * block ({@code SPLICE_F_NONBLOCK}): a reply that does not fit is reported, and copied instead. Not thread-safe: one
 * pipe per thread that replies.
 */
final class ReplyPipe implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ReplyPipe.class);
    private static final MemoryIO MEMORY = MemoryIO.getInstance();
    /** {@link #splice} and {@link #map}: the pipe has no room left. */
    static final int FULL = -1;

    private final LibC libc;
    private final jnr.ffi.Runtime runtime;
    private final int readFd;
    private final int writeFd;
    private final int size;
    /** Scratch for the calls' pointer arguments: FIONREAD's count, vmsplice's iovec. */
    private final long cells;
    /** splice's file offset. */
    private final Pointer fileOffset;

    private ReplyPipe(LibC libc, int readFd, int writeFd, int size, long cells) {
        this.libc = libc;
        // the one native runtime of the JVM, whose saved errno every bound call sets
        this.runtime = jnr.ffi.Runtime.getSystemRuntime();
        this.readFd = readFd;
        this.writeFd = writeFd;
        this.size = size;
        this.cells = cells;
        this.fileOffset = Memory.allocateDirect(runtime, 8, true);
    }

    /**
     * A pipe of at least {@code wanted} bytes, or null (said in the log) where none can be had: too many pipes for
     * this user, or a pipe-max-size below it. Replies are then copied.
     */
    static ReplyPipe open(LibC libc, int wanted) {
        int[] fds = new int[2];
        int flags = OpenFlags.O_CLOEXEC.intValue() | OpenFlags.O_NONBLOCK.intValue();
        if (libc.pipe2(fds, flags) != 0) {
            log.warn("cannot make a pipe for read replies ({}): reads are copied, not spliced", errnoName());
            return null;
        }
        int size = libc.fcntl(fds[0], F_SETPIPE_SZ, wanted);
        if (size < wanted) {
            int actual = libc.fcntl(fds[0], F_GETPIPE_SZ, 0);
            log.debug("a pipe of {} bytes cannot be had (F_SETPIPE_SZ: {}; it has {}): reads are copied, not spliced",
                    wanted, size < 0 ? errnoName() : size, actual);
            libc.close(fds[0]);
            libc.close(fds[1]);
            return null;
        }
        long cells = MEMORY.allocateMemory(32, true);
        if (cells == 0) {
            libc.close(fds[0]);
            libc.close(fds[1]);
            return null;
        }
        return new ReplyPipe(libc, fds[0], fds[1], size, cells);
    }

    /** The end libfuse reads the reply from. */
    int readDescriptor() {
        return readFd;
    }

    /** The pipe's size in bytes. */
    int size() {
        return size;
    }

    /**
     * Moves {@code length} bytes of {@code file} at {@code fileOffset} into the pipe, in as many splices as the kernel
     * takes.
     *
     * @return the bytes moved: {@code length}, or fewer where the file ends first; {@link #FULL} when the pipe has no
     *         room (the reply is then copied instead)
     * @throws StorageException when the storage fails the read: its errno, file and offset
     */
    int splice(FileByteSource file, long fileOffset, int length) throws StorageException {
        int done = 0;
        while (done < length) {
            this.fileOffset.putLong(0, fileOffset + done);
            long n = libc.splice(file.descriptor(), this.fileOffset, writeFd, null, length - done, SPLICE_F_NONBLOCK);
            if (n > 0) {
                done += (int) n;
            } else if (n == 0) {
                return done; // the file ends here
            } else {
                int errno = LastError.getLastError(runtime);
                if (errno == Errno.EAGAIN.intValue()) {
                    return FULL;
                }
                if (errno != Errno.EINTR.intValue()) {
                    throw new StorageException(file.path(), fileOffset + done, length - done, description(errno),
                            Errno.valueOf(errno).name(), null);
                }
            }
        }
        return done;
    }

    /**
     * Maps {@code length} bytes of memory at {@code address} into the pipe (vmsplice: the pipe refers to the pages, so
     * they must not change until the reply has been sent).
     *
     * @return {@code length}, or {@link #FULL}
     */
    int map(long address, int length) throws IOException {
        int done = 0;
        while (done < length) {
            MEMORY.putLong(cells + 16, address + done);
            MEMORY.putLong(cells + 24, length - done);
            long n = libc.vmsplice(writeFd, cells + 16, 1, SPLICE_F_NONBLOCK);
            if (n > 0) {
                done += (int) n;
            } else {
                int errno = LastError.getLastError(runtime);
                if (errno == Errno.EAGAIN.intValue()) {
                    return FULL;
                }
                if (errno != Errno.EINTR.intValue()) {
                    throw new IOException("vmsplice into the reply pipe: " + description(errno));
                }
            }
        }
        return done;
    }

    /** Bytes in the pipe now: none once libfuse has sent a reply. */
    int held() throws IOException {
        if (libc.ioctl(readFd, FIONREAD, cells + 8) != 0) {
            throw new IOException("FIONREAD on the reply pipe: " + errnoName());
        }
        return MEMORY.getInt(cells + 8);
    }

    /** Empties the pipe (a reply abandoned half-built, or not taken by libfuse), reading into {@code scratch}. */
    void clear(long scratch, int scratchSize) throws IOException {
        while (true) {
            long n = libc.read(readFd, scratch, scratchSize);
            if (n <= 0) {
                int errno = n == 0 ? 0 : LastError.getLastError(runtime);
                if (n == 0 || errno == Errno.EAGAIN.intValue()) {
                    return;
                }
                if (errno != Errno.EINTR.intValue()) {
                    throw new IOException("emptying the reply pipe: " + description(errno));
                }
            }
        }
    }

    @Override
    public void close() {
        libc.close(readFd);
        libc.close(writeFd);
        MEMORY.freeMemory(cells);
    }

    private static String errnoName() {
        return Errno.valueOf(LastError.getLastError(jnr.ffi.Runtime.getSystemRuntime())).name();
    }

    private static String description(int errno) {
        Errno e = Errno.valueOf(errno);
        return e.description() != null ? e.description() : "errno " + errno;
    }
}
