package dev.vhdxmount.mount.fuse;

import java.io.IOException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.vhdxmount.vhdx.error.StorageException;
import dev.vhdxmount.vhdx.error.VhdxFormatException;
import jnr.constants.platform.Errno;

/**
 * How a failed read of a served file is logged, whichever FUSE binding served it; the binding answers EIO. A truncated
 * image's failures and the storage's are logged once per place ({@link LoggedPlaces}: per block or structure of the
 * file that is cut short; per MiB of the file where the storage failed), corrupt structures with the core's one-line
 * message, anything else as the bug it is, with its stack trace.
 */
final class ReadFailures {
    private static final Logger log = LoggerFactory.getLogger(ReadFailures.class);

    private final LoggedPlaces places = new LoggedPlaces();

    /** Logs why the read of {@code size} bytes at {@code offset} of {@code file} failed. */
    void log(Throwable failure, String file, long size, long offset) {
        if (failure instanceof VhdxFormatException.Truncated e) {
            // a block or structure by name; a structure's place in the file too (a BAT is read in pages)
            String what = e.structure() != null ? e.structure() : e.getMessage();
            logOnce(new LoggedPlaces.Place(e.file(), what, e.payloadBlock() >= 0 ? -1 : e.fileOffset()), file,
                    size, offset, e.getMessage(), "reads of it answer EIO and are not logged again",
                    "places lie past the end of the image file");
        } else if (failure instanceof StorageException e) {
            // a payload block is at least 1 MiB: one line per MiB of the file is one per block
            logOnce(new LoggedPlaces.Place(e.file(), "MiB", e.fileOffset() >>> 20), file, size, offset,
                    e.getMessage() + (e.errno() == null ? errnoName(e.reason()) : ""),
                    "reads of this MiB of the file answer EIO and are not logged again",
                    "places of the storage failed");
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

    private void logOnce(LoggedPlaces.Place place, String file, long size, long offset, String detail, String then,
            String many) {
        switch (places.report(place)) {
            case FIRST -> log.error("{}: read of {} bytes at offset {} failed: {}; {}", file, size, offset, detail,
                    then);
            case LIMIT_REACHED -> log.error("{}: read of {} bytes at offset {} failed: {}; more than {} {}: no further"
                    + " ones are logged", file, size, offset, detail, LoggedPlaces.MAX_PLACES, many);
            default -> log.debug("{}: read of {} bytes at offset {} failed: {}", file, size, offset, detail);
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
