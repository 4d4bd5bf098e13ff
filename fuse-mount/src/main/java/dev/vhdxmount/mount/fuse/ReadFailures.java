package dev.vhdxmount.mount.fuse;

import java.io.IOException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.vhdxmount.vhdx.error.StorageException;
import dev.vhdxmount.vhdx.error.VhdxFormatException;
import jnr.constants.platform.Errno;

/**
 * How a failed read of disk.raw is logged, whichever FUSE binding served it; the binding answers EIO. A truncated
 * image's failures are logged once per block ({@link TruncationReports}), and so are the storage's (a bad sector is
 * read again by readahead, by the kernel's retry and by the user: one line per MiB of the image file it lies in, a
 * payload block being at least that), corrupt structures with the core's one-line message, anything else as the bug
 * it is, with its stack trace.
 */
final class ReadFailures {
    private static final Logger log = LoggerFactory.getLogger(ReadFailures.class);

    private final TruncationReports truncations = new TruncationReports();
    private final TruncationReports storageFailures = new TruncationReports();

    /** Logs why the read of {@code size} bytes at {@code offset} of {@code file} failed. */
    void log(Throwable failure, String file, long size, long offset) {
        if (failure instanceof VhdxFormatException.Truncated e) {
            // a partial copy fails every read of a missing block: one line per block, not per read
            switch (truncations.report(e.getMessage())) {
                case FIRST -> log.error("{}: read of {} bytes at offset {} failed: {}; reads of this block answer EIO"
                        + " and are not logged again", file, size, offset, e.getMessage());
                case LIMIT_REACHED -> log.error("{}: read of {} bytes at offset {} failed: {}; more than {} blocks"
                        + " lie past the end of the image file: no further ones are logged", file, size, offset,
                        e.getMessage(), TruncationReports.MAX_KEYS);
                default -> log.debug("{}: read of {} bytes at offset {} failed: {}", file, size, offset,
                        e.getMessage());
            }
        } else if (failure instanceof StorageException e) {
            String detail = e.getMessage() + (e.errno() == null ? errnoName(e.reason()) : "");
            switch (storageFailures.report(e.file() + " " + (e.fileOffset() >>> 20))) {
                case FIRST -> log.error("{}: read of {} bytes at offset {} failed: {}; reads of this MiB of the file"
                        + " answer EIO and are not logged again", file, size, offset, detail);
                case LIMIT_REACHED -> log.error("{}: read of {} bytes at offset {} failed: {}; the storage failed in"
                        + " more than {} places: no further ones are logged", file, size, offset, detail,
                        TruncationReports.MAX_KEYS);
                default -> log.debug("{}: read of {} bytes at offset {} failed: {}", file, size, offset, detail);
            }
        } else if (failure instanceof VhdxFormatException e) {
            log.error("{}: read of {} bytes at offset {} failed: {}", file, size, offset, e.getMessage());
            log.debug("read failure", e);
        } else if (failure instanceof IOException e) {
            log.error("{}: read of {} bytes at offset {} failed: {}", file, size, offset, e.toString());
            log.debug("read failure", e);
        } else {
            log.error("internal error reading {} bytes at offset {} of {}", size, offset, file, failure);
        }
    }

    /** " (EIO)" for "Input/output error": the JDK gives strerror's words only. */
    private static String errnoName(String reason) {
        for (Errno errno : Errno.values()) {
            if (errno.defined() && reason.equals(errno.description())) {
                return " (" + errno.name() + ")";
            }
        }
        return "";
    }
}
