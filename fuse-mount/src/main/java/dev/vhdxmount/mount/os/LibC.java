package dev.vhdxmount.mount.os;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Pointer;
import jnr.ffi.annotations.Out;

/**
 * The few libc functions the command line calls itself: the background mode's ({@code setsid}, {@code open},
 * {@code dup2}, {@code close}, {@code chdir}), the libfuse 3 binding's image descriptors and the pipe it assembles
 * each reply in ({@code pipe2}, {@code fcntl}, {@code splice}, {@code vmsplice}, {@code ioctl}, {@code read},
 * {@code preadv2}, {@code poll}, and {@code writev} for the small reads it answers itself; pointers travel as
 * addresses in {@code long}s), and vhdx-info's {@code isatty}. Bound on their own rather than through jnr-posix,
 * whose binding of all of libc cost the serving process about 0.5 s of start-up, on the way to a visible mount
 * (scripts/bench.sh, docs/benchmarks.md).
 */
public interface LibC {
    int setsid();

    int open(String path, int flags, int mode);

    int dup2(int oldFd, int newFd);

    int close(int fd);

    int chdir(String path);

    int pipe2(@Out int[] fds, int flags);

    int fcntl(int fd, int command, int argument);

    /**
     * Offsets as {@link Pointer}s: with six primitive arguments, jnr-ffi's fast path passed garbage as the sixth
     * (strace showed stray bits in the flags, and splice failed with EINVAL).
     */
    long splice(int fdIn, Pointer offsetIn, int fdOut, Pointer offsetOut, long length, int flags);

    long vmsplice(int fd, long iovec, long count, int flags);

    int ioctl(int fd, long request, long argument);

    long read(int fd, long buffer, long count);

    /** Writes {@code count} struct iovec at {@code iovec} as one: a FUSE reply, header and bytes (KernelReads). */
    long writev(int fd, long iovec, int count);

    /** With {@code RWF_NOWAIT}: a read of what the page cache holds, that never waits for the storage. */
    long preadv2(int fd, long iovec, int count, long offset, int flags);

    /** Waits for events on {@code count} struct pollfd at {@code fds}. */
    int poll(long fds, long count, int timeoutMillis);

    /** 1 when {@code fd} is a terminal: whether a progress line may be drawn on stderr. */
    int isatty(int fd);

    /** Frees what the C library allocated (libfuse's request buffers). */
    void free(long pointer);

    /** Loads libc; one binding per JVM is enough. */
    static LibC load() {
        return Holder.INSTANCE;
    }

    /** Loaded on first use only. */
    final class Holder {
        private static final LibC INSTANCE = LibraryLoader.create(LibC.class).failImmediately().load("c");

        private Holder() {}
    }
}
