package dev.vhdxmount.mount.overlay;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.Set;

import dev.vhdxmount.vhdx.io.FileByteSource;
import dev.vhdxmount.vhdx.io.FileOpener;

/**
 * The overlay's temporary file, which lives exactly as long as the process: it is created, opened twice (to write,
 * and through the caller's {@link FileOpener} to read and splice from), and unlinked at once. From then on no name
 * leads to it; the kernel frees it with the last descriptor, so however the process ends (unmount, SIGTERM, SIGKILL,
 * a crash of the JVM) nothing is left behind.
 *
 * <p>Why not delete it at unmount and sweep leftovers at the next start: a SIGKILL or a crash skips the delete, and
 * the sweep runs only if vhdx-mount is started again, with the same folder, by a user allowed to delete the files;
 * until then a file of up to the bound's size fills the folder, and a sweep that deletes by name pattern can delete
 * the overlay of another mount that is still running. The only window left is the few system calls between the
 * create and the unlink.
 *
 * <p>The file is made as large as the overlay can grow, sparsely, before the read side is opened: a
 * {@link FileByteSource} knows its size as it was at open, and a reader may check that every piece lies within it.
 * Only the slots written take space.
 */
final class OverlayFile implements AutoCloseable {
    static final String NAME_PREFIX = "vhdx-mount-overlay-";
    private static final int NAME_ATTEMPTS = 100;
    private static final SecureRandom NAMES = new SecureRandom();
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
    /** What the C library says for ENOSPC and EDQUOT, the only form the JDK's channels give errors in. */
    private static final String[] OUT_OF_SPACE = {"No space left on device", "Disk quota exceeded"};
    /** What it says for EFBIG: a size past the file system's largest file. */
    private static final String TOO_LARGE = "File too large";

    private final Path path;
    private final FileChannel writer;
    private final FileByteSource reader;
    private final long size;

    private OverlayFile(Path path, FileChannel writer, FileByteSource reader, long size) {
        this.path = path;
        this.writer = writer;
        this.reader = reader;
        this.size = size;
    }

    /**
     * Creates the file in {@code folder} with room for up to {@code wantedSize} bytes (less where the file system's
     * largest file is smaller: see {@link #size()}), opens it and unlinks it.
     *
     * @param slotSize the size may only shrink in whole slots
     */
    static OverlayFile create(Path folder, long wantedSize, int slotSize, FileOpener opener) throws IOException {
        Path path = null;
        FileChannel writer = null;
        for (int attempt = 0; writer == null; attempt++) {
            path = folder.resolve(NAME_PREFIX + HexFormat.of().formatHex(randomBytes()));
            try {
                // CREATE_NEW is O_CREAT | O_EXCL: a fresh file of ours, never an existing file or a planted symlink
                writer = FileChannel.open(path, EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                        StandardOpenOption.WRITE), PosixFilePermissions.asFileAttribute(OWNER_ONLY));
            } catch (FileAlreadyExistsException e) {
                if (attempt + 1 >= NAME_ATTEMPTS) {
                    throw e;
                }
            }
        }
        FileByteSource reader = null;
        try {
            long size = extend(writer, path, wantedSize, slotSize);
            reader = opener.open(path);
            Files.delete(path);
            return new OverlayFile(path, writer, reader, size);
        } catch (IOException | RuntimeException | Error e) {
            closeQuietly(writer, e);
            if (reader != null) {
                closeQuietly(reader, e);
            }
            Path created = path;
            closeQuietly(() -> Files.deleteIfExists(created), e);
            throw e;
        }
    }

    private static byte[] randomBytes() {
        byte[] bytes = new byte[8];
        NAMES.nextBytes(bytes);
        return bytes;
    }

    /**
     * Sets the file's size by writing its last byte (a FileChannel cannot extend a file otherwise). While the file
     * system refuses the size as too large (ext4 takes files of under 16 TiB; a VHDX disk may be 64 TiB), it steps
     * down to one slot under the power of two below. Costs one block of the file system.
     */
    private static long extend(FileChannel writer, Path path, long wantedSize, int slotSize) throws IOException {
        long size = wantedSize;
        while (true) {
            try {
                ByteBuffer lastByte = ByteBuffer.allocate(1);
                while (lastByte.hasRemaining()) {
                    writer.write(lastByte, size - 1);
                }
                return size;
            } catch (IOException e) {
                long smaller = Long.highestOneBit(size - 1) - slotSize;
                if (!says(e, TOO_LARGE) || smaller < slotSize) {
                    throw outOfSpace(e) ? new OverlayFullException(path.getParent()
                            + ": no room for the overlay file (" + reason(e) + ")", e) : e;
                }
                size = smaller;
            }
        }
    }

    /** The path the file was created at; unlinked since. */
    Path path() {
        return path;
    }

    /** The file's size: how far slots may go. */
    long size() {
        return size;
    }

    /** The read side, opened by the caller's opener: what pieces of the overlay are described as. */
    FileByteSource reader() {
        return reader;
    }

    /**
     * Writes all of {@code src} at {@code position}.
     *
     * @throws OverlayFullException when the file system is full or the user over quota
     */
    void write(ByteBuffer src, long position) throws IOException {
        try {
            long at = position;
            while (src.hasRemaining()) {
                at += writer.write(src, at);
            }
        } catch (IOException e) {
            throw asOverlayFull(e, "writing the overlay file " + path);
        }
    }

    /** fsync's data part (fdatasync): what the overlay's size needs is fixed since creation. */
    void force() throws IOException {
        try {
            writer.force(false);
        } catch (IOException e) {
            throw asOverlayFull(e, "flushing the overlay file " + path);
        }
    }

    /** Closes both descriptors: the kernel then frees the file's space. */
    @Override
    public void close() throws IOException {
        try (reader) {
            writer.close();
        }
    }

    /** {@code e} as an {@link OverlayFullException} where the file system said it is out of space, else itself. */
    static IOException asOverlayFull(IOException e, String doing) {
        return outOfSpace(e) ? new OverlayFullException(doing + ": " + reason(e), e) : e;
    }

    /** Whether the failure, or one it was caused by, is ENOSPC or EDQUOT. */
    static boolean outOfSpace(Throwable e) {
        for (String words : OUT_OF_SPACE) {
            if (says(e, words)) {
                return true;
            }
        }
        return false;
    }

    private static boolean says(Throwable e, String words) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String text = t instanceof FileSystemException fse && fse.getReason() != null ? fse.getReason()
                    : t.getMessage();
            if (text != null && text.contains(words)) {
                return true;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return false;
    }

    private static String reason(IOException e) {
        return e instanceof FileSystemException fse && fse.getReason() != null ? fse.getReason()
                : String.valueOf(e.getMessage());
    }

    private static void closeQuietly(AutoCloseable closeable, Throwable failure) {
        try {
            closeable.close();
        } catch (Exception suppressed) {
            failure.addSuppressed(suppressed);
        }
    }
}
