package dev.vhdxmount.mount.overlay;

import static dev.vhdxmount.vhdx.testkit.Sizes.KIB;
import static dev.vhdxmount.vhdx.testkit.Sizes.MIB;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.vhdxmount.vhdx.VhdxImage;
import dev.vhdxmount.vhdx.VirtualDisk;
import dev.vhdxmount.vhdx.io.FileOpener;
import dev.vhdxmount.vhdx.testkit.LocatedReader;
import dev.vhdxmount.vhdx.testkit.VhdxBuilder;

/**
 * Random writes of any size and alignment against a byte array that does the same, over a VHDX whose pieces are of
 * every kind (file ranges, zeros, and a replayed log's bytes to read): after each write, random ranges read alike by
 * {@code read}, by locating them under a hold, and in the model; at the end, the whole disk.
 */
class OverlayModelTest {
    /** Not a multiple of any chunk size: the last chunk is partial. */
    private static final long SIZE = 6L * MIB + 5 * 512;
    private static final int WRITES = 400;
    /**
     * Never written, so that the end holds base pieces of every kind: the image's file ranges, and the replayed log's
     * bytes, which the base describes as bytes to read.
     */
    private static final long KEPT_START = 2L * MIB + 256 * KIB;
    private static final long KEPT_END = 3L * MIB + 64 * KIB;

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "chunks of {0} bytes")
    @ValueSource(ints = {OverlayDisk.CHUNK_SIZE, 4096, 512})
    void randomWritesReadAsTheModelSays(int chunkSize) throws IOException {
        VhdxBuilder b = VhdxBuilder.dynamic(SIZE).blockSize(MIB);
        b.write(0, VhdxBuilder.pattern(300 * KIB, 1));
        b.write(2L * MIB + 1000 * 512, VhdxBuilder.pattern(700 * KIB, 2));
        b.write(3L * MIB, VhdxBuilder.pattern(64 * KIB, 3));
        b.log().entry().bat(3).payload(3L * MIB, 8 * KIB);
        b.write(SIZE - 40 * KIB, VhdxBuilder.pattern(40 * KIB, 4));
        Path image = b.build(tmp.resolve("base.vhdx")).path();
        byte[] model = b.expected().read(0, (int) SIZE);
        Path folder = Files.createDirectory(tmp.resolve("overlay"));

        SplittableRandom random = new SplittableRandom(chunkSize);
        try (VirtualDisk base = VhdxImage.open(image);
             OverlayDisk disk = OverlayDisk.create(base, folder, OverlayDisk.UNBOUNDED, FileOpener.DEFAULT, chunkSize,
                     OverlayDisk.STRIPES)) {
            assertEquals(SIZE, disk.size());
            checkRandomReads(disk, model, random, 20);
            for (int i = 0; i < WRITES; i++) {
                long offset;
                int length;
                switch (random.nextInt(4)) {
                    case 0 -> { // small, anywhere
                        length = 1 + random.nextInt(3 * chunkSize);
                        offset = random.nextLong(SIZE - length + 1);
                    }
                    case 1 -> { // large, across many chunks
                        length = 1 + random.nextInt(300 * KIB);
                        offset = random.nextLong(SIZE - length + 1);
                    }
                    case 2 -> { // up to the disk's end
                        length = 1 + random.nextInt(2 * chunkSize);
                        offset = SIZE - length;
                    }
                    default -> { // whole chunks, aligned
                        length = chunkSize * (1 + random.nextInt(4));
                        offset = random.nextLong(SIZE / chunkSize - 4) * chunkSize;
                    }
                }
                if (offset < KEPT_END && offset + length > KEPT_START) {
                    continue;
                }
                byte[] data = new byte[length];
                random.nextBytes(data);
                ByteBuffer src = ByteBuffer.wrap(data);
                disk.write(offset, src);
                assertEquals(0, src.remaining(), "the write consumes its buffer");
                System.arraycopy(data, 0, model, (int) offset, length);
                checkRandomReads(disk, model, random, 3);
            }
            disk.flush();

            assertEquals(-1, firstMismatch(model, disk::read), "read, the whole disk");
            try (HeldRange held = disk.hold(0, (int) SIZE)) {
                LocatedReader located = new LocatedReader(held);
                assertEquals(-1, firstMismatch(model, located::read), "located under a hold, the whole disk");
                assertTrue(located.files().stream().anyMatch(f -> f.path().equals(disk.overlayFile())),
                        "the overlay's bytes are described as ranges of its file: " + located.files());
                assertTrue(located.files().stream().anyMatch(f -> f.path().equals(image)),
                        "the base's bytes as ranges of the image");
                assertTrue(located.readBytes() > 0, "the replayed log's bytes pass through, read through the hold");
            }
            LocatedReader unheld = new LocatedReader(disk);
            assertEquals(-1, firstMismatch(model, unheld::read), "located without a hold");
            assertEquals(SIZE, unheld.readBytes(), "without a hold, the range is one piece to read");
        }
    }

    private static void checkRandomReads(OverlayDisk disk, byte[] model, SplittableRandom random, int count)
            throws IOException {
        for (int i = 0; i < count; i++) {
            int length = 1 + random.nextInt(random.nextBoolean() ? 4 * KIB : 600 * KIB);
            long offset = random.nextLong(SIZE + 1);
            int expected = (int) Math.min(length, SIZE - offset);

            ByteBuffer viaRead = ByteBuffer.allocate(length);
            int n = disk.read(offset, viaRead);
            assertEquals(expected == 0 ? -1 : expected, n, "read " + length + " at " + offset);
            assertArrayEquals(Arrays.copyOfRange(model, (int) offset, (int) offset + expected),
                    Arrays.copyOf(viaRead.array(), expected), "read " + length + " at " + offset);

            ByteBuffer viaLocate = ByteBuffer.allocate(expected);
            try (HeldRange held = disk.hold(offset, length)) {
                new LocatedReader(held).read(offset, viaLocate);
            }
            assertArrayEquals(Arrays.copyOfRange(model, (int) offset, (int) offset + expected), viaLocate.array(),
                    "located " + length + " at " + offset);
        }
    }

    /** The first offset where {@code source} differs from {@code model}, reading in uneven pieces; -1 if none. */
    private static long firstMismatch(byte[] model, Source source) throws IOException {
        int piece = 200 * KIB + 3;
        for (int offset = 0; offset < model.length; offset += piece) {
            int n = Math.min(piece, model.length - offset);
            ByteBuffer got = ByteBuffer.allocate(n);
            if (source.read(offset, got) != n) {
                return offset;
            }
            int m = Arrays.mismatch(Arrays.copyOfRange(model, offset, offset + n), got.array());
            if (m >= 0) {
                return offset + m;
            }
        }
        return -1;
    }

    @FunctionalInterface
    private interface Source {
        int read(long offset, ByteBuffer dst) throws IOException;
    }
}
