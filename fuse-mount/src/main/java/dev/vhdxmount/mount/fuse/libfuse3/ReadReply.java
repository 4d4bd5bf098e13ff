package dev.vhdxmount.mount.fuse.libfuse3;

import static dev.vhdxmount.mount.fuse.libfuse3.Fuse3Layout.BUFVEC_BUF;
import static dev.vhdxmount.mount.fuse.libfuse3.Fuse3Layout.BUFVEC_COUNT;
import static dev.vhdxmount.mount.fuse.libfuse3.Fuse3Layout.BUFVEC_IDX;
import static dev.vhdxmount.mount.fuse.libfuse3.Fuse3Layout.BUFVEC_OFF;
import static dev.vhdxmount.mount.fuse.libfuse3.Fuse3Layout.BUF_FD;
import static dev.vhdxmount.mount.fuse.libfuse3.Fuse3Layout.BUF_FD_RETRY;
import static dev.vhdxmount.mount.fuse.libfuse3.Fuse3Layout.BUF_FLAGS;
import static dev.vhdxmount.mount.fuse.libfuse3.Fuse3Layout.BUF_IS_FD;
import static dev.vhdxmount.mount.fuse.libfuse3.Fuse3Layout.BUF_MEM;
import static dev.vhdxmount.mount.fuse.libfuse3.Fuse3Layout.BUF_POS;
import static dev.vhdxmount.mount.fuse.libfuse3.Fuse3Layout.BUF_SIZE;
import static dev.vhdxmount.mount.fuse.libfuse3.Fuse3Layout.RWF_NOWAIT;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongPredicate;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.kenai.jffi.MemoryIO;

import dev.vhdxmount.mount.fuse.DiskFileSystem;
import dev.vhdxmount.mount.os.LibC;
import dev.vhdxmount.vhdx.ExtentSink;
import dev.vhdxmount.vhdx.VirtualDisk;
import dev.vhdxmount.vhdx.error.StorageException;
import dev.vhdxmount.vhdx.io.FileByteSource;
import jnr.constants.platform.Errno;
import jnr.ffi.LastError;

/**
 * Answers one read of disk.raw without copying the image's bytes through Java: the core says where each piece of the
 * range lives ({@link VirtualDisk#locate}), and the pieces are assembled, in order, in a {@link ReplyPipe}: image file
 * ranges spliced from the image's descriptors, zeros and the few bytes only the core can produce (a replayed log's)
 * mapped from memory. libfuse then moves the whole pipe to the kernel. Every piece is checked as it goes in, so a
 * storage error or a file cut short fails the read (the caller answers EIO) instead of sending a short reply, which
 * the kernel would take for the end of disk.raw.
 *
 * <p>Neighbouring pieces of one kind are merged into one splice (file ranges that follow each other in one file) or
 * one mapping (zeros, and the bytes read here, which live at their own place in their region). Replies under two
 * pages are copied (libfuse copies those itself anyway), as are replies of more pieces than a pipe holds well, and
 * every reply where no pipe can be had.
 *
 * <p>Before anything may wait for the storage, the serving thread hands its turn to receive to another
 * ({@link Receivers}). A copied reply first takes what the page cache holds ({@code preadv2} with {@code RWF_NOWAIT},
 * which never waits): a read answered from there hands nothing off, and one warm thread serves them all. splice
 * cannot be told not to wait: a spliced piece hands off unless the page cache holds both its ends ({@link #cached}).
 *
 * <p>Not thread-safe: one instance serves one thread and reuses its native memory and pipe for every reply; the
 * zeros it maps are shared, and never written after they are made.
 */
final class ReadReply implements ExtentSink, AutoCloseable {
    /** The largest read libfuse 3 asks for: 256 pages (FUSE_MAX_MAX_PAGES). Larger ones are copied through memory. */
    static final int MAX_READ = 1 << 20;
    /** Replies below this are copied: libfuse splices only from two pages up. */
    static final int SMALL = 8192;
    /** Pieces one spliced reply may have; past that (a sector bitmap alternating every few sectors) it is copied. */
    static final int MAX_PIECES = 64;

    private static final Logger log = LoggerFactory.getLogger(ReadReply.class);
    private static final MemoryIO MEMORY = MemoryIO.getInstance();
    private static final int NONE = 0;
    private static final int FILE = 1;
    private static final int MEMORY_PIECE = 2;

    private final Fuse3Library fuse;
    /** Null where no pipe could be had: every reply is then copied. */
    private final ReplyPipe pipe;
    /** A fuse_bufvec of one buffer, the pipe, in the loaded release's layout. */
    private final long bufvec;
    private final long zeros;
    private final long scratch;
    private final ByteBuffer scratchView;
    /** One struct iovec, for preadv2. */
    private final long iovec;
    private final LibC libc;
    /** Called before anything that may wait for the storage: another thread is to receive meanwhile. */
    private final Runnable beforeWaiting;
    private final CachedCopy cached = new CachedCopy();
    /** Two bytes that {@link #cached} reads into. */
    private final long probe;
    /** Whether this reply has handed off its thread's turn to receive. */
    private boolean handedOff;

    // the reply being built: its disk, the bytes described so far, and the last piece, not yet in the pipe
    private VirtualDisk disk;
    private long start;
    private int done;
    private int pieces;
    private int pendingKind;
    private FileByteSource pendingFile;
    /** The pending piece's file offset (a file piece) or address (memory). */
    private long pendingAt;
    private int pendingLength;
    /** Where in the reply the pending piece starts. */
    private int pendingStart;

    /**
     * @param zeros {@link #MAX_READ} bytes of zeros, shared by every thread's replies, see {@link #allocateZeros()}
     * @param libc          null: every reply is copied (no pipe), and every read handed off
     * @param beforeWaiting called before anything that may wait for the storage
     */
    ReadReply(Fuse3Library fuse, Fuse3Abi abi, LibC libc, long zeros, Runnable beforeWaiting) {
        this.fuse = fuse;
        this.libc = libc;
        this.zeros = zeros;
        this.beforeWaiting = beforeWaiting;
        this.bufvec = MEMORY.allocateMemory(BUFVEC_BUF + abi.bufSizeof, true);
        this.scratch = MEMORY.allocateMemory(MAX_READ, false);
        this.iovec = MEMORY.allocateMemory(16, true);
        this.probe = MEMORY.allocateMemory(8, true);
        if (bufvec == 0 || scratch == 0 || iovec == 0 || probe == 0) {
            freeMemory();
            throw new OutOfMemoryError("cannot allocate the native buffers for read replies");
        }
        this.scratchView = MEMORY.newDirectByteBuffer(scratch, MAX_READ);
        this.pipe = libc == null ? null : ReplyPipe.open(libc, MAX_READ);
    }

    /**
     * {@link #MAX_READ} bytes of zeros for replies to map, to free with {@link #freeZeros}. Written, not merely
     * allocated: untouched memory maps the kernel's shared zero page, which the kernel's fast page pinning refuses,
     * and every reply of zeros then took the slow path.
     */
    static long allocateZeros() {
        long zeros = MEMORY.allocateMemory(MAX_READ, false);
        if (zeros == 0) {
            throw new OutOfMemoryError("cannot allocate " + MAX_READ + " bytes of zeros for read replies");
        }
        MEMORY.setMemory(zeros, MAX_READ, (byte) 0);
        return zeros;
    }

    static void freeZeros(long zeros) {
        MEMORY.freeMemory(zeros);
    }

    /**
     * Replies to a read, checked and cut at the end of its file by the model, through libfuse.
     *
     * @param claim asked, with {@code req}, just before the reply is sent: false when another thread has answered the
     *              request meanwhile (a watchdog, when the storage took too long), and this reply must not be sent
     * @return libfuse's result: 0, or a negative errno when the reply could not be sent (the request was
     *         interrupted, say); 0 too when the reply was not ours to send
     * @throws IOException when the core cannot map or read the range, or the storage fails; nothing has been replied
     *                     then
     */
    int reply(long req, DiskFileSystem.Read read, LongPredicate claim) throws IOException {
        return reply(null, req, read, claim);
    }

    /**
     * Replies to a read, as {@link #reply(long, DiskFileSystem.Read, LongPredicate)}: through libfuse when
     * {@code kernel} is null, else straight to the kernel, a small read that libfuse never saw ({@link KernelReads};
     * {@code req} is its tagged unique), which is copied, as every reply under {@link #SMALL} bytes is.
     */
    int reply(KernelReads kernel, long req, DiskFileSystem.Read read, LongPredicate claim) throws IOException {
        disk = read.content();
        handedOff = false;
        long offset = read.offset();
        int length = read.length();
        if (kernel != null || pipe == null || length < SMALL || length > pipe.size() / 2) {
            return replyCopy(kernel, req, offset, length, claim);
        }
        start = offset;
        done = 0;
        pieces = 0;
        pendingKind = NONE;
        boolean whole;
        try {
            whole = disk.locate(offset, length, this) && flush() && done == length;
        } catch (IOException | RuntimeException e) {
            pipe.clear(scratch, MAX_READ);
            throw e;
        }
        if (!whole) {
            pipe.clear(scratch, MAX_READ);
            return replyCopy(null, req, offset, length, claim);
        }
        if (!claim.test(req)) {
            pipe.clear(scratch, MAX_READ);
            return 0;
        }
        long buf = bufvec + BUFVEC_BUF;
        MEMORY.putLong(bufvec + BUFVEC_COUNT, 1);
        MEMORY.putLong(bufvec + BUFVEC_IDX, 0);
        MEMORY.putLong(bufvec + BUFVEC_OFF, 0);
        MEMORY.putLong(buf + BUF_SIZE, length);
        MEMORY.putInt(buf + BUF_FLAGS, BUF_IS_FD | BUF_FD_RETRY);
        MEMORY.putLong(buf + BUF_MEM, 0);
        MEMORY.putInt(buf + BUF_FD, pipe.readDescriptor());
        MEMORY.putLong(buf + BUF_POS, 0);
        int status = fuse.fuse_reply_data(req, bufvec, 0);
        int left = pipe.held();
        if (left != 0) {
            // the next reply must not start with this one's leftovers
            if (status == 0) {
                log.warn("libfuse sent a read reply of {} bytes but left {} in the pipe; emptied", length, left);
            }
            pipe.clear(scratch, MAX_READ);
        }
        return status;
    }

    @Override
    public boolean inFile(FileByteSource file, long fileOffset, int length) throws IOException {
        if (file.descriptor() < 0) {
            return read(start + done, length);
        }
        if (!handedOff && !cached(file, fileOffset, length)) {
            handOff();
        }
        if (pendingKind == FILE && pendingFile == file && pendingAt + pendingLength == fileOffset) {
            pendingLength += length;
        } else if (!begin(FILE, fileOffset, length)) {
            return false;
        } else {
            pendingFile = file;
        }
        done += length;
        return true;
    }

    @Override
    public boolean zeros(int length) throws IOException {
        return memory(zeros + done, length);
    }

    @Override
    public boolean read(long virtualOffset, int length) throws IOException {
        handOff();
        readInto(scratchView.duplicate().position(done).limit(done + length), virtualOffset);
        return memory(scratch + done, length);
    }

    private boolean memory(long address, int length) throws IOException {
        if (pendingKind == MEMORY_PIECE && pendingAt + pendingLength == address) {
            pendingLength += length;
        } else if (!begin(MEMORY_PIECE, address, length)) {
            return false;
        }
        done += length;
        return true;
    }

    /** Puts the pending piece into the pipe and makes this one pending; false when the reply should be copied. */
    private boolean begin(int kind, long at, int length) throws IOException {
        if (!flush() || ++pieces > MAX_PIECES) {
            return false;
        }
        pendingKind = kind;
        pendingAt = at;
        pendingLength = length;
        pendingStart = done;
        return true;
    }

    /** Puts the pending piece into the pipe; false when the pipe is full. */
    private boolean flush() throws IOException {
        int kind = pendingKind;
        pendingKind = NONE;
        if (kind == MEMORY_PIECE) {
            return pipe.map(pendingAt, pendingLength) != ReplyPipe.FULL;
        }
        if (kind == FILE) {
            int n;
            try {
                n = pipe.splice(pendingFile, pendingAt, pendingLength);
            } catch (StorageException e) {
                throw e.atVirtualOffset(start + pendingStart + e.fileOffset() - pendingAt);
            }
            if (n == ReplyPipe.FULL) {
                return false;
            }
            if (n < pendingLength) {
                // the file was cut short since it was opened: the core reads the rest, and says what is missing
                int rest = pendingLength - n;
                readInto(scratchView.duplicate().position(pendingStart + n).limit(pendingStart + pendingLength),
                        start + pendingStart + n);
                return pipe.map(scratch + pendingStart + n, rest) != ReplyPipe.FULL;
            }
        }
        return true;
    }

    /** Hands this thread's turn to receive to another, once a reply: what follows may wait for the storage. */
    private void handOff() {
        if (!handedOff) {
            handedOff = true;
            beforeWaiting.run();
        }
    }

    /**
     * Whether the page cache holds the first and the last byte of a file range: asked without waiting
     * ({@code RWF_NOWAIT}, one byte each), as a splice cannot be. A range read in order fills the cache from its start
     * to its end, so the two ends stand for the range; a page in between that is missing only makes this thread wait
     * without a stand-in receiving, until the watchdog hands off for it.
     */
    private boolean cached(FileByteSource file, long fileOffset, int length) {
        return libc != null && nowait(file, probe, fileOffset, 1) == 1
                && nowait(file, probe, fileOffset + length - 1, 1) == 1;
    }

    /**
     * preadv2 with {@code RWF_NOWAIT} into {@code address}: the bytes read, or -1 when they are not all in the page
     * cache, the storage failed (the core's read will say how), or the storage cannot be asked (then never again).
     */
    private long nowait(FileByteSource file, long address, long fileOffset, int length) {
        if (NO_NOWAIT.contains(file)) {
            return -1;
        }
        MEMORY.putLong(iovec, address);
        MEMORY.putLong(iovec + 8, length);
        long n = libc.preadv2(file.descriptor(), iovec, 1, fileOffset, RWF_NOWAIT);
        if (n < 0 && LastError.getLastError(jnr.ffi.Runtime.getSystemRuntime()) == Errno.EOPNOTSUPP.intValue()) {
            NO_NOWAIT.add(file);
            log.debug("{}: its storage cannot say what its page cache holds (RWF_NOWAIT); every read of it is taken"
                    + " to wait", file.path());
        }
        return n;
    }

    /** Fills {@code dst} from the disk at {@code virtualOffset} (the disk is long enough: the caller cut the read). */
    private void readInto(ByteBuffer dst, long virtualOffset) throws IOException {
        int wanted = dst.remaining();
        if (disk.read(virtualOffset, dst) != wanted) {
            throw new IOException("the virtual disk returned less than " + wanted + " bytes at offset "
                    + virtualOffset + " before its end (" + disk.size() + ")");
        }
    }

    /** Reads the whole range here, then replies with it from memory (to libfuse's request, or {@code kernel}). */
    private int replyCopy(KernelReads kernel, long req, long offset, int length, LongPredicate claim)
            throws IOException {
        if (length <= MAX_READ) {
            copy(offset, length);
            return claim.test(req) ? send(kernel, req, scratch, length) : 0;
        }
        handOff();
        long memory = MEMORY.allocateMemory(length, false);
        if (memory == 0) {
            throw new IOException("cannot allocate " + length + " bytes for a read");
        }
        try {
            readInto(MEMORY.newDirectByteBuffer(memory, length), offset);
            return claim.test(req) ? send(kernel, req, memory, length) : 0;
        } finally {
            MEMORY.freeMemory(memory);
        }
    }

    /** Sends a copied reply through libfuse ({@code kernel} null) or straight to the kernel. */
    private int send(KernelReads kernel, long req, long address, int length) {
        return kernel != null ? kernel.reply(req, address, length) : fuse.fuse_reply_buf(req, address, length);
    }

    /** Fills the scratch buffer with a range: from the page cache if it holds it all, else by the core's read. */
    private void copy(long offset, int length) throws IOException {
        if (!cached.fill(offset, length)) {
            handOff();
            readInto(scratchView.duplicate().limit(length), offset);
        }
    }

    /**
     * Files whose storage refuses {@code RWF_NOWAIT} (FUSE, some network file systems): their reads are taken to wait,
     * without asking each time.
     */
    private static final Set<FileByteSource> NO_NOWAIT = ConcurrentHashMap.newKeySet();

    /**
     * Fills the scratch buffer with a range if the page cache holds every byte of it, and the core has no bytes of its
     * own in it (a replayed log's, a truncated image's): anything else, including a storage error, is left to the
     * core's read, which waits, and says what went wrong.
     */
    private final class CachedCopy implements ExtentSink {
        private int filled;

        boolean fill(long offset, int length) throws IOException {
            if (libc == null) {
                return false;
            }
            filled = 0;
            return disk.locate(offset, length, this) && filled == length;
        }

        @Override
        public boolean inFile(FileByteSource file, long fileOffset, int length) {
            if (file.descriptor() < 0 || nowait(file, scratch + filled, fileOffset, length) != length) {
                return false;
            }
            filled += length;
            return true;
        }

        @Override
        public boolean zeros(int length) {
            MEMORY.setMemory(scratch + filled, length, (byte) 0);
            filled += length;
            return true;
        }

        @Override
        public boolean read(long virtualOffset, int length) {
            return false;
        }
    }

    /** Releases the pipe and the native buffers (not the shared zeros); the instance must not be used afterwards. */
    @Override
    public void close() {
        if (pipe != null) {
            pipe.close();
        }
        freeMemory();
    }

    private void freeMemory() {
        for (long address : new long[] {bufvec, scratch, iovec, probe}) {
            if (address != 0) {
                MEMORY.freeMemory(address);
            }
        }
    }
}
