package dev.vhdxmount.mount.fuse.libfuse3;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Pointer;
import jnr.ffi.annotations.Delegate;
import jnr.ffi.annotations.IgnoreError;

/**
 * The part of libfuse 3's low-level API that the binding calls, and the callbacks it registers, bound with jnr-ffi.
 * Requests, inodes and libfuse's structures travel as plain {@code long}s (addresses and 64-bit integers): the read
 * path allocates no wrapper objects, and the replies skip errno bookkeeping ({@link IgnoreError}).
 */
public interface Fuse3Library {

    /**
     * The library file names tried, in order: runtime packages ship only the versioned name, which 3.17 changed
     * (Debian 13's libfuse3-4 has libfuse3.so.4, with the same 3.x symbols); "fuse3" finds the development link.
     */
    String[] NAMES = {"libfuse3.so.4", "libfuse3.so.3", "fuse3"};

    /**
     * Loads libfuse 3 once per JVM (the probe and the server share the binding, which jnr-ffi generates at some cost);
     * throws the first failure, with the others suppressed, when no name loads.
     */
    static Fuse3Library load() {
        return Loaded.get();
    }

    /**
     * libfuse 3.17's {@code fuse_session_new_versioned}, from the library {@link #load} loaded: bound on its own
     * because older releases lack it, and a binding with a missing function does not load.
     */
    static Versioned loadVersioned() {
        return LibraryLoader.create(Versioned.class).failImmediately().load(Loaded.name());
    }

    /** The one binding of this JVM. */
    final class Loaded {
        private static Fuse3Library library;
        private static String name;

        private Loaded() {}

        static synchronized String name() {
            get();
            return name;
        }

        static synchronized Fuse3Library get() {
            if (library != null) {
                return library;
            }
            LinkageError first = null;
            for (String candidate : NAMES) {
                try {
                    library = LibraryLoader.create(Fuse3Library.class).failImmediately().load(candidate);
                    name = candidate;
                    return library;
                } catch (LinkageError e) {
                    if (first == null) {
                        first = e;
                    } else {
                        first.addSuppressed(e);
                    }
                }
            }
            throw first;
        }
    }

    /** libfuse's version as major * 100 + minor (314 for 3.14). */
    int fuse_version();

    /** libfuse's release, e.g. "3.14.0": unlike {@link #fuse_version()}, it tells 3.14.0 from 3.14.1. */
    String fuse_pkgversion();

    /** Before 3.17, and the unversioned compatibility entry of later releases. */
    long fuse_session_new(Pointer args, Pointer ops, long opsSize, Pointer userdata);

    int fuse_session_mount(long session, String mountPoint);

    /** Reads the next request into a {@code struct fuse_buf}: its size, 0 once unmounted, or -errno. */
    @IgnoreError
    int fuse_session_receive_buf(long session, long buf);

    /** Answers the request in {@code buf}: calls the operation's callback on this thread. */
    @IgnoreError
    void fuse_session_process_buf(long session, long buf);

    int fuse_session_exited(long session);

    /** The session's /dev/fuse descriptor. */
    int fuse_session_fd(long session);

    void fuse_session_exit(long session);

    void fuse_session_unmount(long session);

    void fuse_session_destroy(long session);

    @IgnoreError
    int fuse_reply_err(long req, int err);

    @IgnoreError
    void fuse_reply_none(long req);

    @IgnoreError
    int fuse_reply_entry(long req, long entryParam);

    @IgnoreError
    int fuse_reply_attr(long req, long stat, double attrTimeout);

    @IgnoreError
    int fuse_reply_open(long req, long fileInfo);

    @IgnoreError
    int fuse_reply_buf(long req, long buf, long size);

    @IgnoreError
    int fuse_reply_write(long req, long count);

    @IgnoreError
    int fuse_reply_data(long req, long bufvec, int flags);

    @IgnoreError
    int fuse_reply_statfs(long req, long statvfs);

    @IgnoreError
    int fuse_reply_lseek(long req, long offset);

    @IgnoreError
    long fuse_add_direntry(long req, long buf, long bufSize, String name, long stat, long nextOffset);

    /** What 3.17 added: the session learns which release's structures its caller speaks. */
    interface Versioned {
        long fuse_session_new_versioned(Pointer args, Pointer ops, long opsSize, Pointer version, Pointer userdata);
    }

    // The callbacks of struct fuse_lowlevel_ops that the binding fills (Fuse3Layout.OP_*).

    interface Init {
        @Delegate
        void call(long userdata, long conn);
    }

    interface Destroy {
        @Delegate
        void call(long userdata);
    }

    interface Lookup {
        @Delegate
        void call(long req, long parent, Pointer name);
    }

    interface Forget {
        @Delegate
        void call(long req, long ino, long nlookup);
    }

    /** getattr, open, release, opendir, releasedir: (req, ino, fuse_file_info *). */
    interface InodeFileOp {
        @Delegate
        void call(long req, long ino, long fileInfo);
    }

    /** read and readdir: (req, ino, size, off, fuse_file_info *). */
    interface ReadOp {
        @Delegate
        void call(long req, long ino, long size, long offset, long fileInfo);
    }

    /** setattr: (req, ino, struct stat *attr, int to_set, fuse_file_info *). */
    interface Setattr {
        @Delegate
        void call(long req, long ino, long attr, int toSet, long fileInfo);
    }

    /**
     * write: (req, ino, const char *buf, size_t size, off_t off, fuse_file_info *). The buffer is a Pointer: jnr-ffi
     * passes a garbage sixth argument where all six are primitives.
     */
    interface Write {
        @Delegate
        void call(long req, long ino, Pointer buf, long size, long offset, long fileInfo);
    }

    /** fsync: (req, ino, int datasync, fuse_file_info *). */
    interface Fsync {
        @Delegate
        void call(long req, long ino, int datasync, long fileInfo);
    }

    interface Statfs {
        @Delegate
        void call(long req, long ino);
    }

    /** lseek: (req, ino, off, whence, fuse_file_info *). */
    interface Lseek {
        @Delegate
        void call(long req, long ino, long offset, int whence, long fileInfo);
    }
}
