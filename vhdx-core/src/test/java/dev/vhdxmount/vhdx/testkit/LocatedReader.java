package dev.vhdxmount.vhdx.testkit;

import dev.vhdxmount.vhdx.ExtentSink;
import dev.vhdxmount.vhdx.VirtualDisk;
import dev.vhdxmount.vhdx.io.FileByteSource;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.Set;

/**
 * Reads a disk the way a splicing FUSE server does: {@link VirtualDisk#locate} says where each piece lives, and the
 * piece is then taken from that file at that offset, filled with zeros, or read with {@code read}. Checks the
 * contract on the way (pieces contiguous, inside their file, covering the range) and counts the bytes of each kind,
 * so that a test can insist that file bytes really were handed out as file ranges.
 */
public final class LocatedReader implements ExpectedDisk.Source {
    private static final byte[] ZEROS = new byte[1 << 16];

    private final VirtualDisk disk;
    private final Set<FileByteSource> files = new HashSet<>();
    private long fileBytes;
    private long zeroBytes;
    private long readBytes;

    public LocatedReader(VirtualDisk disk) {
        this.disk = disk;
    }

    @Override
    public int read(long virtualOffset, ByteBuffer dst) throws IOException {
        int wanted = (int) Math.min(dst.remaining(), Math.max(0, disk.size() - virtualOffset));
        if (wanted == 0) {
            return dst.hasRemaining() ? -1 : 0;
        }
        int start = dst.position();
        int[] done = {0};
        boolean complete = disk.locate(virtualOffset, wanted, new ExtentSink() {
            @Override
            public boolean inFile(FileByteSource file, long fileOffset, int length) throws IOException {
                if (fileOffset < 0 || fileOffset + length > file.size()) {
                    throw new AssertionError("piece " + fileOffset + "+" + length + " outside " + file.path()
                            + " (" + file.size() + " bytes)");
                }
                int n = file.readFully(piece(length), fileOffset);
                if (n < length) {
                    throw new EOFException(file.path() + " ends at " + (fileOffset + n));
                }
                files.add(file);
                fileBytes += length;
                return advance(length);
            }

            @Override
            public boolean zeros(int length) {
                ByteBuffer piece = piece(length);
                while (piece.hasRemaining()) {
                    piece.put(ZEROS, 0, Math.min(ZEROS.length, piece.remaining()));
                }
                zeroBytes += length;
                return advance(length);
            }

            @Override
            public boolean read(long pieceOffset, int length) throws IOException {
                if (pieceOffset != virtualOffset + done[0]) {
                    throw new AssertionError("read piece at " + pieceOffset + ", expected " + (virtualOffset
                            + done[0]));
                }
                ByteBuffer piece = piece(length);
                if (disk.read(pieceOffset, piece) != length) {
                    throw new AssertionError("short read of a piece at " + pieceOffset);
                }
                readBytes += length;
                return advance(length);
            }

            private ByteBuffer piece(int length) {
                if (length <= 0 || done[0] + length > wanted) {
                    throw new AssertionError("piece of " + length + " bytes after " + done[0] + " of " + wanted);
                }
                return dst.duplicate().position(start + done[0]).limit(start + done[0] + length);
            }

            private boolean advance(int length) {
                done[0] += length;
                return true;
            }
        });
        if (!complete || done[0] != wanted) {
            throw new AssertionError("locate described " + done[0] + " of " + wanted + " bytes at " + virtualOffset);
        }
        dst.position(start + wanted);
        return wanted;
    }

    /**
     * Reads the whole disk both ways, {@code read} and located, in 4 MiB pieces.
     *
     * @return the offset of the first piece where they differ, or -1
     */
    public long firstDifferenceFromRead() throws IOException {
        ByteBuffer viaRead = ByteBuffer.allocate(4 << 20);
        ByteBuffer viaLocate = ByteBuffer.allocate(4 << 20);
        for (long offset = 0; offset < disk.size(); offset += viaRead.capacity()) {
            viaRead.clear();
            viaLocate.clear();
            disk.read(offset, viaRead);
            read(offset, viaLocate);
            if (!viaRead.flip().equals(viaLocate.flip())) {
                return offset;
            }
        }
        return -1;
    }

    /** Bytes handed out as file ranges. */
    public long fileBytes() {
        return fileBytes;
    }

    public long zeroBytes() {
        return zeroBytes;
    }

    /** Bytes that had to go through {@code read} (a replayed log's, or past a file's end). */
    public long readBytes() {
        return readBytes;
    }

    /** The distinct files that pieces came from (the image and, in a chain, its parents). */
    public Set<FileByteSource> files() {
        return Set.copyOf(files);
    }
}
