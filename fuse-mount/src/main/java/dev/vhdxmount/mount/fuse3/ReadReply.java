package dev.vhdxmount.mount.fuse3;

import static dev.vhdxmount.mount.fuse3.Fuse3Layout.BUFVEC_BUF;
import static dev.vhdxmount.mount.fuse3.Fuse3Layout.BUFVEC_COUNT;
import static dev.vhdxmount.mount.fuse3.Fuse3Layout.BUFVEC_IDX;
import static dev.vhdxmount.mount.fuse3.Fuse3Layout.BUFVEC_OFF;
import static dev.vhdxmount.mount.fuse3.Fuse3Layout.BUF_FD;
import static dev.vhdxmount.mount.fuse3.Fuse3Layout.BUF_FD_SEEK;
import static dev.vhdxmount.mount.fuse3.Fuse3Layout.BUF_FLAGS;
import static dev.vhdxmount.mount.fuse3.Fuse3Layout.BUF_IS_FD;
import static dev.vhdxmount.mount.fuse3.Fuse3Layout.BUF_MEM;
import static dev.vhdxmount.mount.fuse3.Fuse3Layout.BUF_POS;
import static dev.vhdxmount.mount.fuse3.Fuse3Layout.BUF_SIZE;

import java.io.IOException;
import java.nio.ByteBuffer;

import com.kenai.jffi.MemoryIO;

import dev.vhdxmount.vhdx.ExtentSink;
import dev.vhdxmount.vhdx.VirtualDisk;
import dev.vhdxmount.vhdx.io.FileByteSource;

/**
 * Answers one read of disk.raw without copying the image's bytes through Java: the core says where each piece of the
 * range lives ({@link VirtualDisk#locate}), and the reply describes the pieces to libfuse as a {@code fuse_bufvec}:
 * image file ranges as (descriptor, offset) buffers, which libfuse splices into the kernel through a pipe (one copy,
 * where reading them here and writing them back costs two); zeros from a zeroed region; and the few bytes that only
 * the core can produce (a replayed log's, or a truncated file's error) read here into a scratch buffer.
 *
 * <p>A memory piece lives at its own place in its region (region + its offset within the reply), so neighbouring
 * pieces of one kind merge into one buffer, as do neighbouring ranges of one file. A range whose file has been cut
 * short since it was opened goes through {@code read}, which fails it with the core's message (EIO), rather than
 * being spliced short (which the kernel would take for the end of disk.raw).
 *
 * <p>Not thread-safe: one instance serves one loop thread and reuses its native memory for every reply.
 */
final class ReadReply implements ExtentSink {
    /** The largest read libfuse 3 asks for: 256 pages (FUSE_MAX_MAX_PAGES). Larger ones are served by a copy. */
    static final int MAX_READ = 1 << 20;
    /** Pieces one reply can describe; past that (a sector bitmap alternating every few sectors) it is copied. */
    static final int MAX_SEGMENTS = 64;

    private static final MemoryIO MEMORY = MemoryIO.getInstance();
    private static final int KIND_NONE = 0;
    private static final int KIND_FILE = 1;
    private static final int KIND_MEMORY = 2;

    private final Fuse3Library fuse;
    /** The distance between a fuse_bufvec's buffers in the loaded release (sizeof(struct fuse_buf)). */
    private final int bufSizeof;
    private final VirtualDisk disk;
    private final long bufvec;
    private final long zeros;
    private final long scratch;
    private final ByteBuffer scratchView;

    // the reply being built
    private long start;
    private int done;
    private int segments;
    private int lastKind;
    private int lastFd;
    /** End of the last segment: a file position (file) or an address (memory). */
    private long lastEnd;
    private FileByteSource sizedFile;
    private long sizedFileLength;

    ReadReply(Fuse3Library fuse, Fuse3Abi abi, VirtualDisk disk) {
        this.fuse = fuse;
        this.bufSizeof = abi.bufSizeof;
        this.disk = disk;
        this.bufvec = MEMORY.allocateMemory(BUFVEC_BUF + (long) MAX_SEGMENTS * bufSizeof, true);
        this.zeros = MEMORY.allocateMemory(MAX_READ, true);
        this.scratch = MEMORY.allocateMemory(MAX_READ, false);
        if (bufvec == 0 || zeros == 0 || scratch == 0) {
            free();
            throw new OutOfMemoryError("cannot allocate the native buffers for read replies");
        }
        this.scratchView = MEMORY.newDirectByteBuffer(scratch, MAX_READ);
        // written, not merely allocated: untouched memory maps the kernel's shared zero page, which the kernel's
        // fast page pinning refuses, and every reply of zeros then took the slow path (a third of a sequential
        // read's CPU where 40% of the disk is zeros)
        MEMORY.setMemory(zeros, MAX_READ, (byte) 0);
    }

    /**
     * Replies to a read of {@code length} bytes (already cut at the disk's end) at {@code offset}.
     *
     * @return libfuse's result: 0, or a negative errno when the reply could not be sent (the request was
     *         interrupted, say)
     * @throws IOException when the core cannot map or read the range; nothing has been replied then
     */
    int reply(long req, long offset, int length) throws IOException {
        if (length > MAX_READ) {
            return replyCopy(req, offset, length);
        }
        start = offset;
        done = 0;
        segments = 0;
        lastKind = KIND_NONE;
        sizedFile = null;
        if (!disk.locate(offset, length, this)) {
            readInto(scratchView.duplicate().limit(length), offset);
            return fuse.fuse_reply_buf(req, scratch, length);
        }
        if (segments == 1 && lastKind == KIND_MEMORY) {
            // one buffer in memory: libfuse writes it as it is
            return fuse.fuse_reply_buf(req, lastEnd - length, length);
        }
        MEMORY.putLong(bufvec + BUFVEC_COUNT, segments);
        MEMORY.putLong(bufvec + BUFVEC_IDX, 0);
        MEMORY.putLong(bufvec + BUFVEC_OFF, 0);
        return fuse.fuse_reply_data(req, bufvec, 0);
    }

    @Override
    public boolean inFile(FileByteSource file, long fileOffset, int length) throws IOException {
        int fd = file.descriptor();
        if (fd < 0 || fileOffset + length > currentLength(file)) {
            return read(start + done, length);
        }
        if (lastKind == KIND_FILE && lastFd == fd && lastEnd == fileOffset) {
            grow(length);
            lastEnd += length;
        } else if (segments < MAX_SEGMENTS) {
            long buf = segment();
            MEMORY.putLong(buf + BUF_SIZE, length);
            MEMORY.putInt(buf + BUF_FLAGS, BUF_IS_FD | BUF_FD_SEEK);
            MEMORY.putLong(buf + BUF_MEM, 0);
            MEMORY.putInt(buf + BUF_FD, fd);
            MEMORY.putLong(buf + BUF_POS, fileOffset);
            lastKind = KIND_FILE;
            lastFd = fd;
            lastEnd = fileOffset + length;
        } else {
            return false;
        }
        done += length;
        return true;
    }

    @Override
    public boolean zeros(int length) {
        return memory(zeros + done, length);
    }

    @Override
    public boolean read(long virtualOffset, int length) throws IOException {
        readInto(scratchView.duplicate().position(done).limit(done + length), virtualOffset);
        return memory(scratch + done, length);
    }

    /** The file's length now, asked once per reply: a file cut short under the mount must not be spliced. */
    private long currentLength(FileByteSource file) throws IOException {
        if (file != sizedFile) {
            sizedFileLength = file.currentSize();
            sizedFile = file;
        }
        return sizedFileLength;
    }

    private boolean memory(long address, int length) {
        if (lastKind == KIND_MEMORY && lastEnd == address) {
            grow(length);
        } else if (segments < MAX_SEGMENTS) {
            long buf = segment();
            MEMORY.putLong(buf + BUF_SIZE, length);
            MEMORY.putInt(buf + BUF_FLAGS, 0);
            MEMORY.putLong(buf + BUF_MEM, address);
            MEMORY.putInt(buf + BUF_FD, -1);
            MEMORY.putLong(buf + BUF_POS, 0);
            lastKind = KIND_MEMORY;
        } else {
            return false;
        }
        lastEnd = address + length;
        done += length;
        return true;
    }

    /** Appends a segment and returns its address. */
    private long segment() {
        return bufvec + BUFVEC_BUF + (long) bufSizeof * segments++;
    }

    /** Lengthens the last segment. */
    private void grow(int length) {
        long buf = bufvec + BUFVEC_BUF + (long) bufSizeof * (segments - 1);
        MEMORY.putLong(buf + BUF_SIZE, MEMORY.getLong(buf + BUF_SIZE) + length);
    }

    /** Fills {@code dst} from the disk at {@code virtualOffset} (the disk is long enough: the caller cut the read). */
    private void readInto(ByteBuffer dst, long virtualOffset) throws IOException {
        int wanted = dst.remaining();
        if (disk.read(virtualOffset, dst) != wanted) {
            throw new IOException("the virtual disk returned less than " + wanted + " bytes at offset "
                    + virtualOffset + " before its end (" + disk.size() + ")");
        }
    }

    /** A read larger than the buffers (libfuse does not ask for one): copied through memory of its own. */
    private int replyCopy(long req, long offset, int length) throws IOException {
        long memory = MEMORY.allocateMemory(length, false);
        if (memory == 0) {
            throw new IOException("cannot allocate " + length + " bytes for a read");
        }
        try {
            readInto(MEMORY.newDirectByteBuffer(memory, length), offset);
            return fuse.fuse_reply_buf(req, memory, length);
        } finally {
            MEMORY.freeMemory(memory);
        }
    }

    /** Releases the native buffers; the instance must not be used afterwards. */
    void free() {
        for (long address : new long[] {bufvec, zeros, scratch}) {
            if (address != 0) {
                MEMORY.freeMemory(address);
            }
        }
    }
}
