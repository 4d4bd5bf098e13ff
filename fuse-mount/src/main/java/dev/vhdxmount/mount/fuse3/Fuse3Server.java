package dev.vhdxmount.mount.fuse3;

import static dev.vhdxmount.mount.fuse3.Fuse3Layout.*;

import java.io.IOException;
import java.lang.ref.Reference;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.kenai.jffi.MemoryIO;

import dev.vhdxmount.mount.DiskFileAttributes;
import dev.vhdxmount.mount.FuseServer;
import dev.vhdxmount.mount.LibC;
import dev.vhdxmount.mount.ReadFailures;
import dev.vhdxmount.mount.UnsupportedLibfuse;
import dev.vhdxmount.vhdx.VirtualDisk;
import dev.vhdxmount.vhdx.io.FileOpener;
import jnr.constants.platform.Errno;
import jnr.constants.platform.OpenFlags;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

/**
 * The file system over libfuse 3's low-level API: inode 1 is the read-only root directory, inode 2 is
 * {@code disk.raw}. Reads are answered by {@link ReadReply}, which splices the image's own file ranges
 * into the kernel; nothing served ever changes, so the kernel may cache attributes, names and data for as long as it
 * likes ({@code keep_cache} on every open: a second read of the disk comes from the page cache).
 *
 * <p>libfuse calls back on the loop thread, which is a Java thread ({@code fuse_session_loop}, single-threaded: a
 * multithreaded loop would attach each libfuse worker to the JVM, which costs more than it brings). Every callback
 * replies exactly once and catches everything: a failure is EIO and a log line, never a dead mount. Operations that
 * would write are left unset, so libfuse answers ENOSYS; the mount is read-only, so the kernel refuses them with
 * EROFS before they get here.
 */
public final class Fuse3Server implements FuseServer {
    static final long ROOT = 1;
    static final long DISK = 2;
    /** Seconds the kernel may trust names and attributes: they never change. */
    private static final double TIMEOUT = 24 * 3600.0;
    /** I/O size that stat reports (st_blksize) and statfs's block size. */
    private static final int BLOCK_SIZE = 4096;
    private static final int S_IFDIR = 0040000;
    private static final int S_IFREG = 0100000;
    private static final int DIRECTORY_BUFFER = 4096;
    /**
     * The largest read request the kernel may send (mount option max_read), unless the user asks for another. At
     * libfuse 3's own limit, 1 MiB, a reply needs a pipe larger than the kernel's pipe-max-size (1 MiB):
     * libfuse's F_SETPIPE_SZ fails, and from then on it answers every read with an allocation, a read and a copy
     * instead of a splice; O_DIRECT reads of 1 MiB took 2.5 times the CPU of 512 KiB ones (docs/benchmarks.md).
     */
    static final int DEFAULT_MAX_READ = 512 * 1024;

    private static final Logger log = LoggerFactory.getLogger(Fuse3Server.class);
    private static final MemoryIO MEMORY = MemoryIO.getInstance();

    private final Fuse3Library fuse;
    /** The loaded release, and the layout of the structures that differ between releases. */
    private final Fuse3Abi.Release release;
    private final Fuse3Abi abi;
    private final Runtime runtime;
    private final VirtualDisk disk;
    private final DiskFileAttributes attributes;
    private final ReadFailures failures = new ReadFailures();
    private final ReadReply reads;
    /** The callbacks, held here so that the collector cannot free them while libfuse may call them. */
    private final List<Object> callbacks = new ArrayList<>();
    private final Pointer ops;
    /** One struct stat, one fuse_entry_param, one struct statvfs and a directory listing: the loop is one thread. */
    private final Pointer stat;
    private final Pointer entry;
    private final Pointer statvfs;
    private final Pointer directory;
    private volatile Runnable onReady = () -> {};
    /** The max_read mount option in force; libfuse 3 refuses a session whose init says otherwise. */
    private volatile int maxRead = DEFAULT_MAX_READ;

    /**
     * @throws LinkageError        when libfuse 3 cannot be loaded (see {@link #probeLibrary})
     * @throws UnsupportedLibfuse when it is a release whose structures this binding does not know
     */
    public Fuse3Server(VirtualDisk disk, DiskFileAttributes attributes) throws UnsupportedLibfuse {
        this.fuse = Fuse3Library.load();
        this.release = Fuse3Abi.Release.parse(fuse.fuse_pkgversion());
        this.abi = Fuse3Abi.of(release);
        this.runtime = Runtime.getRuntime(fuse);
        this.disk = disk;
        this.attributes = attributes;
        this.stat = Memory.allocateDirect(runtime, STAT_SIZEOF, true);
        this.entry = Memory.allocateDirect(runtime, ENTRY_SIZE, true);
        this.statvfs = Memory.allocateDirect(runtime, STATVFS_SIZEOF, true);
        this.directory = Memory.allocateDirect(runtime, DIRECTORY_BUFFER, true);
        this.ops = Memory.allocateDirect(runtime, OPS_SIZE, true);
        register(OP_INIT, Fuse3Library.Init.class, (Fuse3Library.Init) this::init);
        register(OP_DESTROY, Fuse3Library.Destroy.class, (Fuse3Library.Destroy) userdata -> log.debug(
                "FUSE session destroyed"));
        register(OP_LOOKUP, Fuse3Library.Lookup.class, (Fuse3Library.Lookup) this::lookup);
        register(OP_FORGET, Fuse3Library.Forget.class, (Fuse3Library.Forget) (req, ino, n) -> fuse.fuse_reply_none(req));
        register(OP_GETATTR, Fuse3Library.InodeFileOp.class, (Fuse3Library.InodeFileOp) this::getattr);
        register(OP_OPEN, Fuse3Library.InodeFileOp.class, (Fuse3Library.InodeFileOp) this::open);
        register(OP_READ, Fuse3Library.ReadOp.class, (Fuse3Library.ReadOp) this::read);
        register(OP_RELEASE, Fuse3Library.InodeFileOp.class, (Fuse3Library.InodeFileOp) this::release);
        register(OP_OPENDIR, Fuse3Library.InodeFileOp.class, (Fuse3Library.InodeFileOp) this::opendir);
        register(OP_READDIR, Fuse3Library.ReadOp.class, (Fuse3Library.ReadOp) this::readdir);
        register(OP_RELEASEDIR, Fuse3Library.InodeFileOp.class, (Fuse3Library.InodeFileOp) this::release);
        register(OP_STATFS, Fuse3Library.Statfs.class, (Fuse3Library.Statfs) this::statfs);
        this.reads = new ReadReply(fuse, abi, disk, LibC.load());
    }

    /**
     * Loads libfuse 3 and checks that its release is one whose structures this binding knows, to report a missing or
     * unknown library before anything is opened.
     *
     * @return null when it loads and is known; else the failure, an {@link UnsupportedLibfuse} for an unknown release
     */
    public static Throwable probeLibrary() {
        try {
            Fuse3Abi.of(Fuse3Abi.Release.parse(Fuse3Library.load().fuse_pkgversion()));
            return null;
        } catch (Throwable e) {
            return e;
        }
    }

    /** How the image files must be opened for this server: with OS descriptors that replies can splice from. */
    public static FileOpener fileOpener() {
        return new DescriptorOpener();
    }

    private <T> void register(int slot, Class<T> type, T callback) {
        callbacks.add(callback);
        ops.putAddress(slot * 8L, runtime.getClosureManager().getClosurePointer(type, callback).address());
    }

    @Override
    public String description() {
        return "libfuse " + release + " (" + Fuse3Library.Loaded.name() + ", low-level API through jnr-ffi; reads"
                + " spliced from the image)";
    }

    @Override
    public int serve(Path mountPoint, List<String> options, Runnable ready) {
        this.onReady = ready;
        List<String> argv = new ArrayList<>(List.of("vhdx-mount", "-o", "max_read=" + DEFAULT_MAX_READ));
        for (String option : options) {
            argv.add("-o");
            argv.add(option);
            // the last max_read wins, as in libfuse's own parsing
            for (String o : option.split(",")) {
                if (o.startsWith("max_read=")) {
                    try {
                        maxRead = Integer.parseUnsignedInt(o.substring("max_read=".length()));
                    } catch (NumberFormatException e) {
                        log.debug("{}: not a number; libfuse will say so", o); // and refuse it
                    }
                }
            }
        }
        log.debug("fuse_session_new {}", argv);
        List<Pointer> strings = new ArrayList<>();
        Pointer array = Memory.allocateDirect(runtime, 8L * (argv.size() + 1), true);
        for (int i = 0; i < argv.size(); i++) {
            byte[] bytes = (argv.get(i) + '\0').getBytes(StandardCharsets.UTF_8);
            Pointer string = Memory.allocateDirect(runtime, bytes.length);
            string.put(0, bytes, 0, bytes.length);
            strings.add(string);
            array.putAddress(8L * i, string.address());
        }
        Pointer args = Memory.allocateDirect(runtime, ARGS_SIZE, true);
        args.putInt(ARGS_ARGC, argv.size());
        args.putAddress(ARGS_ARGV, array.address());
        args.putInt(ARGS_ALLOCATED, 0);
        try {
            long session = newSession(args);
            if (session == 0) {
                log.debug("fuse_session_new failed (libfuse said why above)");
                return 1;
            }
            try {
                if (fuse.fuse_session_mount(session, mountPoint.toString()) != 0) {
                    return 1;
                }
                int status = fuse.fuse_session_loop(session);
                fuse.fuse_session_unmount(session);
                log.debug("FUSE loop ended with status {}", status);
                return status;
            } finally {
                fuse.fuse_session_destroy(session);
            }
        } finally {
            reads.close();
            // libfuse holds pointers into these until the session is destroyed: keep them from the collector till here
            Reference.reachabilityFence(strings);
            Reference.reachabilityFence(array);
            Reference.reachabilityFence(args);
        }
    }

    /**
     * From 3.17 on, libfuse's header turns {@code fuse_session_new} into {@code fuse_session_new_versioned} with the
     * release the caller was built for: this binding speaks the loaded release's own layout, so it names that one.
     */
    private long newSession(Pointer args) {
        if (!abi.versionedSessionNew()) {
            return fuse.fuse_session_new(args, ops, OPS_SIZE, null);
        }
        Pointer version = Memory.allocateDirect(runtime, VERSION_SIZEOF, true);
        version.putInt(VERSION_MAJOR, release.major());
        version.putInt(VERSION_MINOR, release.minor());
        version.putInt(VERSION_HOTFIX, release.hotfix());
        return Fuse3Library.loadVersioned().fuse_session_new_versioned(args, ops, OPS_SIZE, version, null);
    }

    private void init(long userdata, long conn) {
        try {
            MEMORY.putInt(conn + CONN_MAX_READ, maxRead);
            int capable = MEMORY.getInt(conn + CONN_CAPABLE);
            if ((capable & CAP_SPLICE_WRITE) != 0) {
                MEMORY.putInt(conn + CONN_WANT, MEMORY.getInt(conn + CONN_WANT) | CAP_SPLICE_WRITE);
            }
            log.debug("FUSE session initialised; the kernel {} splice replies",
                    (capable & CAP_SPLICE_WRITE) != 0 ? "takes" : "does not take");
            onReady.run();
        } catch (Throwable t) {
            log.error("internal error in init", t);
        }
    }

    private void lookup(long req, long parent, Pointer name) {
        try {
            if (parent != ROOT || !FILE_NAME.equals(name.getString(0, 256, StandardCharsets.UTF_8))) {
                fuse.fuse_reply_err(req, Errno.ENOENT.intValue());
                return;
            }
            long e = entry.address();
            MEMORY.putLong(e + ENTRY_INO, DISK);
            MEMORY.putLong(e + ENTRY_GENERATION, 0);
            fillStat(e + ENTRY_ATTR, DISK);
            MEMORY.putDouble(e + ENTRY_ATTR_TIMEOUT, TIMEOUT);
            MEMORY.putDouble(e + ENTRY_ENTRY_TIMEOUT, TIMEOUT);
            fuse.fuse_reply_entry(req, e);
        } catch (Throwable t) {
            internalError(req, "lookup", t);
        }
    }

    private void getattr(long req, long ino, long fileInfo) {
        try {
            if (ino != ROOT && ino != DISK) {
                fuse.fuse_reply_err(req, Errno.ENOENT.intValue());
                return;
            }
            fillStat(stat.address(), ino);
            fuse.fuse_reply_attr(req, stat.address(), TIMEOUT);
        } catch (Throwable t) {
            internalError(req, "getattr", t);
        }
    }

    private void fillStat(long st, long ino) {
        MEMORY.setMemory(st, STAT_SIZEOF, (byte) 0);
        MEMORY.putLong(st + STAT_INO, ino);
        if (ino == ROOT) {
            MEMORY.putInt(st + STAT_MODE, S_IFDIR | 0555);
            MEMORY.putLong(st + STAT_NLINK, 2);
        } else {
            MEMORY.putInt(st + STAT_MODE, S_IFREG | 0444);
            MEMORY.putLong(st + STAT_NLINK, 1);
            MEMORY.putLong(st + STAT_SIZE, attributes.size());
            MEMORY.putLong(st + STAT_BLOCKS, (attributes.size() + 511) / 512);
        }
        MEMORY.putInt(st + STAT_UID, attributes.uid());
        MEMORY.putInt(st + STAT_GID, attributes.gid());
        MEMORY.putLong(st + STAT_BLKSIZE, BLOCK_SIZE);
        putTime(st + STAT_ATIME, attributes.atime());
        putTime(st + STAT_MTIME, attributes.mtime());
        putTime(st + STAT_CTIME, attributes.ctime());
    }

    private static void putTime(long timespec, FileTime time) {
        long nanos = time.to(TimeUnit.NANOSECONDS);
        MEMORY.putLong(timespec, Math.floorDiv(nanos, 1_000_000_000L));
        MEMORY.putLong(timespec + TIMESPEC_NSEC, Math.floorMod(nanos, 1_000_000_000L));
    }

    private void open(long req, long ino, long fileInfo) {
        try {
            if (ino != DISK) {
                fuse.fuse_reply_err(req, (ino == ROOT ? Errno.EISDIR : Errno.ENOENT).intValue());
                return;
            }
            int flags = MEMORY.getInt(fileInfo + FI_FLAGS);
            boolean readOnly = (flags & OpenFlags.O_ACCMODE.intValue()) == OpenFlags.O_RDONLY.intValue()
                    && (flags & OpenFlags.O_TRUNC.intValue()) == 0;
            if (!readOnly) {
                fuse.fuse_reply_err(req, Errno.EROFS.intValue());
                return;
            }
            MEMORY.putInt(fileInfo + FI_BITS, MEMORY.getInt(fileInfo + FI_BITS) | FI_KEEP_CACHE | abi.fiNoflush);
            fuse.fuse_reply_open(req, fileInfo);
        } catch (Throwable t) {
            internalError(req, "open", t);
        }
    }

    private void release(long req, long ino, long fileInfo) {
        fuse.fuse_reply_err(req, 0);
    }

    private void read(long req, long ino, long size, long offset, long fileInfo) {
        int status;
        try {
            status = answerRead(req, ino, size, offset);
        } catch (Throwable t) {
            failures.log(t, size, offset);
            status = fuse.fuse_reply_err(req, Errno.EIO.intValue());
        }
        if (status != 0) {
            log.debug("{}: the reply to a read of {} bytes at {} was not sent (errno {})", FILE_NAME, size, offset,
                    -status);
        }
    }

    /** Replies to a read; throws only before it has replied. */
    private int answerRead(long req, long ino, long size, long offset) throws IOException {
        if (ino != DISK) {
            return fuse.fuse_reply_err(req, (ino == ROOT ? Errno.EISDIR : Errno.ENOENT).intValue());
        }
        if (offset < 0 || size < 0) {
            return fuse.fuse_reply_err(req, Errno.EINVAL.intValue());
        }
        long length = Math.min(size, Math.max(0, disk.size() - offset));
        return length == 0 ? fuse.fuse_reply_buf(req, 0, 0) : reads.reply(req, offset, (int) Math.min(length,
                Integer.MAX_VALUE));
    }

    private void opendir(long req, long ino, long fileInfo) {
        try {
            if (ino != ROOT) {
                fuse.fuse_reply_err(req, (ino == DISK ? Errno.ENOTDIR : Errno.ENOENT).intValue());
                return;
            }
            fuse.fuse_reply_open(req, fileInfo);
        } catch (Throwable t) {
            internalError(req, "opendir", t);
        }
    }

    private void readdir(long req, long ino, long size, long offset, long fileInfo) {
        try {
            if (ino != ROOT) {
                fuse.fuse_reply_err(req, (ino == DISK ? Errno.ENOTDIR : Errno.ENOENT).intValue());
                return;
            }
            String[] names = {".", "..", FILE_NAME};
            long[] inodes = {ROOT, ROOT, DISK};
            long room = Math.min(size, DIRECTORY_BUFFER);
            long used = 0;
            for (long i = Math.max(0, offset); i < names.length; i++) {
                fillStat(stat.address(), inodes[(int) i]);
                // the offset given with an entry is where the next listing resumes
                long needed = fuse.fuse_add_direntry(req, directory.address() + used, room - used, names[(int) i],
                        stat.address(), i + 1);
                if (needed > room - used) {
                    break;
                }
                used += needed;
            }
            fuse.fuse_reply_buf(req, directory.address(), used);
        } catch (Throwable t) {
            internalError(req, "readdir", t);
        }
    }

    private void statfs(long req, long ino) {
        try {
            long s = statvfs.address();
            MEMORY.setMemory(s, STATVFS_SIZEOF, (byte) 0);
            MEMORY.putLong(s + STATVFS_BSIZE, BLOCK_SIZE);
            MEMORY.putLong(s + STATVFS_FRSIZE, BLOCK_SIZE);
            MEMORY.putLong(s + STATVFS_BLOCKS, (attributes.size() + BLOCK_SIZE - 1) / BLOCK_SIZE);
            MEMORY.putLong(s + STATVFS_FILES, 2);
            MEMORY.putLong(s + STATVFS_FLAG, ST_RDONLY | ST_NOSUID | ST_NODEV);
            MEMORY.putLong(s + STATVFS_NAMEMAX, 255);
            fuse.fuse_reply_statfs(req, s);
        } catch (Throwable t) {
            internalError(req, "statfs", t);
        }
    }

    private void internalError(long req, String operation, Throwable t) {
        log.error("internal error in {}", operation, t);
        fuse.fuse_reply_err(req, Errno.EIO.intValue());
    }
}
