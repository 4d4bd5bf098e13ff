package dev.vhdxmount.vhdx.error;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The storage under an image failed a read: a bad sector (EIO), a device that went away (ENXIO), a network file
 * system that gave up. Not a fault of the image: another range may read fine, and the same one may read later. It
 * says which file, where in it and what the system said, so that a server can answer EIO for the range that needed
 * those bytes and log the place once.
 */
public final class StorageException extends IOException {
    private static final long serialVersionUID = 1L;

    private final transient Path file;
    private final long fileOffset;
    private final int length;
    private final String reason;
    private final String errno;
    private final long virtualOffset;

    /**
     * @param reason what the system said ("Input/output error")
     * @param errno  its errno's name ("EIO"), or null where only the text is known (the JDK's channels give no more)
     */
    public StorageException(Path file, long fileOffset, int length, String reason, String errno, Throwable cause) {
        this(file, fileOffset, length, reason, errno, -1, cause);
    }

    private StorageException(Path file, long fileOffset, int length, String reason, String errno, long virtualOffset,
            Throwable cause) {
        super(file + ": " + reason + (errno == null ? "" : " (" + errno + ")") + " reading " + length
                + " bytes at file offset " + Hex.hex(fileOffset)
                + (virtualOffset < 0 ? "" : " (virtual offset " + Hex.hex(virtualOffset) + ")"), cause);
        this.file = file;
        this.fileOffset = fileOffset;
        this.length = length;
        this.reason = reason;
        this.errno = errno;
        this.virtualOffset = virtualOffset;
    }

    /**
     * The same failure, with the virtual disk's offset of its first byte: the file knows only its own offsets, the
     * disk that mapped the read adds this.
     */
    public StorageException atVirtualOffset(long virtualOffset) {
        StorageException e = new StorageException(file, fileOffset, length, reason, errno, virtualOffset, getCause());
        e.setStackTrace(getStackTrace());
        return e;
    }

    public Path file() {
        return file;
    }

    /** Where in the file the failed read started: the failure lies at or just after it. */
    public long fileOffset() {
        return fileOffset;
    }

    public int length() {
        return length;
    }

    public String reason() {
        return reason;
    }

    /** The virtual disk's offset of the byte at {@link #fileOffset()}, or -1 where not known. */
    public long virtualOffset() {
        return virtualOffset;
    }

    /** The errno's name, or null where only {@link #reason()} is known. */
    public String errno() {
        return errno;
    }
}
