package dev.vhdxmount.mount.fuse.libfuse2;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.kenai.jffi.MemoryIO;

import dev.vhdxmount.mount.fuse.DiskFileSystem;
import dev.vhdxmount.mount.fuse.DiskFileSystem.FileError;
import dev.vhdxmount.mount.fuse.FuseServer;
import dev.vhdxmount.mount.fuse.MountOptions;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Pointer;
import jnr.ffi.Struct;
import ru.serce.jnrfuse.ErrorCodes;
import ru.serce.jnrfuse.FuseFillDir;
import ru.serce.jnrfuse.FuseStubFS;
import ru.serce.jnrfuse.LibFuse;
import ru.serce.jnrfuse.struct.FileStat;
import ru.serce.jnrfuse.struct.FuseFileInfo;
import ru.serce.jnrfuse.struct.Statvfs;
import ru.serce.jnrfuse.struct.Timespec;

/**
 * {@link DiskFileSystem} served through jnr-fuse and libfuse 2, for systems without libfuse 3 (the default binding is
 * libfuse3's): each callback turns libfuse 2's path-based call into the model's and its answer (or errno) back.
 * Writes, truncate, flush and fsync go to the model, which takes them on a writable mount ({@code --overlay}) and
 * refuses them otherwise (on a read-only mount the kernel refuses them with EROFS before they get here); the operations
 * that would make, remove or rename nodes, or change modes and owners, are left to {@link FuseStubFS}, which answers
 * ENOSYS.
 *
 * <p>jnr-fuse calls these callbacks straight from libfuse with nothing around them, so every callback catches
 * everything: an exception becomes EIO and a log line, never a dead mount. Serving runs libfuse 2's {@code fuse_main}
 * single-threaded ({@code -s}): its multithreaded loop attaches each libfuse worker thread to the JVM for every
 * request, which costs more than it brings (docs/benchmarks.md). The disk reads straight into libfuse's buffer
 * through a direct ByteBuffer over it. libfuse 2 has no {@code lseek}.
 */
public final class Libfuse2Server extends FuseStubFS implements FuseServer {
    private static final Logger log = LoggerFactory.getLogger(Libfuse2Server.class);

    private final DiskFileSystem fs;
    private volatile Runnable onReady = () -> {};
    /** When the read under way began (System.nanoTime), or 0: one thread serves, so one read at most. */
    private volatile long readingSince;

    /** @throws LinkageError when libfuse 2 cannot be loaded (see {@link #probeLibrary}) */
    public Libfuse2Server(DiskFileSystem fs) {
        this.fs = fs;
    }

    /**
     * Loads libfuse 2 as jnr-fuse does (by the library name, then {@code libfuse.so.2}), to report a missing library
     * before anything is opened.
     *
     * @return null when it loads, else the failure
     */
    public static Throwable probeLibrary() {
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
    public boolean readsStuck(Duration longerThan) {
        long since = readingSince;
        return since != 0 && System.nanoTime() - since > longerThan.toNanos();
    }

    @Override
    public String description() {
        return "libfuse 2 through jnr-fuse (high-level API; reads copied through Java)";
    }

    /**
     * libfuse 2's own words for the options: in the foreground ({@code -f}, the session is ours), single-threaded
     * ({@code -s}), and {@code kernel_cache}: the page cache kept across opens (nothing served ever changes). A
     * writable mount's files are served with {@code direct_io} instead, without the page cache: a write through one
     * file changes the bytes of the others, behind their cache (Libfuse3Server#open says more), and with
     * {@code big_writes}: without it libfuse 2 has the kernel send writes of one page at a time.
     * {@code attr_timeout=0}: libfuse 2's high-level API has one attribute timeout for every reply, and st_blocks
     * changes once, when it is counted after the mount is up; a stat costs one call into the model, and reads never
     * wait for attributes (the kernel asks for them only when a buffered read reaches past the size it knows).
     */
    static List<String> arguments(Path mountPoint, MountOptions options) {
        List<String> argv = new ArrayList<>(List.of("vhdx-mount", "-f", "-s", "-o", options.overlay()
                ? "direct_io,big_writes" : "kernel_cache", "-o", "attr_timeout=0"));
        List<String> libfuse = new ArrayList<>(options.libfuseOptions());
        if (options.nonEmpty()) {
            libfuse.add("nonempty"); // libfuse 2 refuses a directory with entries unless told
        }
        for (String option : libfuse) {
            argv.add("-o");
            argv.add(option);
        }
        argv.add(mountPoint.toString());
        return argv;
    }

    @Override
    public int serve(Path mountPoint, MountOptions options, Runnable ready) {
        this.onReady = ready;
        List<String> argv = arguments(mountPoint, options);
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
            DiskFileSystem.Attributes a = fs.attributes(fs.inodeOf(path));
            stat.st_ino.set(a.inode());
            stat.st_mode.set(a.mode());
            stat.st_nlink.set(a.links());
            stat.st_size.set(a.size());
            stat.st_blocks.set(a.blocks());
            stat.st_uid.set(a.uid());
            stat.st_gid.set(a.gid());
            stat.st_blksize.set(DiskFileSystem.BLOCK_SIZE);
            setTime(stat.st_atim, a.atime());
            setTime(stat.st_mtim, a.mtime());
            setTime(stat.st_ctim, a.ctime());
            return 0;
        } catch (FileError e) {
            return -e.errno();
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
        try {
            fs.openDirectory(fs.inodeOf(path));
            return 0;
        } catch (FileError e) {
            return -e.errno();
        } catch (Throwable t) {
            return internalError("opendir", path, t);
        }
    }

    @Override
    public int readdir(String path, Pointer buf, FuseFillDir filler, long offset, FuseFileInfo fi) {
        try {
            // offset 0 to the filler: libfuse 2 gathers the whole listing itself
            for (DiskFileSystem.DirectoryEntry entry : fs.list(fs.inodeOf(path), 0)) {
                // NUL-terminated: jnr-fuse's String overload passes the bytes without one
                byte[] name = (entry.name() + '\0').getBytes(StandardCharsets.UTF_8);
                if (filler.apply(buf, ByteBuffer.wrap(name), null, 0) != 0) {
                    return -ErrorCodes.ENOMEM();
                }
            }
            return 0;
        } catch (FileError e) {
            return -e.errno();
        } catch (Throwable t) {
            return internalError("readdir", path, t);
        }
    }

    @Override
    public int open(String path, FuseFileInfo fi) {
        try {
            fs.open(fs.inodeOf(path), fi.flags.get());
            return 0;
        } catch (FileError e) {
            return -e.errno();
        } catch (Throwable t) {
            return internalError("open", path, t);
        }
    }

    @Override
    public int access(String path, int mask) {
        try {
            fs.access(fs.inodeOf(path), mask);
            return 0;
        } catch (FileError e) {
            return -e.errno();
        } catch (Throwable t) {
            return internalError("access", path, t);
        }
    }

    @Override
    public int read(String path, Pointer buf, long size, long offset, FuseFileInfo fi) {
        DiskFileSystem.Read read;
        try {
            read = fs.read(fs.inodeOf(path), offset, size);
        } catch (FileError e) {
            return -e.errno();
        } catch (Throwable t) {
            return internalError("read", path, t);
        }
        readingSince = System.nanoTime();
        try (read) {
            if (read.length() == 0) {
                return 0;
            }
            if (buf.isDirect()) {
                // the disk reads straight into libfuse's buffer
                DiskFileSystem.readFully(read, MemoryIO.getInstance().newDirectByteBuffer(buf.address(),
                        read.length()));
            } else {
                ByteBuffer copy = ByteBuffer.allocate(read.length());
                DiskFileSystem.readFully(read, copy);
                buf.put(0, copy.array(), 0, read.length());
            }
            return read.length();
        } catch (Throwable t) {
            return -fs.readFailed(t, path.substring(1), size, offset);
        } finally {
            readingSince = 0;
        }
    }

    @Override
    public int write(String path, Pointer buf, long size, long offset, FuseFileInfo fi) {
        try {
            if (size < 0 || size > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("a write of " + size + " bytes");
            }
            ByteBuffer data;
            if (buf.isDirect()) {
                data = MemoryIO.getInstance().newDirectByteBuffer(buf.address(), (int) size);
            } else {
                byte[] copy = new byte[(int) size];
                buf.get(0, copy, 0, copy.length);
                data = ByteBuffer.wrap(copy);
            }
            fs.write(fs.inodeOf(path), offset, data);
            return (int) size;
        } catch (FileError e) {
            return -e.errno();
        } catch (Throwable t) {
            return internalError("write", path, t);
        }
    }

    @Override
    public int truncate(String path, long size) {
        try {
            fs.setAttributes(fs.inodeOf(path), size, false);
            return 0;
        } catch (FileError e) {
            return -e.errno();
        } catch (Throwable t) {
            return internalError("truncate", path, t);
        }
    }

    @Override
    public int ftruncate(String path, long size, FuseFileInfo fi) {
        return truncate(path, size);
    }

    @Override
    public int flush(String path, FuseFileInfo fi) {
        try {
            fs.flush(fs.inodeOf(path));
            return 0;
        } catch (FileError e) {
            return -e.errno();
        } catch (Throwable t) {
            return internalError("flush", path, t);
        }
    }

    @Override
    public int fsync(String path, int isdatasync, FuseFileInfo fi) {
        try {
            fs.fsync(fs.inodeOf(path));
            return 0;
        } catch (FileError e) {
            return -e.errno();
        } catch (Throwable t) {
            return internalError("fsync", path, t);
        }
    }

    @Override
    public int statfs(String path, Statvfs stbuf) {
        try {
            DiskFileSystem.Statistics s = fs.statistics();
            stbuf.f_bsize.set(DiskFileSystem.BLOCK_SIZE);
            stbuf.f_frsize.set(DiskFileSystem.BLOCK_SIZE);
            stbuf.f_blocks.set(s.blocks());
            stbuf.f_bfree.set(0);
            stbuf.f_bavail.set(0);
            stbuf.f_files.set(s.files());
            stbuf.f_ffree.set(0);
            stbuf.f_favail.set(0);
            stbuf.f_flag.set((fs.writable() ? 0 : Statvfs.ST_RDONLY) | Statvfs.ST_NOSUID | Statvfs.ST_NODEV);
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
}
