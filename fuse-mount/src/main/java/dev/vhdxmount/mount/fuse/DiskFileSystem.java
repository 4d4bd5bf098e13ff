package dev.vhdxmount.mount.fuse;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;

import dev.vhdxmount.vhdx.VirtualDisk;
import jnr.constants.platform.Errno;
import jnr.constants.platform.OpenFlags;

/**
 * What a mount serves, whichever FUSE library serves it: a read-only root directory that holds {@code disk.raw}, whose
 * bytes are the virtual disk's; each node's attributes; which opens are allowed; how a read is checked and cut at the
 * end of its file; what a failure answers; and the file system's statistics. A binding turns its library's calls into
 * these and the answers back into its library's replies, and decides none of it itself.
 *
 * <p>Nodes are numbered as libfuse's low-level API numbers inodes: the root is 1 ({@code FUSE_ROOT_ID}), the files
 * follow. A path-based binding finds them with {@link #inodeOf(String)}. Nothing here changes after construction: the
 * image cannot change under a read-only mount, so neither can anything the kernel is told, and every method may be
 * called from any number of threads at once.
 */
public final class DiskFileSystem {
    /** The root directory's inode. */
    public static final long ROOT = 1;
    /** The name of the file that holds the whole virtual disk. */
    public static final String DISK_FILE = "disk.raw";
    /** The I/O size that stat reports (st_blksize) and statfs's block size. */
    public static final int BLOCK_SIZE = 4096;
    /** How long the kernel may trust names and attributes, in seconds: they never change. */
    public static final double CACHE_SECONDS = 24 * 3600.0;
    public static final int S_IFDIR = 0040000;
    public static final int S_IFREG = 0100000;

    private static final FileError NO_SUCH_NODE = new FileError(Errno.ENOENT);
    private static final FileError IS_A_DIRECTORY = new FileError(Errno.EISDIR);
    private static final FileError NOT_A_DIRECTORY = new FileError(Errno.ENOTDIR);
    private static final FileError READ_ONLY = new FileError(Errno.EROFS);
    private static final FileError INVALID = new FileError(Errno.EINVAL);
    private static final FileError NOT_PERMITTED = new FileError(Errno.EACCES);

    /** A file of the root directory. */
    public record File(long inode, String name, VirtualDisk content) {
        public long size() {
            return content.size();
        }
    }

    /** One entry of a directory listing; {@code next} is where a listing resumes after it. */
    public record DirectoryEntry(String name, long inode, long next) {}

    /** What stat says of a node. */
    public record Attributes(long inode, int mode, long links, long size, long blocks, int uid, int gid,
            FileTime atime, FileTime mtime, FileTime ctime) {
        public boolean isDirectory() {
            return (mode & S_IFDIR) != 0;
        }
    }

    /** What statfs says of the file system: blocks of {@link #BLOCK_SIZE}, none free, read-only. */
    public record Statistics(long blocks, long files) {}

    /** A read checked and cut at the end of its file: {@code length} bytes of {@code content} at {@code offset}. */
    public record Read(VirtualDisk content, long offset, int length) {}

    private final List<File> files;
    private final Ownership owner;
    private final FileTime atime;
    private final FileTime mtime;
    private final FileTime ctime;
    private final ReadFailures failures = new ReadFailures();

    private DiskFileSystem(List<File> files, Ownership owner, FileTime atime, FileTime mtime, FileTime ctime) {
        this.files = List.copyOf(files);
        this.owner = owner;
        this.atime = atime;
        this.mtime = mtime;
        this.ctime = ctime;
    }

    /**
     * The file system of one disk: {@code disk.raw}, owned and timed as {@code image} says.
     *
     * @param image the image file's times and the mount's owner (its user, or the one asked for)
     */
    public static DiskFileSystem of(VirtualDisk disk, ImageTimes image, Ownership owner) {
        return new DiskFileSystem(List.of(new File(ROOT + 1, DISK_FILE, disk)), owner, image.atime(), image.mtime(),
                image.ctime());
    }

    /** The files of the root directory, in listing order. */
    public List<File> files() {
        return files;
    }

    /** The file with this inode, or null. */
    private File file(long inode) {
        long index = inode - ROOT - 1;
        return index >= 0 && index < files.size() ? files.get((int) index) : null;
    }

    /** The inode of an absolute path ({@code /}, {@code /disk.raw}). */
    public long inodeOf(String path) throws FileError {
        if ("/".equals(path)) {
            return ROOT;
        }
        if (path != null && path.startsWith("/")) {
            return lookup(ROOT, path.substring(1)).inode();
        }
        throw NO_SUCH_NODE;
    }

    /** The file {@code name} in directory {@code parent}. */
    public File lookup(long parent, String name) throws FileError {
        if (parent != ROOT) {
            throw file(parent) != null ? NOT_A_DIRECTORY : NO_SUCH_NODE;
        }
        for (File f : files) {
            if (f.name().equals(name)) {
                return f;
            }
        }
        throw NO_SUCH_NODE;
    }

    public Attributes attributes(long inode) throws FileError {
        if (inode == ROOT) {
            return new Attributes(ROOT, S_IFDIR | owner.directoryPermissions(), 2, 0, 0, owner.uid(), owner.gid(),
                    atime, mtime, ctime);
        }
        File f = file(inode);
        if (f == null) {
            throw NO_SUCH_NODE;
        }
        return new Attributes(inode, S_IFREG | owner.filePermissions(), 1, f.size(), (f.size() + 511) / 512,
                owner.uid(), owner.gid(), atime, mtime, ctime);
    }

    /** Whether {@code inode} may be opened with {@code flags}: read-only, never truncated. */
    public void open(long inode, int flags) throws FileError {
        if (file(inode) == null) {
            throw inode == ROOT ? IS_A_DIRECTORY : NO_SUCH_NODE;
        }
        if ((flags & OpenFlags.O_ACCMODE.intValue()) != OpenFlags.O_RDONLY.intValue()
                || (flags & OpenFlags.O_TRUNC.intValue()) != 0) {
            throw READ_ONLY;
        }
    }

    public void openDirectory(long inode) throws FileError {
        if (inode != ROOT) {
            throw file(inode) != null ? NOT_A_DIRECTORY : NO_SUCH_NODE;
        }
    }

    /** access(2)'s question: nothing may be written, and a file is not a program. */
    public void access(long inode, int mask) throws FileError {
        if (inode != ROOT && file(inode) == null) {
            throw NO_SUCH_NODE;
        }
        if ((mask & 2) != 0) { // W_OK
            throw READ_ONLY;
        }
        if ((mask & 1) != 0 && inode != ROOT) { // X_OK
            throw NOT_PERMITTED;
        }
    }

    /** The entries of directory {@code inode} from position {@code offset} on ({@code .} and {@code ..} first). */
    public List<DirectoryEntry> list(long inode, long offset) throws FileError {
        openDirectory(inode);
        List<DirectoryEntry> entries = new ArrayList<>(files.size() + 2);
        long position = 0;
        for (String dot : new String[] {".", ".."}) {
            if (position >= offset) {
                entries.add(new DirectoryEntry(dot, ROOT, position + 1));
            }
            position++;
        }
        for (File f : files) {
            if (position >= offset) {
                entries.add(new DirectoryEntry(f.name(), f.inode(), position + 1));
            }
            position++;
        }
        return entries;
    }

    /**
     * Checks a read of {@code size} bytes at {@code offset} of {@code inode} and cuts it at the end of the file (a
     * read there or past it has length 0, which is the end of the file for the kernel). Only there may a read be
     * short: the binding must send all {@code length} bytes or fail the read ({@link #readFailed}).
     */
    public Read read(long inode, long offset, long size) throws FileError {
        File f = file(inode);
        if (f == null) {
            throw inode == ROOT ? IS_A_DIRECTORY : NO_SUCH_NODE;
        }
        if (offset < 0 || size < 0) {
            throw INVALID;
        }
        long length = Math.min(size, Math.max(0, f.size() - offset));
        return new Read(f.content(), offset, (int) Math.min(length, Integer.MAX_VALUE));
    }

    /**
     * Reads {@code read} whole into {@code dst} (its remaining space is at least {@code read.length()}): for a binding
     * that copies the bytes, where a short read of the disk would look like the end of the file to the kernel.
     *
     * @throws IOException what the disk threw, or that it returned less than it has
     */
    public static void readFully(Read read, ByteBuffer dst) throws IOException {
        int end = dst.position() + read.length();
        ByteBuffer window = dst.duplicate().limit(end);
        while (window.hasRemaining()) {
            int n = read.content().read(read.offset() + window.position() - dst.position(), window);
            if (n <= 0) {
                throw new IOException("the virtual disk returned no data at offset " + (read.offset()
                        + window.position() - dst.position()) + " before its end (" + read.content().size() + ")");
            }
        }
        dst.position(end);
    }

    /**
     * What a failed read answers: EIO, after the failure is logged (once per place for failures that repeat, with
     * its stack for a bug).
     *
     * @return the errno to answer
     */
    public int readFailed(Throwable failure, String fileName, long size, long offset) {
        failures.log(failure, fileName, size, offset);
        return Errno.EIO.intValue();
    }

    /** The name of {@code inode}'s file, for messages ({@code disk.raw} when it is none). */
    public String nameOf(long inode) {
        File f = file(inode);
        return f != null ? f.name() : DISK_FILE;
    }

    public Statistics statistics() {
        long bytes = 0;
        for (File f : files) {
            bytes += (f.size() + BLOCK_SIZE - 1) / BLOCK_SIZE;
        }
        return new Statistics(bytes, files.size() + 1);
    }

    /** An answer other than success: the errno to reply with. Immutable, without a stack trace: it is an answer. */
    public static final class FileError extends Exception {
        private static final long serialVersionUID = 1L;
        private final int errno;

        FileError(Errno errno) {
            super(errno.name(), null, false, false);
            this.errno = errno.intValue();
        }

        public int errno() {
            return errno;
        }
    }
}
