package dev.vhdxmount.vhdx.error;

import java.io.IOException;

/**
 * The image is not a valid VHDX, or breaks a rule of MS-VHDX that a reader must enforce.
 *
 * <p>Messages name the structure, its file offset and what was expected vs. found, for example
 * {@code region table 1 at 0x30000: CRC-32C mismatch (stored 0x1a2b3c4d, computed 0x5e6f7a8b)}. Subtypes exist only
 * where a caller acts differently on them (a CLI picks another exit code, a mount answers EIO instead of refusing).
 */
public class VhdxFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    public VhdxFormatException(String message) {
        super(message);
    }

    public VhdxFormatException(String message, Throwable cause) {
        super(message, cause);
    }

    /** The file is not a VHDX at all (no {@code vhdxfile} signature); the message says what it looks like. */
    public static final class NotVhdx extends VhdxFormatException {
        private static final long serialVersionUID = 1L;

        public NotVhdx(String message) {
            super(message);
        }
    }

    /** The image is valid as far as it goes but uses something this reader does not support yet. */
    public static final class Unsupported extends VhdxFormatException {
        private static final long serialVersionUID = 1L;

        public Unsupported(String message) {
            super(message);
        }
    }

    /** Data or a structure lies past the end of the file: the file was cut short (a partial copy or download). */
    public static final class Truncated extends VhdxFormatException {
        private static final long serialVersionUID = 1L;

        public Truncated(String message) {
            super(message);
        }
    }

    /** A differencing disk's parent could not be found or was rejected; the message lists each path tried and why. */
    public static final class ParentNotFound extends VhdxFormatException {
        private static final long serialVersionUID = 1L;

        public ParentNotFound(String message) {
            super(message);
        }
    }
}
