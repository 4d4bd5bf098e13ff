package dev.vhdxmount.vhdx.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The overlay against a plain byte-array model of "apply each write in order". */
class OverlayByteSourceTest {

    /** An in-memory base file. */
    record ArraySource(byte[] bytes) implements ByteSource {
        @Override
        public long size() {
            return bytes.length;
        }

        @Override
        public int read(ByteBuffer dst, long position) {
            if (position >= bytes.length) {
                return -1;
            }
            int n = (int) Math.min(dst.remaining(), bytes.length - position);
            dst.put(bytes, (int) position, n);
            return n;
        }

        @Override
        public void close() {}
    }

    @Test
    void laterWritesWinAndZerosAndGrowthWork() throws Exception {
        Random random = new Random(1);
        byte[] base = new byte[64 * 1024];
        random.nextBytes(base);
        byte[] model = Arrays.copyOf(base, 96 * 1024);
        OverlayByteSource.Builder builder = new OverlayByteSource.Builder(new ArraySource(base));
        for (int i = 0; i < 300; i++) {
            int offset = random.nextInt(90 * 1024);
            int length = 1 + random.nextInt(6000);
            if (random.nextInt(3) == 0) {
                builder.writeZeros(offset, length);
                Arrays.fill(model, offset, offset + length, (byte) 0);
            } else {
                byte[] data = new byte[length];
                random.nextBytes(data);
                builder.write(offset, data);
                System.arraycopy(data, 0, model, offset, length);
            }
        }
        builder.growTo(96 * 1024);
        OverlayByteSource overlay = builder.build();
        assertEquals(96 * 1024, overlay.size());
        for (int i = 0; i < 500; i++) {
            int offset = random.nextInt(96 * 1024);
            int length = 1 + random.nextInt(20000);
            ByteBuffer dst = ByteBuffer.allocate(length);
            int n = overlay.read(dst, offset);
            int expected = Math.min(length, 96 * 1024 - offset);
            assertEquals(expected, n);
            assertArrayEquals(Arrays.copyOfRange(model, offset, offset + expected), Arrays.copyOf(dst.array(), n),
                    "at " + offset);
        }
        assertEquals(-1, overlay.read(ByteBuffer.allocate(1), 96 * 1024));
    }

    /**
     * A range is handed out as the base file's only when no write of the log touches it and the base holds all of
     * it; every byte at the edges counts.
     */
    @Test
    void fileHoldingOnlyWhereNoWriteReachesAndTheBaseHoldsTheRange(@TempDir Path tmp) throws Exception {
        Path path = Files.write(tmp.resolve("base"), new byte[10_000]);
        try (FileByteSource base = FileByteSource.open(path)) {
            OverlayByteSource overlay = new OverlayByteSource.Builder(base)
                    .write(1000, new byte[100]) // [1000, 1100)
                    .writeZeros(5000, 10) // [5000, 5010)
                    .growTo(12_000)
                    .build();
            assertSame(base, overlay.fileHolding(0, 1000), "ends where the first write starts");
            assertNull(overlay.fileHolding(0, 1001), "last byte written by the log");
            assertNull(overlay.fileHolding(1099, 1), "first byte inside, from its end");
            assertSame(base, overlay.fileHolding(1100, 3900), "between the writes, touching both");
            assertNull(overlay.fileHolding(900, 5000), "spans both writes");
            assertNull(overlay.fileHolding(5009, 100), "a zero write counts too");
            assertSame(base, overlay.fileHolding(5010, 4990), "up to the base's end");
            assertNull(overlay.fileHolding(5010, 4991), "one byte of growth past the base's end");
            assertNull(overlay.fileHolding(10_000, 100), "wholly in the grown part");
            assertSame(base, base.fileHolding(9999, 1));
            assertNull(base.fileHolding(9999, 2));
            assertNull(base.fileHolding(-1, 1));
        }
    }
}
