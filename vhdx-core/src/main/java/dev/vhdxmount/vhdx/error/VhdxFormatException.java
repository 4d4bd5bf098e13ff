package dev.vhdxmount.vhdx.error;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

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

        /** What the file looks like instead, as far as its first and last bytes tell. */
        public enum LooksLike {
            EMPTY, VHD, QCOW2, VMDK, VDI, RAW_DISK, ZEROS, UNKNOWN
        }

        private final LooksLike looksLike;

        public NotVhdx(String message) {
            this(message, LooksLike.UNKNOWN);
        }

        public NotVhdx(String message, LooksLike looksLike) {
            super(message);
            this.looksLike = looksLike;
        }

        public LooksLike looksLike() {
            return looksLike;
        }
    }

    /** The image is valid as far as it goes but uses something this reader does not support yet. */
    public static final class Unsupported extends VhdxFormatException {
        private static final long serialVersionUID = 1L;

        public Unsupported(String message) {
            super(message);
        }
    }

    /**
     * Data or a structure lies past the end of the file: the file was cut short (a partial copy or download).
     *
     * <p>Besides the message it says where, as fields a caller can act on (a server that logs one line per missing
     * block, say): the file, the payload block or the structure, the virtual and file offsets, and where the file
     * ends. A field not known where the truncation was found is -1 (or null); the disk that maps the read adds the
     * file ({@link #inFile}), so every {@code Truncated} that leaves an open or a read names its file.
     */
    public static final class Truncated extends VhdxFormatException {
        private static final long serialVersionUID = 1L;

        private final transient Path file;
        private final String structure;
        private final long payloadBlock;
        private final long virtualOffset;
        private final long fileOffset;
        private final long fileEnd;

        /** A truncation known only by its message: every field unknown. */
        public Truncated(String message) {
            this(message, null, null, -1, -1, -1, -1);
        }

        /**
         * @param structure     what lies past the end: "payload block 17", "BAT", "header 2", ...
         * @param payloadBlock  the payload block whose data is missing, or -1 for a structure
         * @param virtualOffset the virtual offset of the first missing byte, or -1 where no virtual offset applies
         * @param fileOffset    where in the file the missing bytes start (for a structure: where it starts)
         * @param fileEnd       where the file ends
         */
        public Truncated(String message, String structure, long payloadBlock, long virtualOffset, long fileOffset,
                long fileEnd) {
            this(message, null, structure, payloadBlock, virtualOffset, fileOffset, fileEnd);
        }

        private Truncated(String message, Path file, String structure, long payloadBlock, long virtualOffset,
                long fileOffset, long fileEnd) {
            super(message);
            this.file = file;
            this.structure = structure;
            this.payloadBlock = payloadBlock;
            this.virtualOffset = virtualOffset;
            this.fileOffset = fileOffset;
            this.fileEnd = fileEnd;
        }

        /**
         * The same truncation in {@code file} (the message is unchanged): the structure that found it reads bytes,
         * not files; the image that owns the bytes adds which file they are, unless a parent's already said.
         */
        public Truncated inFile(Path file) {
            if (this.file != null) {
                return this;
            }
            Truncated e = new Truncated(getMessage(), file, structure, payloadBlock, virtualOffset, fileOffset,
                    fileEnd);
            e.setStackTrace(getStackTrace());
            return e;
        }

        /** The file that is cut short, or null where not known (only from the message-only constructor). */
        public Path file() {
            return file;
        }

        /** What lies past the end, or null where not known: "payload block 17", "BAT", "header 2", ... */
        public String structure() {
            return structure;
        }

        /** The payload block whose data is missing, or -1 when a structure is. */
        public long payloadBlock() {
            return payloadBlock;
        }

        /** The virtual offset of the first missing byte, or -1. */
        public long virtualOffset() {
            return virtualOffset;
        }

        /** Where in the file the missing bytes (or the structure) start, or -1. */
        public long fileOffset() {
            return fileOffset;
        }

        /** Where the file ends, or -1. */
        public long fileEnd() {
            return fileEnd;
        }
    }

    /**
     * A differencing disk's parent could not be found or was rejected. The message lists each path tried and why;
     * the same is here as fields: the child whose parent is missing, each {@link Attempt}, and whether naming the
     * parent ({@code --parent}) could help: not when one was named for that level already, nor when the chain is
     * too deep.
     */
    public static final class ParentNotFound extends VhdxFormatException {
        private static final long serialVersionUID = 1L;

        /**
         * One candidate that was tried.
         *
         * @param candidate the path tried, or the locator's string where it is no path on this system
         * @param how       how the candidate was found: "named with --parent", "relative_path .\base.vhdx", ...
         * @param why       why it was not the parent
         */
        public record Attempt(String candidate, String how, String why) {}

        private final transient Path child;
        private final transient List<Attempt> attempts;
        private final boolean namingTheParentHelps;

        /** A failure known only by its message: no attempts, and naming the parent is not known to help. */
        public ParentNotFound(String message) {
            this(message, null, List.of(), false);
        }

        /**
         * @param child                the image whose parent was not found
         * @param attempts             each candidate tried, in order
         * @param namingTheParentHelps whether naming the parent of {@code child} explicitly could find it
         */
        public ParentNotFound(String message, Path child, List<Attempt> attempts, boolean namingTheParentHelps) {
            super(message);
            this.child = child;
            this.attempts = List.copyOf(attempts);
            this.namingTheParentHelps = namingTheParentHelps;
        }

        /** The same failure under another message (a chain's upper links prefixed to it), the fields kept. */
        public ParentNotFound withMessage(String message) {
            ParentNotFound e = new ParentNotFound(message, child, attempts, namingTheParentHelps);
            e.setStackTrace(getStackTrace());
            return e;
        }

        /** The image whose parent was not found (in a chain, the deepest link reached), or null where not known. */
        public Path child() {
            return child;
        }

        public List<Attempt> attempts() {
            return attempts;
        }

        /** Whether naming the parent explicitly ({@code --parent}) could help. */
        public boolean namingTheParentHelps() {
            return namingTheParentHelps;
        }
    }
}
