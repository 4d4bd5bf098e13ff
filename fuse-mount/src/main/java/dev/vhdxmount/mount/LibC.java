package dev.vhdxmount.mount;

import jnr.ffi.LibraryLoader;

/**
 * The few libc functions the command line calls itself: the background mode's ({@code setsid}, {@code open},
 * {@code dup2}, {@code close}, {@code chdir}) and the libfuse 3 binding's image descriptors. Bound on their own rather than through
 * jnr-posix, whose binding of all of libc cost the serving process about 0.5 s of start-up, on the way to a visible
 * mount (scripts/bench.sh, docs/benchmarks.md).
 */
public interface LibC {
    int setsid();

    int open(String path, int flags, int mode);

    int dup2(int oldFd, int newFd);

    int close(int fd);

    int chdir(String path);

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
