package dev.vhdxmount.vhdx.io;

import dev.vhdxmount.vhdx.error.StorageException;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A file opened read-only; every read is positional. The image is never opened for writing.
 *
 * <p>It may also carry the operating system's descriptor of the same open file, for a caller that has the kernel move
 * file ranges itself (a FUSE server splicing them, see {@link dev.vhdxmount.vhdx.VirtualDisk#locate}). The core never
 * uses the descriptor; whoever opened the file ({@link FileOpener}) supplies it.
 */
public final class FileByteSource implements ByteSource {
    /** {@link #descriptor()} of a file opened without one. */
    public static final int NO_DESCRIPTOR = -1;

    private final FileChannel channel;
    private final long size;
    private final Path path;
    private final int descriptor;
    private final Closeable descriptorOwner;

    private FileByteSource(Path path, FileChannel channel, long size, int descriptor, Closeable descriptorOwner) {
        this.path = path;
        this.channel = channel;
        this.size = size;
        this.descriptor = descriptor;
        this.descriptorOwner = descriptorOwner;
    }

    /** Opens {@code path} for reading, with no descriptor: {@link FileOpener#DEFAULT}. */
    public static FileByteSource open(Path path) throws IOException {
        return of(path, FileChannel.open(path, StandardOpenOption.READ), NO_DESCRIPTOR, null);
    }

    /**
     * A source over a channel opened for reading by the caller.
     *
     * @param descriptor      the OS descriptor of the same file, or {@link #NO_DESCRIPTOR}
     * @param descriptorOwner closed with the source (it releases the descriptor); may be null
     */
    public static FileByteSource of(Path path, FileChannel channel, int descriptor, Closeable descriptorOwner)
            throws IOException {
        try {
            return new FileByteSource(path, channel, channel.size(), descriptor, descriptorOwner);
        } catch (IOException | RuntimeException e) {
            try (descriptorOwner) {
                channel.close();
            }
            throw e;
        }
    }

    public Path path() {
        return path;
    }

    /** The OS descriptor of this open file, or {@link #NO_DESCRIPTOR} when the opener supplied none. */
    public int descriptor() {
        return descriptor;
    }

    @Override
    public long size() {
        return size;
    }

    /** The file's size now: smaller than {@link #size()} when it was cut short after it was opened. */
    public long currentSize() throws IOException {
        return channel.size();
    }

    /**
     * @throws StorageException when the storage fails the read (its errno is known only as text: the JDK's channel
     *                          throws a plain IOException with strerror's words)
     */
    @Override
    public int read(ByteBuffer dst, long position) throws IOException {
        try {
            return channel.read(dst, position);
        } catch (ClosedChannelException e) {
            throw e;
        } catch (IOException e) {
            throw new StorageException(path, position, dst.remaining(), String.valueOf(e.getMessage()), null, e);
        }
    }

    @Override
    public FileByteSource fileHolding(long position, int length) {
        return position >= 0 && length >= 0 && position <= size - length ? this : null;
    }

    @Override
    public void close() throws IOException {
        try (descriptorOwner) {
            channel.close();
        }
    }
}
