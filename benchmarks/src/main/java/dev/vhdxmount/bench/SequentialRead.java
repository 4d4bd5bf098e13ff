package dev.vhdxmount.bench;

import dev.vhdxmount.vhdx.VirtualDisk;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Sequential reads of the whole virtual disk, {@code readSize} bytes at a time into a direct buffer (as the FUSE
 * adapter reads into libfuse's buffer), wrapping round at the end: vhdx-core's {@link VirtualDisk#read} against a
 * plain {@link FileChannel#read(ByteBuffer, long)} of the same bytes from the raw file. One operation is one read:
 * bytes per second = ops/s x readSize.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class SequentialRead {
    /** Folder of the images; empty: the system property vhdx.bench.dir, else /var/tmp/vhdx-bench. */
    @Param("")
    public String dir;

    /** dyn-1g-1m: 1 GiB, 1 MiB blocks, 60% data; full-1g-1m: every block present. */
    @Param({"dyn-1g-1m", "full-1g-1m"})
    public String image;

    /** 128 KiB: the most libfuse 2 asks for at once; 1 MiB: one whole block. */
    @Param({"131072", "1048576"})
    public int readSize;

    private VirtualDisk disk;
    private FileChannel raw;
    private ByteBuffer buffer;
    private long size;
    private long position;

    @Setup(Level.Trial)
    public void open() throws IOException {
        disk = Images.vhdx(dir, image);
        raw = Images.raw(dir, image);
        size = disk.size();
        if (raw.size() != size) {
            throw new IllegalStateException(image + ": the raw file's size " + raw.size() + " is not " + size);
        }
        buffer = ByteBuffer.allocateDirect(readSize);
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
        disk.close();
        raw.close();
    }

    private long next() {
        long at = position;
        position = at + readSize >= size ? 0 : at + readSize;
        return at;
    }

    @Benchmark
    public int vhdx() throws IOException {
        buffer.clear();
        return disk.read(next(), buffer);
    }

    @Benchmark
    public int fileChannel() throws IOException {
        buffer.clear();
        long at = next();
        int total = 0;
        while (buffer.hasRemaining()) {
            int n = raw.read(buffer, at + total);
            if (n < 0) {
                break;
            }
            total += n;
        }
        return total;
    }
}
