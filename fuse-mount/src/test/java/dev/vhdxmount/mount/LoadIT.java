package dev.vhdxmount.mount;

import static dev.vhdxmount.vhdx.testkit.Sizes.MIB;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import com.sun.nio.file.ExtendedOpenOption;

import dev.vhdxmount.mount.cli.ExitCode;

/**
 * Load: 8 readers at once, at random offsets and sizes from 4 KiB to 4 MiB, for {@code vhdx.load.seconds} (60 in CI),
 * every byte compared with qemu-img's raw conversion of the same image. No read may fail, and the serving process
 * must not grow in threads or memory: its RSS and thread count are printed before and after, with the throughput.
 *
 * <p>The server runs with a fixed, pre-touched heap ({@code -Xms256m -Xmx256m -XX:+AlwaysPreTouch}, through
 * JAVA_TOOL_OPTIONS): with the default heap, RSS climbs for minutes as the young generation is touched for the first
 * time, which hides any real growth. With the heap resident from the start, RSS growth is native memory, metaspace
 * and JIT code only. The Java heap is checked on its own: the live data after a full GC ({@code jcmd GC.run}) before
 * and after the run.
 *
 * <p>Half the readers open disk.raw with O_DIRECT (offsets and sizes 4 KiB aligned), which bypasses the page cache
 * so that every read reaches the server; the others read through the page cache at any offset and size, which is
 * how tools read, and which with kernel_cache is served from memory once read.
 */
@Timeout(value = 30, unit = TimeUnit.MINUTES)
class LoadIT extends MountTest {
    private static final int READERS = 8;
    private static final int MIN_READ = 4096;
    private static final int MAX_READ = 4 * MIB;
    private static final long SECONDS = Long.getLong("vhdx.load.seconds", 60);
    /** RSS the server may gain between the end of the warm-up and the end of the run (JIT code, malloc arenas). */
    private static final long RSS_SLACK_KB = 32 * 1024;
    /** Live heap (after a full GC) the server may gain over the run. */
    private static final long HEAP_SLACK_KB = 8 * 1024;
    private static final String SERVER_JVM_OPTIONS = "-Xms256m -Xmx256m -XX:+AlwaysPreTouch";

    record Stats(long reads, long bytes, long directReads, long directBytes) {}

    @Test
    void eightReadersAtRandomOffsetsMatchQemusConversionAndTheServerDoesNotGrow() throws Exception {
        // 2 GiB disk, 1 MiB blocks: 40 random runs of 1-24 MiB (some of them zeros) and holes between
        Path raw = dir.resolve("source.raw");
        StringBuilder script = new StringBuilder("truncate -s 2G '" + raw + "'\n");
        SplittableRandom layout = new SplittableRandom(2024);
        for (int i = 0; i < 40; i++) {
            long at = layout.nextLong(2048 - 24);
            int mib = 1 + layout.nextInt(24);
            String from = i % 7 == 3 ? "/dev/zero" : "/dev/urandom";
            script.append("head -c ").append(mib).append("M ").append(from).append(" | dd of='").append(raw)
                    .append("' bs=1M seek=").append(at).append(" conv=notrunc status=none iflag=fullblock\n");
        }
        Path image = dir.resolve("load.vhdx");
        Path oracle = dir.resolve("oracle.raw");
        script.append("qemu-img convert -f raw -O vhdx -o subformat=dynamic,block_size=1M '").append(raw).append("' '")
                .append(image).append("'\nrm -f '").append(raw).append("'\n");
        script.append("qemu-img convert -f vhdx -O raw '").append(image).append("' '").append(oracle).append("'\n");
        MountIt.shOk(script.toString());

        MountIt.cli(java.util.Map.of("JAVA_TOOL_OPTIONS", SERVER_JVM_OPTIONS), image.toString(), mnt.toString())
                .expect(ExitCode.OK);
        Path diskRaw = mnt.resolve("disk.raw");
        long size = Files.size(oracle);
        assertEquals(size, Files.size(diskRaw));
        long pid = MountIt.serverPid(mnt);
        long rssMounted = MountIt.procStatus(pid, "VmRSS");
        long threadsMounted = MountIt.procStatus(pid, "Threads");

        long warmUp = Math.max(2, SECONDS / 10);
        Stats warm = run(diskRaw, oracle, size, warmUp, 1);
        long heapBefore = liveHeapKb(pid);
        long rssBefore = MountIt.procStatus(pid, "VmRSS");
        long threadsBefore = MountIt.procStatus(pid, "Threads");
        long start = System.nanoTime();
        Stats stats = run(diskRaw, oracle, size, SECONDS, 2);
        double elapsed = (System.nanoTime() - start) / 1e9;
        long rssAfter = MountIt.procStatus(pid, "VmRSS");
        long threadsAfter = MountIt.procStatus(pid, "Threads");
        long heapAfter = liveHeapKb(pid);

        String report = String.format("load: %d readers for %.1f s (after a %d s warm-up of %d reads): %d reads,"
                + " %.1f MiB/s in all; O_DIRECT (every byte from the server): %d reads, %.1f MiB/s;"
                + " server RSS %d kB mounted, %d kB before, %d kB after; threads %d mounted, %d before, %d after;"
                + " live heap after a full GC %d kB before, %d kB after (server JVM: %s)",
                READERS, elapsed, warmUp, warm.reads(), stats.reads(), stats.bytes() / elapsed / MIB,
                stats.directReads(), stats.directBytes() / elapsed / MIB, rssMounted, rssBefore, rssAfter,
                threadsMounted, threadsBefore, threadsAfter, heapBefore, heapAfter, SERVER_JVM_OPTIONS);
        System.out.println(report);
        Files.writeString(Path.of("target", "load-report.txt"), report + "\n");

        assertTrue(threadsAfter <= threadsBefore, "threads grew: " + report);
        assertTrue(rssAfter <= rssBefore + RSS_SLACK_KB, "RSS grew: " + report);
        assertTrue(heapAfter <= heapBefore + HEAP_SLACK_KB, "the live heap grew: " + report);
        assertEquals(1, MountIt.servers(mnt).size(), report);
        MountIt.shOk("fusermount -u '" + mnt + "'");
        MountIt.awaitGone(mnt);
    }

    /** The server's live heap in kB: a full GC, then the heap's "used". */
    private static long liveHeapKb(long pid) {
        String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
        MountIt.shOk(jcmd + " " + pid + " GC.run");
        String info = MountIt.shOk(jcmd + " " + pid + " GC.heap_info");
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("heap\\s+total \\d+K, used (\\d+)K")
                .matcher(info);
        assertTrue(m.find(), info);
        return Long.parseLong(m.group(1));
    }

    /** Runs the readers for {@code seconds}; any mismatch or error fails the test. */
    private static Stats run(Path diskRaw, Path oracle, long size, long seconds, long seed) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        AtomicLong reads = new AtomicLong();
        AtomicLong bytes = new AtomicLong();
        AtomicLong direct = new AtomicLong();
        AtomicLong directBytes = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(READERS);
        try {
            List<Future<?>> readers = new ArrayList<>();
            for (int i = 0; i < READERS; i++) {
                boolean oDirect = i % 2 == 0;
                SplittableRandom random = new SplittableRandom(seed * 1000 + i);
                readers.add(pool.submit(() -> {
                    read(diskRaw, oracle, size, oDirect, random, deadline, reads, bytes, direct, directBytes);
                    return null;
                }));
            }
            for (Future<?> f : readers) {
                f.get(seconds + 300, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        return new Stats(reads.get(), bytes.get(), direct.get(), directBytes.get());
    }

    private static void read(Path diskRaw, Path oracle, long size, boolean oDirect, SplittableRandom random,
            long deadline, AtomicLong reads, AtomicLong bytes, AtomicLong direct, AtomicLong directBytes)
            throws IOException {
        try (FileChannel got = oDirect
                ? FileChannel.open(diskRaw, StandardOpenOption.READ, ExtendedOpenOption.DIRECT)
                : FileChannel.open(diskRaw, StandardOpenOption.READ);
                FileChannel want = FileChannel.open(oracle, StandardOpenOption.READ)) {
            ByteBuffer mine = ByteBuffer.allocateDirect(MAX_READ + 8192).alignedSlice(4096);
            ByteBuffer theirs = ByteBuffer.allocateDirect(MAX_READ);
            while (System.nanoTime() < deadline) {
                // sizes spread evenly over the powers of two from 4 KiB to 4 MiB
                int length = (int) Math.min(MAX_READ, MIN_READ * Math.pow(2, random.nextDouble() * 10.0001));
                long offset = random.nextLong(size - length + 1);
                if (oDirect) {
                    length = Math.max(4096, length / 4096 * 4096);
                    offset = offset / 4096 * 4096;
                } else if (random.nextInt(4) == 0) {
                    length = MIN_READ + random.nextInt(MAX_READ - MIN_READ + 1); // any length, unaligned
                    offset = random.nextLong(size - length + 1);
                }
                mine.clear().limit(length);
                theirs.clear().limit(length);
                fill(got, mine, offset);
                fill(want, theirs, offset);
                mine.flip();
                theirs.flip();
                if (!mine.equals(theirs)) {
                    int at = mine.mismatch(theirs);
                    throw new AssertionError("disk.raw differs from qemu-img's conversion at byte " + (offset + at)
                            + " in a read of " + length + " at " + offset + (oDirect ? " (O_DIRECT)" : ""));
                }
                reads.incrementAndGet();
                bytes.addAndGet(length);
                if (oDirect) {
                    direct.incrementAndGet();
                    directBytes.addAndGet(length);
                }
            }
        }
    }

    private static void fill(FileChannel channel, ByteBuffer buffer, long offset) throws IOException {
        int start = buffer.position();
        while (buffer.hasRemaining()) {
            int n = channel.read(buffer, offset + buffer.position() - start);
            if (n < 0) {
                throw new IOException("end of file at " + (offset + buffer.position() - start) + " in a read of "
                        + buffer.limit() + " at " + offset);
            }
        }
    }
}
