package dev.vhdxmount.mount.overlay;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.vhdxmount.mount.fuse.FakeDisk;
import dev.vhdxmount.vhdx.io.FileOpener;
import dev.vhdxmount.vhdx.testkit.LocatedReader;

/**
 * The bound ({@code --overlay-max}): a write that needs a chunk past it fails with {@link OverlayFullException}
 * before it changes anything, even where part of it would have fitted; the overlay stays as it was, reads go on,
 * and writes into chunks it already holds still work.
 */
class OverlayBoundTest {
    private static final int CHUNK = OverlayDisk.CHUNK_SIZE;
    private static final int SIZE = 16 * CHUNK;

    @TempDir
    Path tmp;

    @Test
    void aWritePastTheBoundFailsWholeAndTheRestGoesOn() throws IOException {
        FakeDisk base = new FakeDisk(SIZE, 512);
        byte[] model = new byte[SIZE];
        for (int i = 0; i < SIZE; i++) {
            model[i] = FakeDisk.byteAt(i);
        }
        try (OverlayDisk disk = OverlayDisk.create(base, tmp, 3L * CHUNK + 1000, FileOpener.DEFAULT)) {
            assertEquals(3L * CHUNK, disk.maxBytes(), "the bound, in whole chunks");
            write(disk, model, 100, 50, 1);                 // chunk 0, copied up
            write(disk, model, 2L * CHUNK, CHUNK, 2);       // chunk 2, whole
            write(disk, model, 5L * CHUNK + 7, 3000, 3);    // chunk 5, copied up
            assertEquals(3L * CHUNK, disk.bytesInUse());

            OverlayFullException full = assertThrows(OverlayFullException.class,
                    () -> disk.write(7L * CHUNK + 1, ByteBuffer.wrap(filled(10, 4))));
            assertTrue(full.getMessage().contains("full"), full.getMessage());
            assertThrows(OverlayFullException.class, () -> disk.write(3L * CHUNK - 10, ByteBuffer.wrap(filled(20, 5))),
                    "a write into chunk 2, which is in the overlay, and chunk 3, which is not");
            assertThrows(OverlayFullException.class, () -> disk.write(8L * CHUNK, ByteBuffer.wrap(filled(CHUNK, 6))));
            assertEquals(3L * CHUNK, disk.bytesInUse(), "nothing more in use");
            assertWholeDisk(disk, model, "after the failed writes: chunk 2 as it was, chunks 3, 7, 8 the base's");
            try (HeldRange held = disk.hold(7L * CHUNK, 2 * CHUNK)) {
                LocatedReader located = new LocatedReader(held);
                located.read(7L * CHUNK, ByteBuffer.allocate(2 * CHUNK));
                assertFalse(located.files().stream().anyMatch(f -> f.path().equals(disk.overlayFile())),
                        "no chunk of the failed writes is mapped");
            }

            write(disk, model, 2L * CHUNK + 5, 2 * 1000, 7); // in place
            write(disk, model, 0, CHUNK, 8);                // all of chunk 0, in place
            write(disk, model, 5L * CHUNK, 10, 9);
            assertEquals(3L * CHUNK, disk.bytesInUse());
            assertWholeDisk(disk, model, "after writes into chunks the overlay holds");
        }
    }

    private static void write(OverlayDisk disk, byte[] model, long offset, int length, int value) throws IOException {
        byte[] data = filled(length, value);
        disk.write(offset, ByteBuffer.wrap(data));
        System.arraycopy(data, 0, model, (int) offset, length);
    }

    private static void assertWholeDisk(OverlayDisk disk, byte[] model, String when) throws IOException {
        ByteBuffer read = ByteBuffer.allocate(SIZE);
        assertEquals(SIZE, disk.read(0, read));
        assertArrayEquals(model, read.array(), "read " + when);
        ByteBuffer located = ByteBuffer.allocate(SIZE);
        try (HeldRange held = disk.hold(0, SIZE)) {
            new LocatedReader(held).read(0, located);
        }
        assertArrayEquals(model, located.array(), "located " + when);
    }

    private static byte[] filled(int length, int value) {
        byte[] bytes = new byte[length];
        Arrays.fill(bytes, (byte) value);
        return bytes;
    }
}
