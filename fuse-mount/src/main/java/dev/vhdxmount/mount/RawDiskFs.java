package dev.vhdxmount.mount;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.kenai.jffi.MemoryIO;

import dev.vhdxmount.vhdx.VirtualDisk;
import jnr.constants.platform.OpenFlags;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Pointer;
import jnr.ffi.Struct;
import ru.serce.jnrfuse.ErrorCodes;
import ru.serce.jnrfuse.FuseFillDir;
import ru.serce.jnrfuse.FuseStubFS;
import ru.serce.jnrfuse.LibFuse;
import ru.serce.jnrfuse.flags.AccessConstants;
import ru.serce.jnrfuse.struct.FileStat;
import ru.serce.jnrfuse.struct.FuseFileInfo;
import ru.serce.jnrfuse.struct.Statvfs;
import ru.serce.jnrfuse.struct.Timespec;

/**
 * The FUSE file system over jnr-fuse and libfuse 2, the binding for systems without libfuse 3 (the default one is
 * {@code fuse3.Fuse3Server}): a read-only root directory that holds one regular file, {@code disk.raw}, whose bytes
 * are the virtual disk's. The two bindings are the only code that knows errno.
 *
 * <p>jnr-fuse calls these callbacks straight from libfuse with nothing around them, so every callback catches
 * everything: an exception becomes EIO and a log line, never a dead mount. Reads honour any offset and length, are
 * short only at the end of the disk, and keep no per-handle state (the disk is safe for concurrent reads). Every
 * operation that would modify anything answers EROFS.
 *
 * <p>Serving runs libfuse 2's {@code fuse_main} single-threaded ({@code -s}), and the disk reads straight into
 * libfuse's buffer through a direct ByteBuffer over it. Measured on a 1 GiB raw disk held in the page cache, served
 * CPU per GiB read with {@code dd bs=1M} (best of six): single-threaded, direct 0.52 s; single-threaded, through a
 * byte[] and {@code Pointer.put} 0.85 s; jnr-fuse's multithreaded loop (which attaches and detaches each libfuse worker
 * thread to the JVM per request), direct 0.93 s. libfuse 2 hands out at most 128 KiB per read.
 */
final class RawDiskFs extends FuseStubFS implements FuseServer {
    static final String FILE_PATH = "/" + FILE_NAME;
    private static final String ROOT = "/";
    /** I/O size that stat reports (st_blksize) and statfs's block size. */
    private static final int BLOCK_SIZE = 4096;

    private static final Logger log = LoggerFactory.getLogger(RawDiskFs.class);

    private final VirtualDisk disk;
    private final DiskFileAttributes attributes;
    private final ReadFailures failures = new ReadFailures();
    private volatile Runnable onReady = () -> {};

    /** @throws LinkageError when libfuse cannot be loaded (see {@link #probeLibrary}) */
    RawDiskFs(VirtualDisk disk, DiskFileAttributes attributes) {
        this.disk = disk;
        this.attributes = attributes;
    }

    /**
     * Loads libfuse as jnr-fuse does (by the library name, then {@code libfuse.so.2}), to report a missing library
     * before anything is opened.
     *
     * @return null when it loads, else the failure
     */
    static Throwable probeLibrary() {
        Throwable first;
        try {
            LibraryLoader.create(LibFuse.class).failImmediately().load("fuse");
            return null;
        } catch (Throwable e) {
            first = e;
        }
        try {
            LibraryLoader.create(LibFuse.class).failImmediately().load("libfuse.so.2");
            return null;
        } catch (Throwable e) {
            e.addSuppressed(first);
            return e;
        }
    }

    @Override
    public String description() {
        return "libfuse 2 through jnr-fuse (high-level API; reads copied through Java)";
    }

    @Override
    public int serve(Path mountPoint, List<String> options, Runnable onReady) {
        this.onReady = onReady;
        // kernel_cache: keep the page cache across opens (the image cannot change under a read-only mount)
        List<String> argv = new ArrayList<>(List.of("vhdx-mount", "-f", "-s", "-o", "kernel_cache"));
        for (String option : options) {
            argv.add("-o");
            argv.add(option);
        }
        argv.add(mountPoint.toString());
        String[] args = argv.toArray(String[]::new);
        log.debug("fuse_main {}", argv);
        return libFuse.fuse_main_real(args.length, args, fuseOperations, Struct.size(fuseOperations), null);
    }

    @Override
    public Pointer init(Pointer conn) {
        try {
            log.debug("FUSE session initialised");
            onReady.run();
        } catch (Throwable t) {
            log.error("internal error in init", t);
        }
        return null;
    }

    @Override
    public void destroy(Pointer initResult) {
        log.debug("FUSE session destroyed");
    }

    @Override
    public int getattr(String path, FileStat stat) {
        try {
            if (ROOT.equals(path)) {
                stat.st_mode.set(FileStat.S_IFDIR | 0555);
                stat.st_nlink.set(2);
                stat.st_size.set(0);
            } else if (FILE_PATH.equals(path)) {
                stat.st_mode.set(FileStat.S_IFREG | 0444);
                stat.st_nlink.set(1);
                stat.st_size.set(attributes.size());
                stat.st_blocks.set((attributes.size() + 511) / 512);
            } else {
                return -ErrorCodes.ENOENT();
            }
            stat.st_uid.set(attributes.uid());
            stat.st_gid.set(attributes.gid());
            stat.st_blksize.set(BLOCK_SIZE);
            setTime(stat.st_atim, attributes.atime());
            setTime(stat.st_mtim, attributes.mtime());
            setTime(stat.st_ctim, attributes.ctime());
            return 0;
        } catch (Throwable t) {
            return internalError("getattr", path, t);
        }
    }

    private static void setTime(Timespec timespec, FileTime time) {
        long nanos = time.to(TimeUnit.NANOSECONDS);
        timespec.tv_sec.set(Math.floorDiv(nanos, 1_000_000_000L));
        timespec.tv_nsec.set(Math.floorMod(nanos, 1_000_000_000L));
    }

    @Override
    public int opendir(String path, FuseFileInfo fi) {
        return ROOT.equals(path) ? 0 : notADirectory(path);
    }

    @Override
    public int readdir(String path, Pointer buf, FuseFillDir filler, long offset, FuseFileInfo fi) {
        try {
            if (!ROOT.equals(path)) {
                return notADirectory(path);
            }
            for (String name : new String[] {".", "..", FILE_NAME}) {
                // NUL-terminated: jnr-fuse's String overload passes the bytes without one
                if (filler.apply(buf, ByteBuffer.wrap((name + '\0').getBytes(StandardCharsets.UTF_8)), null, 0) != 0) {
                    return -ErrorCodes.ENOMEM();
                }
            }
            return 0;
        } catch (Throwable t) {
            return internalError("readdir", path, t);
        }
    }

    private static int notADirectory(String path) {
        return FILE_PATH.equals(path) ? -ErrorCodes.ENOTDIR() : -ErrorCodes.ENOENT();
    }

    @Override
    public int open(String path, FuseFileInfo fi) {
        try {
            if (!FILE_PATH.equals(path)) {
                return ROOT.equals(path) ? -ErrorCodes.EISDIR() : -ErrorCodes.ENOENT();
            }
            int flags = fi.flags.get();
            boolean readOnly = (flags & OpenFlags.O_ACCMODE.intValue()) == OpenFlags.O_RDONLY.intValue();
            return readOnly && (flags & OpenFlags.O_TRUNC.intValue()) == 0 ? 0 : -ErrorCodes.EROFS();
        } catch (Throwable t) {
            return internalError("open", path, t);
        }
    }

    @Override
    public int access(String path, int mask) {
        try {
            if (!ROOT.equals(path) && !FILE_PATH.equals(path)) {
                return -ErrorCodes.ENOENT();
            }
            if ((mask & AccessConstants.W_OK) != 0) {
                return -ErrorCodes.EROFS();
            }
            return (mask & AccessConstants.X_OK) != 0 && FILE_PATH.equals(path) ? -ErrorCodes.EACCES() : 0;
        } catch (Throwable t) {
            return internalError("access", path, t);
        }
    }

    @Override
    public int read(String path, Pointer buf, long size, long offset, FuseFileInfo fi) {
        try {
            if (!FILE_PATH.equals(path)) {
                return ROOT.equals(path) ? -ErrorCodes.EISDIR() : -ErrorCodes.ENOENT();
            }
            if (offset < 0 || size < 0) {
                return -ErrorCodes.EINVAL();
            }
            long diskSize = disk.size();
            if (offset >= diskSize || size == 0) {
                return 0;
            }
            int length = (int) Math.min(Math.min(size, diskSize - offset), Integer.MAX_VALUE);
            if (buf.isDirect()) {
                // the disk reads straight into libfuse's buffer
                return readFully(offset, MemoryIO.getInstance().newDirectByteBuffer(buf.address(), length));
            }
            byte[] copy = new byte[length];
            int n = readFully(offset, ByteBuffer.wrap(copy));
            buf.put(0, copy, 0, n);
            return n;
        } catch (Throwable t) {
            failures.log(t, size, offset);
            return -ErrorCodes.EIO();
        }
    }

    /** Fills {@code dst} from the disk, short only where the disk ends. */
    private int readFully(long offset, ByteBuffer dst) throws IOException {
        int total = 0;
        while (dst.hasRemaining()) {
            int n = disk.read(offset + total, dst);
            if (n < 0) {
                break;
            }
            if (n == 0) {
                // a short read would look like the end of the file to the kernel: fail loudly instead
                throw new IOException("the virtual disk returned no data at offset " + (offset + total)
                        + " before its end (" + disk.size() + ")");
            }
            total += n;
        }
        return total;
    }

    @Override
    public int statfs(String path, Statvfs stbuf) {
        try {
            stbuf.f_bsize.set(BLOCK_SIZE);
            stbuf.f_frsize.set(BLOCK_SIZE);
            stbuf.f_blocks.set((attributes.size() + BLOCK_SIZE - 1) / BLOCK_SIZE);
            stbuf.f_bfree.set(0);
            stbuf.f_bavail.set(0);
            stbuf.f_files.set(2);
            stbuf.f_ffree.set(0);
            stbuf.f_favail.set(0);
            stbuf.f_flag.set(Statvfs.ST_RDONLY | Statvfs.ST_NOSUID | Statvfs.ST_NODEV);
            stbuf.f_namemax.set(255);
            return 0;
        } catch (Throwable t) {
            return internalError("statfs", path, t);
        }
    }

    private static int internalError(String operation, String path, Throwable t) {
        log.error("internal error in {}({})", operation, path, t);
        return -ErrorCodes.EIO();
    }

    private static int readOnly() {
        return -ErrorCodes.EROFS();
    }

    // Everything that would modify the file system: read-only.

    @Override
    public int mknod(String path, long mode, long rdev) {
        return readOnly();
    }

    @Override
    public int mkdir(String path, long mode) {
        return readOnly();
    }

    @Override
    public int unlink(String path) {
        return readOnly();
    }

    @Override
    public int rmdir(String path) {
        return readOnly();
    }

    @Override
    public int symlink(String oldpath, String newpath) {
        return readOnly();
    }

    @Override
    public int rename(String oldpath, String newpath) {
        return readOnly();
    }

    @Override
    public int link(String oldpath, String newpath) {
        return readOnly();
    }

    @Override
    public int chmod(String path, long mode) {
        return readOnly();
    }

    @Override
    public int chown(String path, long uid, long gid) {
        return readOnly();
    }

    @Override
    public int truncate(String path, long size) {
        return readOnly();
    }

    @Override
    public int write(String path, Pointer buf, long size, long offset, FuseFileInfo fi) {
        return readOnly();
    }

    @Override
    public int create(String path, long mode, FuseFileInfo fi) {
        return readOnly();
    }

    @Override
    public int ftruncate(String path, long size, FuseFileInfo fi) {
        return readOnly();
    }

    @Override
    public int utimens(String path, Timespec[] timespec) {
        return readOnly();
    }

    @Override
    public int setxattr(String path, String name, Pointer value, long size, int flags) {
        return readOnly();
    }

    @Override
    public int removexattr(String path, String name) {
        return readOnly();
    }

    @Override
    public int fallocate(String path, int mode, long off, long length, FuseFileInfo fi) {
        return readOnly();
    }
}
