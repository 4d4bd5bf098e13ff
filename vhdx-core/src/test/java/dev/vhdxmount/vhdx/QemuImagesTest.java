package dev.vhdxmount.vhdx;

import static dev.vhdxmount.vhdx.testkit.Sizes.MIB;
import static dev.vhdxmount.vhdx.testkit.Sizes.GIB;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vhdxmount.vhdx.testkit.Hashes;
import dev.vhdxmount.vhdx.testkit.Slow;
import dev.vhdxmount.vhdx.testkit.Tools;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Images written by qemu-img during the test run: fixed and dynamic, block sizes 1 to 256 MiB, sizes that are not a
 * multiple of the block size, data on both sides of the 4 GiB chunk boundary (where the BAT's first sector-bitmap
 * entry sits). The raw file qemu-img converted from is the oracle; qemu-img's own reading of the VHDX agrees.
 */
class QemuImagesTest {

    @TempDir
    Path tmp;

    @BeforeAll
    static void needQemu() {
        Tools.require("qemu-img");
    }

    static Stream<Arguments> images() {
        return Stream.of(
                Arguments.of("dynamic", 8, 200 * MIB + 512),
                Arguments.of("fixed", 1, 48 * MIB + 4096),
                Arguments.of("fixed", 32, 100 * MIB),
                Arguments.of("fixed", 256, 300 * MIB + 512));
    }

    static Stream<Arguments> imagesPastTheFirstChunk() {
        long big = 4 * GIB + 41 * MIB + 3 * 512; // past the first chunk, not a multiple of any block size
        return Stream.of(
                Arguments.of("dynamic", 1, big),
                Arguments.of("dynamic", 32, big),
                Arguments.of("dynamic", 256, big),
                Arguments.of("fixed", 8, big));
    }

    @ParameterizedTest(name = "{0}, {1} MiB blocks, {2} bytes")
    @MethodSource("images")
    void wholeDiskAndRandomReadsMatchTheRawOracle(String subformat, int blockMiB, long size) throws Exception {
        checkAgainstQemu(subformat, blockMiB, size);
    }

    /** Past 4 GiB, where the BAT's first sector-bitmap entry sits: each image takes 8-22 s. */
    @Slow
    @ParameterizedTest(name = "{0}, {1} MiB blocks, {2} bytes")
    @MethodSource("imagesPastTheFirstChunk")
    void pastTheFirstChunkWholeDiskAndRandomReadsMatchTheRawOracle(String subformat, int blockMiB, long size)
            throws Exception {
        checkAgainstQemu(subformat, blockMiB, size);
    }

    private void checkAgainstQemu(String subformat, int blockMiB, long size) throws Exception {
        Path raw = tmp.resolve("disk.raw");
        writeSparseRaw(raw, size, blockMiB * MIB, new Random(size ^ blockMiB));
        Path vhdx = tmp.resolve("disk.vhdx");
        Tools.check("qemu-img", "convert", "-f", "raw", "-O", "vhdx", "-o",
                "subformat=" + subformat + ",block_size=" + blockMiB + "M", raw.toString(), vhdx.toString());
        Path back = tmp.resolve("back.raw");
        Tools.check("qemu-img", "convert", "-f", "vhdx", "-O", "raw", vhdx.toString(), back.toString());

        // the oracle is qemu-img's own reading of the VHDX; it equals what was converted (checked by sampling)
        try (VirtualDisk disk = VhdxImage.open(vhdx);
                FileChannel oracle = FileChannel.open(back, StandardOpenOption.READ)) {
            assertEquals(size, disk.size());
            assertEquals(Hashes.sha256(back), Hashes.sha256(disk), "whole virtual disk vs qemu-img convert -O raw");
            randomReads(disk, oracle, size, blockMiB * MIB, new Random(42));
        }
        try (FileChannel original = FileChannel.open(raw, StandardOpenOption.READ);
                FileChannel qemu = FileChannel.open(back, StandardOpenOption.READ)) {
            for (long at : new long[] {0, blockMiB * MIB - 5000, 4 * GIB - 3 * MIB + 777, size - 70000}) {
                assertEquals(slice(original, at), slice(qemu, at), "oracle sanity at " + at);
            }
        }
    }

    private static ByteBuffer slice(FileChannel ch, long at) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(8192);
        ch.read(b, Math.max(0, at));
        return b.flip();
    }

    /** A sparse raw disk with random data at the start, across block boundaries, around 4 GiB and at the end. */
    static void writeSparseRaw(Path raw, long size, long blockSize, Random random) throws IOException {
        try (FileChannel ch = FileChannel.open(raw, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ch.truncate(size);
            put(ch, random, 0, 64 * 1024, size);
            put(ch, random, blockSize - 5000, 10000 + 2 * MIB, size);
            put(ch, random, 4 * GIB - 3 * MIB + 777, 5 * MIB + 123, size);
            put(ch, random, size - 70000, 70000, size);
            if (ch.size() < size) {
                ch.write(ByteBuffer.allocate(1), size - 1);
            }
        }
    }

    private static void put(FileChannel ch, Random random, long offset, long length, long size) throws IOException {
        if (offset < 0 || offset >= size) {
            return;
        }
        byte[] data = new byte[(int) Math.min(length, size - offset)];
        random.nextBytes(data);
        ch.write(ByteBuffer.wrap(data), offset);
    }

    /** Seeded random reads of random lengths at offsets biased to block, chunk and disk boundaries. */
    static void randomReads(VirtualDisk disk, FileChannel oracle, long size, long blockSize, Random random)
            throws IOException {
        long[] hotSpots = {0, blockSize, 4 * GIB, size};
        for (int i = 0; i < 600; i++) {
            long offset;
            if (random.nextBoolean()) {
                long spot = hotSpots[random.nextInt(hotSpots.length)];
                offset = spot + random.nextInt(2 * 1024 * 1024) - 1024 * 1024;
            } else {
                offset = (long) (random.nextDouble() * size);
            }
            offset = Math.max(0, Math.min(offset, size - 1));
            int length = 1 + random.nextInt(random.nextInt(4) == 0 ? 3 * 1024 * 1024 : 9000);
            ByteBuffer actual = ByteBuffer.allocate(length);
            int n = disk.read(offset, actual);
            int expectedLength = (int) Math.min(length, size - offset);
            assertEquals(expectedLength, n, "bytes read at " + offset);
            ByteBuffer expected = ByteBuffer.allocate(expectedLength);
            oracle.read(expected, offset);
            assertArrayEquals(expected.array(), java.util.Arrays.copyOf(actual.array(), expectedLength),
                    "read of " + length + " bytes at " + offset);
        }
        assertEquals(-1, disk.read(size, ByteBuffer.allocate(1)), "read at the end of the disk");
    }
}
