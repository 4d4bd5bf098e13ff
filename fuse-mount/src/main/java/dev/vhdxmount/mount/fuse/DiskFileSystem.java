package dev.vhdxmount.mount.fuse;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.stream.IntStream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.vhdxmount.mount.overlay.HeldRange;
import dev.vhdxmount.mount.overlay.OverlayFullException;
import dev.vhdxmount.mount.overlay.WritableDisk;
import dev.vhdxmount.mount.partitions.FileSystems;
import dev.vhdxmount.mount.partitions.Partition;
import dev.vhdxmount.mount.partitions.PartitionTable;
import dev.vhdxmount.vhdx.VirtualDisk;
import jnr.constants.platform.Errno;
import jnr.constants.platform.OpenFlags;

/**
 * What a mount serves, whichever FUSE library serves it: a read-only root directory that holds {@code disk.raw}, whose
 * bytes are the virtual disk's, and with {@code --partitions} one file per partition ({@code p1.raw}...), each the
 * partition's bytes of the same disk; each node's attributes; which opens are allowed; how a read is checked and cut
 * at the end of its file; where a file's data and holes are (lseek); what a failure answers; and the file system's
 * statistics. A binding turns its library's calls into these and the answers back into its library's replies, and
 * decides none of it itself.
 *
 * <p>Nodes are numbered as libfuse's low-level API numbers inodes: the root is 1 ({@code FUSE_ROOT_ID}), the files
 * follow. A path-based binding finds them with {@link #inodeOf(String)}. The files never change after construction:
 * the image cannot change under a read-only mount, so neither can anything the kernel is told, and every method may be
 * called from any number of threads at once. Only each file's count of allocated blocks (st_blocks) comes later,
 * from a walk of the allocation map ({@link #countAllocatedBlocks}); until then stat says every block is allocated,
 * and says it for a second at a time.
 *
 * <p>Over a {@link WritableDisk} ({@code --overlay}) the files take writes ({@link #write}): a partition file's go to
 * its range of the disk, so disk.raw and the partition files are always the same bytes; their size never changes.
 * Every read then holds its range ({@link Read#close}) from before it is located until its reply is sent, so that a
 * write to the range waits for it instead of tearing it. The kernel must not cache the files' pages then (a write
 * through p1.raw changes disk.raw's bytes behind its page cache): {@link #writable()} tells the bindings to serve
 * them with direct I/O.
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
    /**
     * How long the kernel may trust attributes that will change: not at all, so that the first stat after the count
     * sees it (the mount's own readiness check stats disk.raw before the count may be done).
     */
    public static final double PROVISIONAL_SECONDS = 0.0;
    /** lseek's whence values that reach a FUSE server (the kernel answers the others itself). */
    public static final int SEEK_DATA = 3;
    public static final int SEEK_HOLE = 4;
    public static final int S_IFDIR = 0040000;
    public static final int S_IFREG = 0100000;

    private static final FileError NO_SUCH_NODE = new FileError(Errno.ENOENT);
    private static final FileError IS_A_DIRECTORY = new FileError(Errno.EISDIR);
    private static final FileError NOT_A_DIRECTORY = new FileError(Errno.ENOTDIR);
    private static final FileError READ_ONLY = new FileError(Errno.EROFS);
    private static final FileError INVALID = new FileError(Errno.EINVAL);
    private static final FileError NOT_PERMITTED = new FileError(Errno.EACCES);
    private static final FileError NOT_ALLOWED = new FileError(Errno.EPERM);
    private static final FileError NO_SUCH_OFFSET = new FileError(Errno.ENXIO);
    private static final FileError IO_ERROR = new FileError(Errno.EIO);
    private static final FileError NO_SPACE = new FileError(Errno.ENOSPC);
    private static final FileError TOO_LARGE = new FileError(Errno.EFBIG);
    private static final Logger log = LoggerFactory.getLogger(DiskFileSystem.class);

    /** A file of the root directory. */
    public record File(long inode, String name, VirtualDisk content) {
        public long size() {
            return content.size();
        }
    }

    /** One entry of a directory listing; {@code next} is where a listing resumes after it. */
    public record DirectoryEntry(String name, long inode, long next) {}

    /**
     * What stat says of a node, and for how long the kernel may trust it ({@code validSeconds}: a day, or a second
     * while st_blocks is not counted yet).
     */
    public record Attributes(long inode, int mode, long links, long size, long blocks, int uid, int gid,
            FileTime atime, FileTime mtime, FileTime ctime, double validSeconds) {
        public boolean isDirectory() {
            return (mode & S_IFDIR) != 0;
        }
    }

    /** What statfs says of the file system: blocks of {@link #BLOCK_SIZE}, none free, read-only. */
    public record Statistics(long blocks, long files) {}

    /**
     * A read checked and cut at the end of its file: {@code length} bytes of {@code content} at {@code offset}. On a
     * writable file system its range is held ({@code hold}) until it is closed, and {@code content} reads through the
     * hold: close it once the reply is sent (spliced pieces are read by the kernel only then).
     */
    public record Read(VirtualDisk content, long offset, int length, HeldRange hold) implements AutoCloseable {
        public Read(VirtualDisk content, long offset, int length) {
            this(content, offset, length, null);
        }

        /** Lets writes to the range go on; nothing to do for a read-only file system's read. */
        @Override
        public void close() {
            if (hold != null) {
                hold.close();
            }
        }
    }

    private final List<File> files;
    private final Ownership owner;
    private final FileTime atime;
    private final FileTime mtime;
    private final FileTime ctime;
    private final ReadFailures failures = new ReadFailures();
    /** The disk writes go to, or null: a read-only file system. */
    private final WritableDisk writable;
    /** Whether a write has been refused for want of room: the warning is logged once, the rest at debug level. */
    private final AtomicBoolean fullLogged = new AtomicBoolean();
    /** Each file's bytes in data runs of the allocation map (st_blocks), by index in {@link #files}; -1 until counted. */
    private final AtomicLongArray allocatedBytes;
    /** Released when {@link #countAllocatedBlocksInBackground}'s walk ends, whichever way. */
    private final CountDownLatch counted = new CountDownLatch(1);

    private DiskFileSystem(List<File> files, Ownership owner, FileTime atime, FileTime mtime, FileTime ctime) {
        this.files = List.copyOf(files);
        this.writable = files.get(0).content() instanceof WritableDisk w ? w : null;
        this.owner = owner;
        this.atime = atime;
        this.mtime = mtime;
        this.ctime = ctime;
        this.allocatedBytes = new AtomicLongArray(files.size());
        for (int i = 0; i < files.size(); i++) {
            allocatedBytes.set(i, -1);
        }
    }

    /**
     * The file system of one disk: {@code disk.raw}, owned and timed as {@code image} says; writable where the disk is
     * a {@link WritableDisk}.
     *
     * @param image the image file's times and the mount's owner (its user, or the one asked for)
     */
    public static DiskFileSystem of(VirtualDisk disk, ImageTimes image, Ownership owner) {
        return new DiskFileSystem(List.of(new File(ROOT + 1, DISK_FILE, disk)), owner, image.atime(), image.mtime(),
                image.ctime());
    }

    /**
     * The file system of one disk and its partitions: {@code disk.raw}, and for each partition of the disk's table
     * that holds data (not an MBR's extended partition) {@code pN.raw}, numbered as Linux numbers it. A table that
     * cannot be trusted gives disk.raw alone; what is wrong with a table is logged as a warning either way (a damaged
     * primary GPT read from its backup, say), so that the user knows which files to expect and why.
     */
    public static DiskFileSystem withPartitions(VirtualDisk disk, ImageTimes image, Ownership owner) {
        PartitionTable table = PartitionTable.read(disk);
        for (String warning : table.warnings()) {
            log.warn("partition table: {}", warning);
        }
        List<File> files = new ArrayList<>();
        files.add(new File(ROOT + 1, DISK_FILE, disk));
        for (Partition p : table.dataPartitions()) {
            files.add(new File(ROOT + 1 + files.size(), p.fileName(), DiskSlice.of(disk, p.start(), p.length())));
        }
        if (files.size() == 1) {
            log.warn("--partitions: no partition to serve ({}): disk.raw only", table.scheme() == PartitionTable
                    .Scheme.NONE ? "the disk has no partition table" + wholeDiskVolume(disk)
                    : "its " + table.scheme().id() + " table"
                    + (table.partitions().isEmpty() ? " lists none that can be read" : " lists only containers"));
        } else {
            log.info("partitions ({} table): {}", table.scheme().id(), String.join(", ",
                    files.subList(1, files.size()).stream().map(File::name).toList()));
        }
        return new DiskFileSystem(files, owner, image.atime(), image.mtime(), image.ctime());
    }

    /**
     * What a disk without a partition table holds at sector 0, as the rest of a sentence: WSL's ext4.vhdx is a file
     * system from its first byte, and its users look for a p1.raw that cannot be.
     */
    private static String wholeDiskVolume(VirtualDisk disk) {
        try {
            return FileSystems.probe(disk, 0, disk.size())
                    .map(fs -> "; " + DISK_FILE + " itself is " + fs.type().id() + " (as WSL's ext4.vhdx is):"
                            + " mount it with mount -o ro,loop")
                    .orElse("");
        } catch (IOException e) {
            return ""; // the disk's first bytes cannot be read: the reads of disk.raw will say so
        }
    }

    /** Whether the files take writes (an overlay's), and must therefore be served without the page cache. */
    public boolean writable() {
        return writable != null;
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
                    atime, mtime, ctime, CACHE_SECONDS);
        }
        File f = file(inode);
        if (f == null) {
            throw NO_SUCH_NODE;
        }
        long allocated = allocatedBytes.get((int) (inode - ROOT - 1));
        long blocks = ((allocated < 0 ? f.size() : allocated) + 511) / 512;
        return new Attributes(inode, S_IFREG | (writable() ? owner.writableFilePermissions() : owner
                .filePermissions()), 1, f.size(), blocks, owner.uid(),
                owner.gid(), atime, mtime, ctime, allocated < 0 ? PROVISIONAL_SECONDS : CACHE_SECONDS);
    }

    /**
     * Counts each file's allocated bytes (st_blocks) from one walk of disk.raw's allocation map, which reads the BAT
     * and sector bitmaps: under a second for an empty 64 TiB disk, so it runs after the mount is up
     * ({@link #countAllocatedBlocksInBackground}) and not before it. A walk that fails (a corrupt BAT entry, the
     * storage) leaves every block counted as allocated, which is what stat said before.
     */
    public void countAllocatedBlocks() {
        VirtualDisk disk = files.get(0).content();
        long[] counts = new long[files.size()];
        try {
            disk.mapMerged(0, disk.size(), run -> {
                if (run.data()) {
                    for (int i = 0; i < files.size(); i++) {
                        long start = files.get(i).content() instanceof DiskSlice s ? s.start() : 0;
                        long end = start + files.get(i).size();
                        counts[i] += Math.max(0, Math.min(end, run.end()) - Math.max(start, run.virtualOffset()));
                    }
                }
                return true;
            });
        } catch (IOException | RuntimeException e) {
            log.debug("st_blocks left at every block: the allocation map could not be walked: {}", e.toString());
            return;
        }
        for (int i = 0; i < counts.length; i++) {
            allocatedBytes.set(i, counts[i]);
        }
        log.debug("allocated: {}", IntStream.range(0, counts.length)
                .mapToObj(i -> files.get(i).name() + " " + counts[i] + " bytes").toList());
    }

    /**
     * {@link #countAllocatedBlocks} on a daemon thread of its own; {@link #awaitAllocationCount} waits for it, for a
     * bounded time.
     */
    public void countAllocatedBlocksInBackground() {
        Thread t = new Thread(() -> {
            try {
                countAllocatedBlocks();
            } finally {
                counted.countDown();
            }
        }, "allocation-count");
        t.setDaemon(true);
        t.start();
    }

    /**
     * Waits until st_blocks is counted, or for {@code timeout}: a command that returns before the count makes a
     * script's "mount, then cp" copy every byte (cp looks for holes only in a file whose st_blocks is below its size).
     * A count slower than that (a huge BAT, or slow storage) goes on in the background; stat is not cached meanwhile.
     *
     * @return whether the count is done (or has failed, leaving every block counted)
     */
    public boolean awaitAllocationCount(Duration timeout) throws InterruptedException {
        return counted.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Whether {@code inode} may be opened with {@code flags}: read-only, never truncated; for writing too where the
     * file system is writable, but never truncated (EINVAL: a disk's size is fixed).
     */
    public void open(long inode, int flags) throws FileError {
        if (file(inode) == null) {
            throw inode == ROOT ? IS_A_DIRECTORY : NO_SUCH_NODE;
        }
        boolean truncate = (flags & OpenFlags.O_TRUNC.intValue()) != 0;
        if (writable()) {
            if (truncate) {
                throw INVALID;
            }
            return;
        }
        if ((flags & OpenFlags.O_ACCMODE.intValue()) != OpenFlags.O_RDONLY.intValue() || truncate) {
            throw READ_ONLY;
        }
    }

    public void openDirectory(long inode) throws FileError {
        if (inode != ROOT) {
            throw file(inode) != null ? NOT_A_DIRECTORY : NO_SUCH_NODE;
        }
    }

    /**
     * access(2)'s question: nothing may be written (but the files of a writable file system), and a file is not a
     * program.
     */
    public void access(long inode, int mask) throws FileError {
        if (inode != ROOT && file(inode) == null) {
            throw NO_SUCH_NODE;
        }
        if ((mask & 2) != 0) { // W_OK
            if (!writable()) {
                throw READ_ONLY;
            }
            if (inode == ROOT) {
                throw NOT_PERMITTED; // no file can be made or removed
            }
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
        int length = (int) Math.min(Math.min(size, Math.max(0, f.size() - offset)), Integer.MAX_VALUE);
        if (writable == null || length == 0) {
            return new Read(f.content(), offset, length);
        }
        // held from before the binding locates the range until its reply is sent: a write to the range waits
        long start = f.content() instanceof DiskSlice s ? s.start() : 0;
        HeldRange held = writable.hold(start + offset, length);
        return new Read(start == 0 && f.size() == writable.size() ? held : DiskSlice.of(held, start, f.size()),
                offset, length, held);
    }

    /**
     * Writes all of {@code data} at {@code offset} of {@code inode}, and consumes it: into the overlay, at the range of
     * the disk the file is (a partition file's bytes are disk.raw's). A write is whole or fails whole.
     *
     * @throws FileError EROFS on a read-only file system; EFBIG for a write past the end of the file (its size is the
     *                   disk's or the partition's, and never changes); ENOSPC when the overlay has no room for it
     *                   (logged once as a warning); EIO when the overlay's storage fails (logged)
     */
    public void write(long inode, long offset, ByteBuffer data) throws FileError {
        File f = file(inode);
        if (f == null) {
            throw inode == ROOT ? IS_A_DIRECTORY : NO_SUCH_NODE;
        }
        if (writable == null) {
            throw READ_ONLY;
        }
        int length = data.remaining();
        if (offset < 0) {
            throw INVALID;
        }
        if (offset > f.size() - length) {
            throw TOO_LARGE;
        }
        long start = f.content() instanceof DiskSlice s ? s.start() : 0;
        try {
            writable.write(start + offset, data);
        } catch (OverlayFullException e) {
            if (fullLogged.compareAndSet(false, true)) {
                log.warn("{}: a write of {} bytes at offset {} failed with ENOSPC: {}; writes that need more room"
                        + " fail so too (not logged again)", f.name(), length, offset, e.getMessage());
            } else {
                log.debug("{}: a write of {} bytes at offset {} failed with ENOSPC: {}", f.name(), length, offset,
                        e.getMessage());
            }
            throw NO_SPACE;
        } catch (IllegalArgumentException e) {
            log.debug("{}: a write of {} bytes at offset {} refused: {}", f.name(), length, offset, e.getMessage());
            throw INVALID; // longer than the disk takes at once: the kernel sends at most 1 MiB
        } catch (IOException | RuntimeException e) {
            log.error("{}: a write of {} bytes at offset {} failed: {}", f.name(), length, offset, e.toString());
            log.debug("write failure", e);
            throw IO_ERROR;
        }
    }

    /**
     * fsync: every write done reaches the overlay's storage ({@link WritableDisk#flush}), which says whether it could.
     * A read-only file system has nothing to make durable.
     */
    public void fsync(long inode) throws FileError {
        File f = file(inode);
        if (f == null) {
            throw inode == ROOT ? IS_A_DIRECTORY : NO_SUCH_NODE;
        }
        if (writable == null) {
            return;
        }
        try {
            writable.flush();
        } catch (OverlayFullException e) {
            log.warn("{}: fsync failed with ENOSPC: {}", f.name(), e.getMessage());
            throw NO_SPACE;
        } catch (IOException | RuntimeException e) {
            log.error("{}: fsync failed: {}", f.name(), e.toString());
            throw IO_ERROR;
        }
    }

    /**
     * setattr: {@code size} (-1: not to be set) as {@link #setSize}; a new mode or owner is refused (EPERM: they are
     * the mount's, {@code uid=}, {@code gid=}, {@code umask=}); new times are taken and kept by no one, as the files'
     * times are the image's (touch succeeds).
     *
     * @throws FileError EROFS on a read-only file system, EPERM for a mode or owner, else as {@link #setSize}
     */
    public void setAttributes(long inode, long size, boolean modeOrOwner) throws FileError {
        File f = file(inode);
        if (f == null) {
            throw inode == ROOT ? IS_A_DIRECTORY : NO_SUCH_NODE;
        }
        if (writable == null) {
            throw READ_ONLY;
        }
        if (modeOrOwner) {
            throw NOT_ALLOWED;
        }
        if (size >= 0) {
            setSize(inode, size);
        }
    }

    /**
     * truncate(2) to {@code size}: only to the size the file has (tools that copy onto a file set it), as a disk's size
     * is fixed.
     *
     * @throws FileError EROFS on a read-only file system; EFBIG for a larger size, EINVAL for a smaller one
     */
    public void setSize(long inode, long size) throws FileError {
        File f = file(inode);
        if (f == null) {
            throw inode == ROOT ? IS_A_DIRECTORY : NO_SUCH_NODE;
        }
        if (writable == null) {
            throw READ_ONLY;
        }
        if (size != f.size()) {
            throw size > f.size() ? TOO_LARGE : INVALID;
        }
    }

    /**
     * lseek's SEEK_DATA and SEEK_HOLE on {@code inode}: the first offset at or after {@code offset} that holds data, or
     * that starts a hole (the end of the file counts as one), from the allocation map: absent, ZERO, UNMAPPED blocks
     * and sectors a sector bitmap leaves to a parent that has none are holes; a dirty log's replayed bytes are data.
     *
     * @throws FileError ENXIO at or past the end of the file, or for SEEK_DATA with no data after {@code offset};
     *                   EINVAL for a negative offset or another whence; EIO when the map cannot be read (logged)
     */
    public long seek(long inode, long offset, int whence) throws FileError {
        File f = file(inode);
        if (f == null) {
            throw inode == ROOT ? IS_A_DIRECTORY : NO_SUCH_NODE;
        }
        if (offset < 0 || (whence != SEEK_DATA && whence != SEEK_HOLE)) {
            throw INVALID;
        }
        if (offset >= f.size()) {
            throw NO_SUCH_OFFSET;
        }
        long found;
        try {
            found = whence == SEEK_DATA ? f.content().nextData(offset) : f.content().nextHole(offset);
        } catch (IOException | RuntimeException e) {
            failures.log(e, f.name(), 0, offset);
            throw IO_ERROR;
        }
        if (whence == SEEK_DATA && found >= f.size()) {
            throw NO_SUCH_OFFSET;
        }
        return Math.min(found, f.size());
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

    /**
     * close(2)'s flush: nothing to do, as every write went to the overlay when it was answered (fsync makes it
     * durable); it only checks the node.
     */
    public void flush(long inode) throws FileError {
        if (file(inode) == null) {
            throw inode == ROOT ? IS_A_DIRECTORY : NO_SUCH_NODE;
        }
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
