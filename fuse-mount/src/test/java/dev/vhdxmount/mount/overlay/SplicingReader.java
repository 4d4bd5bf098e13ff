package dev.vhdxmount.mount.overlay;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import dev.vhdxmount.vhdx.ExtentSink;
import dev.vhdxmount.vhdx.VirtualDisk;
import dev.vhdxmount.vhdx.io.FileByteSource;

/**
 * Reads a range in the order a splicing server does: {@code locate} first, keeping only where each piece is, and the
 * bytes afterwards (the kernel takes a spliced file range when the reply is sent). Whatever changes in between shows
 * in what is read, so a hold that ends too early is seen; {@link dev.vhdxmount.vhdx.testkit.LocatedReader} takes
 * each piece as soon as it is described.
 */
final class SplicingReader {
    private SplicingReader() {}

    /** Fills {@code dst} with the {@code dst.remaining()} bytes at {@code offset}, which lie on the disk. */
    static void read(VirtualDisk disk, long offset, ByteBuffer dst) throws IOException {
        List<Piece> pieces = new ArrayList<>();
        long[] at = {offset};
        boolean whole = disk.locate(offset, dst.remaining(), new ExtentSink() {
            @Override
            public boolean inFile(FileByteSource file, long fileOffset, int length) {
                return add(new Piece(file, fileOffset, -1, length));
            }

            @Override
            public boolean zeros(int length) {
                return add(new Piece(null, -1, -1, length));
            }

            @Override
            public boolean read(long virtualOffset, int length) {
                return add(new Piece(null, -1, virtualOffset, length));
            }

            private boolean add(Piece piece) {
                pieces.add(piece);
                at[0] += piece.length;
                return true;
            }
        });
        if (!whole || at[0] != offset + dst.remaining()) {
            throw new AssertionError("locate described " + (at[0] - offset) + " of " + dst.remaining() + " bytes");
        }
        Thread.yield(); // give a writer the moment the kernel would take
        for (Piece piece : pieces) {
            ByteBuffer part = dst.slice(dst.position(), piece.length);
            if (piece.file != null) {
                if (piece.file.readFully(part, piece.fileOffset) != piece.length) {
                    throw new AssertionError("file piece past the end of " + piece.file.path());
                }
            } else if (piece.virtualOffset >= 0) {
                if (disk.read(piece.virtualOffset, part) != piece.length) {
                    throw new AssertionError("short read of a piece at " + piece.virtualOffset);
                }
            }
            dst.position(dst.position() + piece.length);
        }
    }

    private record Piece(FileByteSource file, long fileOffset, long virtualOffset, int length) {}
}
