package dev.vhdxmount.mount.fuse3;

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

    /** The library file names tried, in order: libfuse 3's runtime package ships only the versioned one. */
    String[] NAMES = {"libfuse3.so.3", "fuse3"};

    /**
     * Loads libfuse 3 once per JVM (the probe and the server share the binding, which jnr-ffi generates at some cost);
     * throws the first failure, with the others suppressed, when no name loads.
     */
    static Fuse3Library load() {
        return Loaded.get();
    }

    /** The one binding of this JVM. */
    final class Loaded {
        private static Fuse3Library library;

        private Loaded() {}

        static synchronized Fuse3Library get() {
            if (library != null) {
                return library;
            }
            LinkageError first = null;
            for (String name : NAMES) {
                try {
                    library = LibraryLoader.create(Fuse3Library.class).failImmediately().load(name);
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

    long fuse_session_new(Pointer args, Pointer ops, long opsSize, Pointer userdata);

    int fuse_session_mount(long session, String mountPoint);

    int fuse_session_loop(long session);

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
    int fuse_reply_data(long req, long bufvec, int flags);

    @IgnoreError
    int fuse_reply_statfs(long req, long statvfs);

    @IgnoreError
    long fuse_add_direntry(long req, long buf, long bufSize, String name, long stat, long nextOffset);

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

    interface Statfs {
        @Delegate
        void call(long req, long ino);
    }
}
