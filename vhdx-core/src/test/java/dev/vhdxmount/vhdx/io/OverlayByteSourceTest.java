package dev.vhdxmount.vhdx.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

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
}
