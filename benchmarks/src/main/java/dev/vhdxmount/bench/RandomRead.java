package dev.vhdxmount.bench;

import dev.vhdxmount.vhdx.VirtualDisk;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.SplittableRandom;
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
 * 4 KiB reads at random 4 KiB-aligned offsets (the same sequence for both), into a direct buffer: vhdx-core's
 * {@link VirtualDisk#read} against a plain {@link FileChannel#read(ByteBuffer, long)} of the raw file.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RandomRead {
    private static final int READ_SIZE = 4096;

    @Param("")
    public String dir;

    @Param({"dyn-1g-1m", "full-1g-1m"})
    public String image;

    private VirtualDisk disk;
    private FileChannel raw;
    private ByteBuffer buffer;
    private long pages;
    private SplittableRandom random;

    @Setup(Level.Trial)
    public void open() throws IOException {
        disk = Images.vhdx(dir, image);
        raw = Images.raw(dir, image);
        pages = disk.size() / READ_SIZE;
        buffer = ByteBuffer.allocateDirect(READ_SIZE);
        random = new SplittableRandom(42);
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
        disk.close();
        raw.close();
    }

    @Benchmark
    public int vhdx() throws IOException {
        buffer.clear();
        return disk.read(random.nextLong(pages) * READ_SIZE, buffer);
    }

    @Benchmark
    public int fileChannel() throws IOException {
        buffer.clear();
        return raw.read(buffer, random.nextLong(pages) * READ_SIZE);
    }
}
