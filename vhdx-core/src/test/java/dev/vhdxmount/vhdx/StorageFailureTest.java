package dev.vhdxmount.vhdx;

import static dev.vhdxmount.vhdx.testkit.Sizes.MIB;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.vhdxmount.vhdx.io.FileByteSource;
import dev.vhdxmount.vhdx.io.FileOpener;
import dev.vhdxmount.vhdx.error.StorageException;
import dev.vhdxmount.vhdx.testkit.BuiltImage;
import dev.vhdxmount.vhdx.testkit.ExpectedDisk;
import dev.vhdxmount.vhdx.testkit.VhdxBuilder;

/**
 * A read that the storage fails (as the JDK reports EIO: a plain IOException with strerror's words) comes out of
 * {@link VirtualDisk#read} as a {@link StorageException} naming the file, the file offset where the failing read
 * started and the virtual offset of that byte, from whichever file of a chain failed; other ranges read on.
 */
class StorageFailureTest {

    @TempDir
    Path tmp;

    /** Opens files whose reads fail with EIO where they touch [badStart, badEnd) of the file named {@code name}. */
    private static FileOpener failing(String name, long badStart, long badEnd) {
        return path -> {
            FileChannel real = FileChannel.open(path, StandardOpenOption.READ);
            return FileByteSource.of(path, path.getFileName().toString().equals(name)
                    ? new FailingChannel(real, badStart, badEnd) : real, FileByteSource.NO_DESCRIPTOR, null);
        };
    }

    @Test
    void aFailedReadNamesTheFileTheFileOffsetAndTheVirtualOffset() throws Exception {
        VhdxBuilder b = VhdxBuilder.dynamic(8L * MIB).blockSize(MIB);
        b.write(0, VhdxBuilder.pattern(4 * MIB, 1));
        BuiltImage image = b.build(tmp.resolve("d.vhdx"));
        long bad = image.layout().blockOffset(2) + 8192;
        try (VirtualDisk disk = VhdxImage.open(image.path(),
                OpenOptions.DEFAULTS.withFileOpener(failing("d.vhdx", bad, bad + 512)))) {
            StorageException e = assertThrows(StorageException.class,
                    () -> disk.read(2L * MIB - 4096, ByteBuffer.allocate(64 * 1024)));
            assertEquals(image.path(), e.file());
            assertEquals(bad, e.fileOffset(), "the read that failed started at the bad bytes");
            assertEquals(2L * MIB + 8192, e.virtualOffset());
            assertEquals("Input/output error", e.reason());
            assertNull(e.errno(), "the JDK gives the words only");
            assertEquals(image.path() + ": Input/output error reading 53248 bytes at file offset 0x"
                    + Long.toHexString(bad) + " (virtual offset 0x" + Long.toHexString(2L * MIB + 8192) + ")",
                    e.getMessage());
            ExpectedDisk want = b.expected();
            ByteBuffer other = ByteBuffer.allocate(MIB);
            assertEquals(MIB, disk.read(3L * MIB, other));
            assertArrayEquals(want.read(3L * MIB, MIB), other.array(), "other ranges read on");
        }
    }

    @Test
    void aParentsFailureNamesTheParent() throws Exception {
        VhdxBuilder base = VhdxBuilder.dynamic(8L * MIB).blockSize(MIB);
        base.write(0, VhdxBuilder.pattern(4 * MIB, 2));
        BuiltImage baseImage = base.build(tmp.resolve("base.vhdx"));
        VhdxBuilder child = VhdxBuilder.differencing(8L * MIB).blockSize(MIB).parent(base, "base.vhdx");
        child.write(MIB, VhdxBuilder.pattern(MIB, 3));
        BuiltImage childImage = child.build(tmp.resolve("child.vhdx"));
        long bad = baseImage.layout().blockOffset(3);
        try (VirtualDisk disk = VhdxImage.open(childImage.path(),
                OpenOptions.DEFAULTS.withFileOpener(failing("base.vhdx", bad, bad + 4096)))) {
            StorageException e = assertThrows(StorageException.class,
                    () -> disk.read(3L * MIB - 4096, ByteBuffer.allocate(8192)));
            assertEquals(baseImage.path(), e.file());
            assertEquals(3L * MIB, e.virtualOffset());
            assertTrue(e.getMessage().startsWith(baseImage.path() + ": Input/output error"), e.getMessage());
            ByteBuffer own = ByteBuffer.allocate(MIB);
            disk.read(MIB, own);
            assertArrayEquals(child.expected(base.expected()).read(MIB, MIB), own.array());
        }
    }

    /** A channel whose positional reads fail with EIO where they touch a byte range, as a bad sector does. */
    private static final class FailingChannel extends FileChannel {
        private final FileChannel real;
        private final long badStart;
        private final long badEnd;

        FailingChannel(FileChannel real, long badStart, long badEnd) {
            this.real = real;
            this.badStart = badStart;
            this.badEnd = badEnd;
        }

        @Override
        public int read(ByteBuffer dst, long position) throws IOException {
            if (position >= badStart && position < badEnd) {
                throw new IOException("Input/output error");
            }
            // like pread: what lies before the bad bytes comes first, the error on the next call
            if (position < badStart && position + dst.remaining() > badStart) {
                ByteBuffer before = dst.duplicate().limit(dst.position() + (int) (badStart - position));
                int n = real.read(before, position);
                dst.position(before.position());
                return n;
            }
            return real.read(dst, position);
        }

        @Override
        public long size() throws IOException {
            return real.size();
        }

        @Override
        protected void implCloseChannel() throws IOException {
            real.close();
        }

        @Override
        public int read(ByteBuffer dst) {
            throw new UnsupportedOperationException("positional reads only");
        }

        @Override
        public long read(ByteBuffer[] dsts, int offset, int length) {
            throw new UnsupportedOperationException();
        }

        @Override
        public int write(ByteBuffer src) {
            throw new UnsupportedOperationException();
        }

        @Override
        public long write(ByteBuffer[] srcs, int offset, int length) {
            throw new UnsupportedOperationException();
        }

        @Override
        public int write(ByteBuffer src, long position) {
            throw new UnsupportedOperationException();
        }

        @Override
        public long position() {
            throw new UnsupportedOperationException();
        }

        @Override
        public FileChannel position(long newPosition) {
            throw new UnsupportedOperationException();
        }

        @Override
        public FileChannel truncate(long size) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void force(boolean metaData) {
            throw new UnsupportedOperationException();
        }

        @Override
        public long transferTo(long position, long count, WritableByteChannel target) {
            throw new UnsupportedOperationException();
        }

        @Override
        public long transferFrom(ReadableByteChannel src, long position, long count) {
            throw new UnsupportedOperationException();
        }

        @Override
        public MappedByteBuffer map(MapMode mode, long position, long size) {
            throw new UnsupportedOperationException();
        }

        @Override
        public FileLock lock(long position, long size, boolean shared) {
            throw new UnsupportedOperationException();
        }

        @Override
        public FileLock tryLock(long position, long size, boolean shared) {
            throw new UnsupportedOperationException();
        }
    }
}
