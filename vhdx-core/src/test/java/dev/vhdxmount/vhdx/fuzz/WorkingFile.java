package dev.vhdxmount.vhdx.fuzz;

import java.io.Closeable;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Comparator;
import java.util.List;

/**
 * A writable copy of a seed file that a case mutates and {@link #restore()} puts back, so that a case costs the
 * bytes it changes rather than a copy of the whole image (the corpus images are 36 MiB files). Every change is
 * journaled as a dirty range; restoring sets the length back and copies those ranges from the pristine seed.
 */
final class WorkingFile implements Closeable {
    private static final int CHUNK = 64 * 1024;
    private static final byte[] ZEROS = new byte[CHUNK];

    private final Path path;
    private final FileChannel pristine;
    private final long seedSize;
    private final BitSet nonZeroChunks;
    private final RandomAccessFile file;
    private final FileChannel ch;
    /** {start, end, exact}: exact ranges are copied whole; cut-off ranges only where the seed is not zero. */
    private final List<long[]> dirty = new ArrayList<>();
    private final ByteBuffer buffer = ByteBuffer.allocate(CHUNK);

    WorkingFile(Path seed, BitSet nonZeroChunks, Path copy) throws IOException {
        this.path = copy;
        this.pristine = FileChannel.open(seed, StandardOpenOption.READ);
        this.seedSize = pristine.size();
        this.nonZeroChunks = nonZeroChunks;
        Files.deleteIfExists(copy);
        this.file = new RandomAccessFile(copy.toFile(), "rw");
        this.ch = file.getChannel();
        copyFromSeed(0, seedSize, false);
        file.setLength(seedSize);
    }

    /** Which 64 KiB chunks of a file are not all zero: a sparse copy writes only those. */
    static BitSet nonZeroChunks(Path file) throws IOException {
        BitSet set = new BitSet();
        try (FileChannel c = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate(CHUNK);
            for (long at = 0, i = 0; at < c.size(); at += CHUNK, i++) {
                b.clear();
                while (b.hasRemaining() && c.read(b, at + b.position()) > 0) {
                    // fill
                }
                if (Arrays.mismatch(b.array(), 0, b.position(), ZEROS, 0, b.position()) >= 0) {
                    set.set((int) i); // mismatch, not a loop: every worker JVM scans the seeds before it warms up
                }
            }
        }
        return set;
    }

    Path path() {
        return path;
    }

    long size() throws IOException {
        return ch.size();
    }

    /** The current bytes at {@code offset}; zeros past the end. */
    byte[] read(long offset, int length) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(length);
        while (b.hasRemaining() && ch.read(b, offset + b.position()) > 0) {
            // fill
        }
        return b.array();
    }

    void write(long offset, byte[] bytes) throws IOException {
        dirty.add(new long[] {offset, offset + bytes.length, 1});
        ByteBuffer b = ByteBuffer.wrap(bytes);
        while (b.hasRemaining()) {
            ch.write(b, offset + b.position());
        }
    }

    /** Truncates or extends (sparsely) the file. */
    void setLength(long length) throws IOException {
        long current = ch.size();
        if (length < current) {
            dirty.add(new long[] {length, current, 0});
        }
        file.setLength(length);
    }

    /** Puts the seed's bytes back: the length, then every range a case changed. */
    void restore() throws IOException {
        if (dirty.isEmpty() && ch.size() == seedSize) {
            return;
        }
        file.setLength(seedSize);
        // cut-off ranges first, then exact ones (sorted and merged: a log flood leaves thousands of small ones)
        dirty.sort(Comparator.<long[]>comparingLong(d -> d[2]).thenComparingLong(d -> d[0]));
        long[] run = null;
        for (long[] d : dirty) {
            if (run != null && run[2] == d[2] && d[0] <= run[1]) {
                run[1] = Math.max(run[1], d[1]);
                continue;
            }
            if (run != null) {
                copyFromSeed(run[0], Math.min(run[1], seedSize), run[2] == 1);
            }
            run = d.clone();
        }
        if (run != null) {
            copyFromSeed(run[0], Math.min(run[1], seedSize), run[2] == 1);
        }
        dirty.clear();
    }

    private void copyFromSeed(long from, long to, boolean exact) throws IOException {
        ByteBuffer b = buffer;
        for (long at = from; at < to; ) {
            long chunkEnd = Math.min(to, (at / CHUNK + 1) * CHUNK);
            if (exact || nonZeroChunks.get((int) (at / CHUNK))) {
                b.clear().limit((int) (chunkEnd - at));
                while (b.hasRemaining() && pristine.read(b, at + b.position()) > 0) {
                    // fill
                }
                b.flip();
                while (b.hasRemaining()) {
                    ch.write(b, at + b.position());
                }
            }
            at = chunkEnd;
        }
    }

    @Override
    public void close() throws IOException {
        try {
            pristine.close();
        } finally {
            file.close();
        }
    }
}
