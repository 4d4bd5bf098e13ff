package dev.vhdxmount.mount.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import dev.vhdxmount.vhdx.VirtualDisk;
import dev.vhdxmount.vhdx.check.Progress;

/**
 * Digests of a whole virtual disk, several in one pass: the bytes a user sees (the log replayed, the chain resolved),
 * so that they match a hash of a raw copy.
 *
 * <p>The calling thread reads the disk in large runs into a few buffers, ahead of the digests, which each run on a
 * thread of their own: reading and hashing overlap, and several digests share the two cores. Holes cost no I/O:
 * {@link VirtualDisk#read} fills them from memory. They still cost their hashing: MD5 and the SHA family have no
 * shortcut for a run of zeros, so on a mostly empty disk the digests bound the speed (docs/benchmarks.md).
 */
final class DiskHasher {
    /** The digests offered, by the name the user gives (and sha256sum's family uses). */
    enum Algorithm {
        MD5("MD5"), SHA1("SHA-1"), SHA256("SHA-256"), SHA512("SHA-512");

        final String jcaName;

        Algorithm(String jcaName) {
            this.jcaName = jcaName;
        }

        /** md5, sha1, sha256, sha512. */
        String id() {
            return name().toLowerCase(Locale.ROOT);
        }

        MessageDigest newDigest() {
            try {
                return MessageDigest.getInstance(jcaName);
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("every JDK has " + jcaName, e);
            }
        }

        static Algorithm of(String id) {
            for (Algorithm a : values()) {
                if (a.id().equalsIgnoreCase(id.trim())) {
                    return a;
                }
            }
            throw new IllegalArgumentException("unknown hash '" + id + "' (expected md5, sha1, sha256 or sha512)");
        }
    }

    /** 8 MiB a read: whole blocks of a disk with small blocks, few calls for large ones. */
    static final int CHUNK = 8 << 20;
    /** Buffers in flight: the reader stays this far ahead of the slowest digest. */
    private static final int BUFFERS = 4;

    /** A filled buffer on its way through every digest; the last digest done gives it back. */
    private record Chunk(ByteBuffer bytes, AtomicInteger pending) {}

    private static final Chunk END = new Chunk(ByteBuffer.allocate(0), new AtomicInteger());

    private DiskHasher() {}

    /**
     * @return each algorithm's digest of the whole disk, lowercase hex, in the order asked
     * @throws CancellationException when {@code progress} says to stop
     */
    static Map<Algorithm, String> hash(VirtualDisk disk, List<Algorithm> algorithms, Progress progress)
            throws IOException {
        BlockingQueue<ByteBuffer> free = new ArrayBlockingQueue<>(BUFFERS);
        for (int i = 0; i < BUFFERS; i++) {
            free.add(ByteBuffer.allocateDirect(CHUNK)); // direct: the file is read into it with no copy in between
        }
        List<BlockingQueue<Chunk>> queues = new ArrayList<>();
        ExecutorService workers = Executors.newFixedThreadPool(algorithms.size(), r -> {
            Thread t = new Thread(r, "vhdx-hash");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<String>> digests = new ArrayList<>();
            for (Algorithm a : algorithms) {
                BlockingQueue<Chunk> queue = new ArrayBlockingQueue<>(BUFFERS + 1);
                queues.add(queue);
                digests.add(workers.submit(() -> digest(a.newDigest(), queue, free, progress)));
            }
            progress.addTotal(disk.size());
            read(disk, free, queues, progress);
            Map<Algorithm, String> out = new LinkedHashMap<>();
            for (int i = 0; i < algorithms.size(); i++) {
                out.put(algorithms.get(i), digests.get(i).get());
            }
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CancellationException("interrupted");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(e.getCause());
        } finally {
            workers.shutdownNow();
        }
    }

    /** Reads the disk in order into free buffers and hands each to every digest; ends each digest's queue. */
    private static void read(VirtualDisk disk, BlockingQueue<ByteBuffer> free, List<BlockingQueue<Chunk>> queues,
            Progress progress) throws IOException, InterruptedException {
        long size = disk.size();
        try {
            for (long offset = 0; offset < size; ) {
                progress.checkCancelled();
                ByteBuffer buffer = free.take();
                buffer.clear().limit((int) Math.min(CHUNK, size - offset));
                while (buffer.hasRemaining()) {
                    int n = disk.read(offset + buffer.position(), buffer);
                    if (n <= 0) {
                        throw new IOException("the disk ended at " + (offset + buffer.position()) + " of " + size
                                + " bytes");
                    }
                }
                buffer.flip();
                offset += buffer.remaining();
                Chunk chunk = new Chunk(buffer, new AtomicInteger(queues.size()));
                for (BlockingQueue<Chunk> q : queues) {
                    q.put(chunk);
                }
            }
        } finally {
            for (BlockingQueue<Chunk> q : queues) {
                q.put(END);
            }
        }
    }

    /** One digest's loop: every chunk in order, until the end; the last digest of a chunk frees its buffer. */
    private static String digest(MessageDigest md, BlockingQueue<Chunk> queue, BlockingQueue<ByteBuffer> free,
            Progress progress) throws InterruptedException {
        for (Chunk c = queue.take(); c != END; c = queue.take()) {
            md.update(c.bytes.duplicate());
            if (c.pending.decrementAndGet() == 0) {
                progress.advance(c.bytes.remaining());
                free.put(c.bytes);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }
}
