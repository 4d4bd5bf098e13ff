package dev.vhdxmount.mount.overlay;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import dev.vhdxmount.vhdx.ExtentSink;
import dev.vhdxmount.vhdx.VirtualDisk;
import dev.vhdxmount.vhdx.error.StorageException;
import dev.vhdxmount.vhdx.io.FileOpener;

/**
 * A read-only disk made writable by a throwaway overlay: every write goes to a temporary file ({@link OverlayFile}),
 * every read sees the overlay first and the base disk elsewhere. The base is only ever read (it has no way to be
 * written), so the image under it stays as it was, byte for byte.
 *
 * <p>The overlay holds whole chunks of {@link #CHUNK_SIZE} bytes, each in a slot of the file; slots are handed out in
 * the order chunks are first written, so the file grows with what was written, whatever the disk's size. A write
 * that covers only part of a chunk not yet in the overlay first copies the chunk from the base. A write that needs
 * more slots than the bound leaves fails whole with {@link OverlayFullException}, before anything changes.
 *
 * <p>Consistency: a write holds its chunks' stripes of {@link RangeLocks} for writing from its first change to its
 * last, and every read of a range that holds overlay chunks holds them for reading, so a read never sees part of a
 * write.
 * A read of a range with no overlay chunk takes no lock at all: it is all base bytes, which never change, and so all
 * old whatever is written meanwhile. A disk nobody wrote to costs a read one volatile load more than its base.
 *
 * <p>The base disk belongs to the caller, who closes it after this.
 */
public final class OverlayDisk implements WritableDisk {
    /**
     * The overlay's unit. 4 KiB (a page, the largest logical sector) is the smallest anything writes, so smaller buys
     * nothing. Larger chunks cost copy-up: the first small write into a chunk reads and writes all of it, once. They
     * save table entries (4 bytes each) and, more to the point, pieces: a read of up to 1 MiB over chunks scattered in
     * the file splices at most 17 pieces, within what the libfuse 3 binding splices in one reply, where 4 KiB chunks
     * could make 257 and have the reply copied. A file system's recovery writes its journal and metadata close
     * together, so a copied-up chunk tends to take later writes in place. qcow2's default cluster and nbdkit's cow
     * filter chose the same size.
     */
    public static final int CHUNK_SIZE = 64 * 1024;
    /**
     * The longest write taken at once: a write holds its stripes for its whole length, which keeps readers of those
     * stripes waiting. A FUSE write is at most 1 MiB.
     */
    public static final int MAX_WRITE = 16 << 20;
    /** {@link #create}'s {@code maxBytes} for no bound but the folder's file system. */
    public static final long UNBOUNDED = Long.MAX_VALUE;
    /**
     * Lock stripes: ranges wait for each other only when they share one, that is when they share a chunk or lie a
     * multiple of this many chunks (64 MiB) apart.
     */
    static final int STRIPES = 1024;

    private final VirtualDisk base;
    private final OverlayFile file;
    private final int chunkSize;
    private final int chunkShift;
    private final long slotCapacity;
    private final ChunkTable table = new ChunkTable();
    private final RangeLocks locks;
    /** The next slot never handed out: every slot below it is reserved, most of them mapped. */
    private final AtomicLong slotsReserved = new AtomicLong();
    /** Writes that may have changed the file, and how many of them the last force covered. */
    private final AtomicLong writes = new AtomicLong();
    private final AtomicLong writesForced = new AtomicLong();
    private final AtomicBoolean closed = new AtomicBoolean();

    private OverlayDisk(VirtualDisk base, OverlayFile file, int chunkSize, int stripes) {
        this.base = base;
        this.file = file;
        this.chunkSize = chunkSize;
        this.chunkShift = Integer.numberOfTrailingZeros(chunkSize);
        this.slotCapacity = file.size() / chunkSize;
        this.locks = new RangeLocks(stripes);
    }

    /**
     * An empty overlay over {@code base}, its file created in {@code folder} and already unlinked. The folder is the
     * caller's to choose (the user's, or the temporary folder); this class reads no environment.
     *
     * @param maxBytes at most this many bytes of written chunks (rounded down to whole chunks), or {@link #UNBOUNDED};
     *                 the file system's own limits may make it less: {@link #maxBytes()}
     * @param opener   opens the overlay file for reading, as the base's files were opened: a splicing server's opener
     *                 gives the pieces of the overlay file an OS descriptor too
     * @throws IllegalArgumentException when {@code maxBytes} is less than one chunk
     * @throws OverlayFullException     when the folder's file system has no room even for the empty file
     */
    public static OverlayDisk create(VirtualDisk base, Path folder, long maxBytes, FileOpener opener)
            throws IOException {
        return create(base, folder, maxBytes, opener, CHUNK_SIZE, STRIPES);
    }

    /** {@link #create}, with the chunk size and the number of stripes a test chooses. */
    static OverlayDisk create(VirtualDisk base, Path folder, long maxBytes, FileOpener opener, int chunkSize,
            int stripes) throws IOException {
        if (Integer.bitCount(chunkSize) != 1 || chunkSize < 512 || chunkSize > (1 << 20)) {
            throw new IllegalArgumentException("chunk size " + chunkSize + ": a power of two from 512 to 1 MiB");
        }
        if (maxBytes < chunkSize) {
            throw new IllegalArgumentException("an overlay of at most " + maxBytes + " bytes holds nothing: it needs at"
                    + " least " + chunkSize);
        }
        long diskChunks = Math.max(1, (base.size() + chunkSize - 1) / chunkSize);
        // slots are ints in the table (plus one), and no chunk ever needs two
        long slots = Math.min(Math.min(maxBytes / chunkSize, diskChunks), Integer.MAX_VALUE - 1);
        OverlayFile file = OverlayFile.create(folder, slots * chunkSize, chunkSize, opener);
        return new OverlayDisk(base, file, chunkSize, stripes);
    }

    @Override
    public long size() {
        return base.size();
    }

    @Override
    public int logicalSectorSize() {
        return base.logicalSectorSize();
    }

    @Override
    public int physicalSectorSize() {
        return base.physicalSectorSize();
    }

    /** The overlay file's path as it was created; unlinked since, so only for saying where the space went. */
    public Path overlayFile() {
        return file.path();
    }

    /** Bytes of the overlay file in use: whole chunks, as many as were written to (and copied up). */
    public long bytesInUse() {
        return slotsReserved.get() * chunkSize;
    }

    /** The bound writes may fill: the one asked for in whole chunks, less where the disk or file system ends first. */
    public long maxBytes() {
        return slotCapacity * chunkSize;
    }

    @Override
    public int read(long virtualOffset, ByteBuffer dst) throws IOException {
        if (table.isEmpty()) {
            return base.read(virtualOffset, dst);
        }
        try (HeldRange held = hold(virtualOffset, dst.remaining())) {
            return held.read(virtualOffset, dst);
        }
    }

    @Override
    public HeldRange hold(long virtualOffset, int length) {
        int n = clamp(virtualOffset, length);
        if (n == 0 || table.isEmpty()) {
            return new BaseView(virtualOffset, n);
        }
        long firstChunk = virtualOffset >>> chunkShift;
        long lastChunk = (virtualOffset + n - 1) >>> chunkShift;
        if (!table.anyMapped(firstChunk, lastChunk)) {
            return new BaseView(virtualOffset, n);
        }
        locks.lockRead(firstChunk, lastChunk);
        return new OverlayView(virtualOffset, n, firstChunk, lastChunk);
    }

    @Override
    public void write(long virtualOffset, ByteBuffer src) throws IOException {
        int length = src.remaining();
        if (virtualOffset < 0 || length > MAX_WRITE || virtualOffset > size() - length) {
            throw new IllegalArgumentException("a write of " + length + " bytes at " + virtualOffset + " does not fit "
                    + (length > MAX_WRITE ? "in one write (at most " + MAX_WRITE + " bytes)"
                            : "the disk of " + size() + " bytes"));
        }
        if (length == 0) {
            return;
        }
        long firstChunk = virtualOffset >>> chunkShift;
        long lastChunk = (virtualOffset + length - 1) >>> chunkShift;
        locks.lockWrite(firstChunk, lastChunk);
        try {
            writeHeld(virtualOffset, src, firstChunk, lastChunk);
        } finally {
            locks.unlockWrite(firstChunk, lastChunk);
            writes.incrementAndGet();
        }
    }

    /** The write, with its chunks' stripes held: no one reads or writes them meanwhile. */
    private void writeHeld(long virtualOffset, ByteBuffer src, long firstChunk, long lastChunk) throws IOException {
        int length = src.remaining();
        long end = virtualOffset + length;
        // both partial chunks come from the base before anything changes, so that a base that fails changes nothing
        ByteBuffer firstCopy = copyUpIfPartial(firstChunk, virtualOffset, end);
        ByteBuffer lastCopy = lastChunk == firstChunk ? null : copyUpIfPartial(lastChunk, virtualOffset, end);
        int fresh = 0;
        for (long chunk = firstChunk; chunk <= lastChunk; chunk++) {
            fresh += table.slotOf(chunk) == ChunkTable.ABSENT ? 1 : 0;
        }
        long nextSlot = fresh == 0 ? 0 : reserve(fresh, virtualOffset, length);
        long slotsEnd = nextSlot + fresh;
        int done = 0;
        try {
            for (long chunk = firstChunk; chunk <= lastChunk; chunk++) {
                long chunkStart = chunk << chunkShift;
                long from = Math.max(virtualOffset, chunkStart);
                int n = (int) (Math.min(end, chunkStart + chunkSize) - from);
                ByteBuffer part = src.duplicate();
                part.position(src.position() + done).limit(src.position() + done + n);
                int slot = table.slotOf(chunk);
                if (slot != ChunkTable.ABSENT) {
                    file.write(part, slotOffset(slot) + (from - chunkStart));
                } else {
                    ByteBuffer copy = chunk == firstChunk ? firstCopy : chunk == lastChunk ? lastCopy : null;
                    if (copy != null) {
                        copy.duplicate().position((int) (from - chunkStart)).put(part);
                        part = copy;
                    }
                    file.write(part, slotOffset((int) nextSlot));
                    table.map(chunk, (int) nextSlot);
                    nextSlot++;
                }
                done += n;
            }
        } catch (IOException | RuntimeException | Error e) {
            release(nextSlot, slotsEnd);
            throw e;
        }
        src.position(src.position() + length);
    }

    /**
     * The whole of {@code chunk} as the base has it, when it is not in the overlay and {@code [from, end)} covers only
     * part of it; else null.
     */
    private ByteBuffer copyUpIfPartial(long chunk, long from, long end) throws IOException {
        if (table.slotOf(chunk) != ChunkTable.ABSENT) {
            return null;
        }
        long chunkStart = chunk << chunkShift;
        int chunkLength = (int) Math.min(chunkSize, size() - chunkStart);
        if (from <= chunkStart && end >= chunkStart + chunkLength) {
            return null;
        }
        ByteBuffer copy = ByteBuffer.allocate(chunkLength);
        readBase(chunkStart, copy);
        return copy.flip();
    }

    /** Hands out {@code count} consecutive slots, or fails the write before it changed anything. */
    private long reserve(int count, long virtualOffset, int length) throws OverlayFullException {
        while (true) {
            long first = slotsReserved.get();
            if (first > slotCapacity - count) {
                throw new OverlayFullException("the overlay is full: " + first * chunkSize + " of at most "
                        + maxBytes() + " bytes in use; a write of " + length + " bytes at " + virtualOffset
                        + " needs " + (long) count * chunkSize + " more");
            }
            if (slotsReserved.compareAndSet(first, first + count)) {
                return first;
            }
        }
    }

    /**
     * Gives back the reserved slots {@code [from, end)} a failed write did not map, where no write reserved slots
     * after them; otherwise they stay unused, since slots are handed out only at the end.
     */
    private void release(long from, long end) {
        if (from < end) {
            slotsReserved.compareAndSet(end, from);
        }
    }

    private long slotOffset(int slot) {
        return (long) slot << chunkShift;
    }

    @Override
    public void flush() throws IOException {
        long done = writes.get();
        if (done == writesForced.get()) {
            return; // nothing since the last force: a recovering file system flushes often
        }
        file.force();
        writesForced.accumulateAndGet(done, Math::max);
    }

    /** Closes the overlay file, which frees its space; the base stays open (it is the caller's). */
    @Override
    public void close() throws IOException {
        if (closed.compareAndSet(false, true)) {
            file.close();
        }
    }

    /** The bytes of {@code [virtualOffset, virtualOffset + length)} before the disk's end. */
    private int clamp(long virtualOffset, int length) {
        if (virtualOffset < 0 || length < 0) {
            throw new IllegalArgumentException(virtualOffset < 0 ? "negative offset " + virtualOffset
                    : "negative length " + length);
        }
        return (int) Math.min(length, Math.max(0, size() - virtualOffset));
    }

    private void readBase(long virtualOffset, ByteBuffer dst) throws IOException {
        int wanted = dst.remaining();
        int n = base.read(virtualOffset, dst);
        if (n != wanted) {
            throw new IOException("the base disk returned " + n + " of " + wanted + " bytes at offset " + virtualOffset
                    + ", before its end (" + base.size() + ")");
        }
    }

    /**
     * Where the bytes from {@code virtualOffset} continue alike, as a length up to {@code remaining}: a run of chunks
     * not in the overlay, or of chunks in consecutive slots (one range of the file), starting with the chunk of
     * {@code virtualOffset}, whose slot is {@code slot}.
     */
    private int run(long virtualOffset, int remaining, int slot) {
        long limit = virtualOffset + remaining;
        long runEnd = ((virtualOffset >>> chunkShift) + 1) << chunkShift;
        int expected = slot;
        while (runEnd < limit) {
            int next = table.slotOf(runEnd >>> chunkShift);
            if (slot == ChunkTable.ABSENT ? next != ChunkTable.ABSENT : next != ++expected) {
                break;
            }
            runEnd += chunkSize;
        }
        return (int) (Math.min(runEnd, limit) - virtualOffset);
    }

    /** A range held: what it reads and locates, checked to lie within it. */
    private abstract class View implements HeldRange {
        final long start;
        final int length;
        private volatile boolean released;

        View(long start, int length) {
            this.start = start;
            this.length = length;
        }

        @Override
        public long size() {
            return OverlayDisk.this.size();
        }

        @Override
        public int logicalSectorSize() {
            return OverlayDisk.this.logicalSectorSize();
        }

        @Override
        public int physicalSectorSize() {
            return OverlayDisk.this.physicalSectorSize();
        }

        @Override
        public int read(long virtualOffset, ByteBuffer dst) throws IOException {
            int n = checkWithin(virtualOffset, dst.remaining());
            if (n == 0) {
                return dst.hasRemaining() ? -1 : 0;
            }
            return readHeld(virtualOffset, dst.duplicate().limit(dst.position() + n), dst);
        }

        @Override
        public boolean locate(long virtualOffset, int length, ExtentSink sink) throws IOException {
            int n = checkWithin(virtualOffset, length);
            return n == 0 || locateHeld(virtualOffset, n, sink);
        }

        /** Reads {@code window} (within the range, not empty) and advances {@code dst} past it. */
        abstract int readHeld(long virtualOffset, ByteBuffer window, ByteBuffer dst) throws IOException;

        abstract boolean locateHeld(long virtualOffset, int length, ExtentSink sink) throws IOException;

        private int checkWithin(long virtualOffset, int wanted) {
            if (released) {
                throw new IllegalStateException("the hold of " + length + " bytes at " + start + " was closed");
            }
            int n = clamp(virtualOffset, wanted);
            if (virtualOffset < start || virtualOffset + n > start + length) {
                throw new IllegalArgumentException(n + " bytes at " + virtualOffset + " are not within the hold of "
                        + length + " bytes at " + start);
            }
            return n;
        }

        @Override
        public void close() {
            if (!released) {
                released = true;
                release();
            }
        }

        abstract void release();
    }

    /** A range with no overlay chunk when it was held: the base's bytes, all of them, however it is written since. */
    private final class BaseView extends View {
        BaseView(long start, int length) {
            super(start, length);
        }

        @Override
        int readHeld(long virtualOffset, ByteBuffer window, ByteBuffer dst) throws IOException {
            int n = window.remaining();
            readBase(virtualOffset, window);
            dst.position(dst.position() + n);
            return n;
        }

        @Override
        boolean locateHeld(long virtualOffset, int length, ExtentSink sink) throws IOException {
            return base.locate(virtualOffset, length, sink);
        }

        @Override
        void release() {
            // nothing was locked
        }
    }

    /** A range with overlay chunks, its stripes held for reading: the overlay's bytes where it has them. */
    private final class OverlayView extends View {
        private final long firstChunk;
        private final long lastChunk;

        OverlayView(long start, int length, long firstChunk, long lastChunk) {
            super(start, length);
            this.firstChunk = firstChunk;
            this.lastChunk = lastChunk;
        }

        @Override
        int readHeld(long virtualOffset, ByteBuffer window, ByteBuffer dst) throws IOException {
            int n = window.remaining();
            int done = 0;
            while (done < n) {
                long at = virtualOffset + done;
                int slot = table.slotOf(at >>> chunkShift);
                int m = run(at, n - done, slot);
                ByteBuffer piece = window.duplicate();
                piece.position(window.position() + done).limit(window.position() + done + m);
                if (slot == ChunkTable.ABSENT) {
                    readBase(at, piece);
                } else {
                    readOverlay(at, slotOffset(slot) + (at & (chunkSize - 1)), piece);
                }
                done += m;
            }
            dst.position(dst.position() + n);
            return n;
        }

        @Override
        boolean locateHeld(long virtualOffset, int length, ExtentSink sink) throws IOException {
            int done = 0;
            while (done < length) {
                long at = virtualOffset + done;
                int slot = table.slotOf(at >>> chunkShift);
                int m = run(at, length - done, slot);
                boolean more = slot == ChunkTable.ABSENT ? base.locate(at, m, sink)
                        : sink.inFile(file.reader(), slotOffset(slot) + (at & (chunkSize - 1)), m);
                if (!more) {
                    return false;
                }
                done += m;
            }
            return true;
        }

        private void readOverlay(long virtualOffset, long fileOffset, ByteBuffer piece) throws IOException {
            int wanted = piece.remaining();
            int n;
            try {
                n = file.reader().readFully(piece, fileOffset);
            } catch (StorageException e) {
                throw e.atVirtualOffset(virtualOffset + e.fileOffset() - fileOffset);
            }
            if (n != wanted) {
                throw new IOException("the overlay file " + file.path() + " ends at " + (fileOffset + n)
                        + ", inside the slot that holds virtual offset " + virtualOffset);
            }
        }

        @Override
        void release() {
            locks.unlockRead(firstChunk, lastChunk);
        }
    }
}
