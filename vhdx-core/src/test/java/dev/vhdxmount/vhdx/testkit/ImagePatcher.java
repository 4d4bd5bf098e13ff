package dev.vhdxmount.vhdx.testkit;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.function.Consumer;

/**
 * Changes one structure of an image copy and recomputes its CRC-32C, so that a corruption reaches the rule under
 * test instead of stopping at the checksum. Offsets are the spec's fixed ones; this class knows no parser.
 */
public final class ImagePatcher implements AutoCloseable {
    public static final long HEADER_1 = Layout.HEADER_1;
    public static final long HEADER_2 = Layout.HEADER_2;
    public static final long REGION_TABLE_1 = Layout.REGION_TABLE_1;
    public static final long REGION_TABLE_2 = Layout.REGION_TABLE_2;

    private final FileChannel ch;

    public ImagePatcher(Path image) throws IOException {
        this.ch = FileChannel.open(image, StandardOpenOption.READ, StandardOpenOption.WRITE);
    }

    /** Edits {@code length} bytes at {@code offset}; with {@code crc}, rewrites the checksum at byte 4. */
    public ImagePatcher edit(long offset, int length, boolean crc, Consumer<ByteBuffer> change) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        ch.read(b, offset); // past the end of the file the bytes stay zero
        b.clear();
        change.accept(b);
        if (crc) {
            b.putInt(4, Bin.checksum(b.array(), length));
        }
        ch.write(b.position(0).limit(length), offset);
        return this;
    }

    public ImagePatcher header(int n, Consumer<ByteBuffer> change) throws IOException {
        return edit(n == 1 ? HEADER_1 : HEADER_2, 4096, true, change);
    }

    public ImagePatcher bothHeaders(Consumer<ByteBuffer> change) throws IOException {
        return header(1, change).header(2, change);
    }

    public ImagePatcher regionTable(int copy, Consumer<ByteBuffer> change) throws IOException {
        return edit(copy == 1 ? REGION_TABLE_1 : REGION_TABLE_2, 64 * 1024, true, change);
    }

    public ImagePatcher bothRegionTables(Consumer<ByteBuffer> change) throws IOException {
        return regionTable(1, change).regionTable(2, change);
    }

    /** Flips a byte without fixing any checksum: a torn or rotted structure. */
    public ImagePatcher flipByte(long offset) throws IOException {
        return edit(offset, 1, false, b -> b.put(0, (byte) ~b.get(0)));
    }

    public ImagePatcher putLong(long offset, long value) throws IOException {
        return edit(offset, 8, false, b -> b.putLong(0, value));
    }

    public ImagePatcher putInt(long offset, int value) throws IOException {
        return edit(offset, 4, false, b -> b.putInt(0, value));
    }

    public ImagePatcher truncate(long size) throws IOException {
        ch.truncate(size);
        return this;
    }

    @Override
    public void close() throws IOException {
        ch.close();
    }
}
