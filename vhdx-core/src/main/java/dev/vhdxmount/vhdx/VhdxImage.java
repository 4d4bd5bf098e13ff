package dev.vhdxmount.vhdx;

import dev.vhdxmount.vhdx.error.VhdxFormatException;
import dev.vhdxmount.vhdx.io.FileByteSource;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The one entry point: opens a VHDX file read-only and returns its virtual disk.
 *
 * <p>Format problems throw {@link VhdxFormatException} (or a subtype); a missing or unreadable file throws the
 * JDK's {@code NoSuchFileException}, {@code AccessDeniedException} or another {@link IOException}.
 *
 * <p>The disk is a plain {@link VirtualDisk}: what a server needs to serve it. What the open parsed (headers, log,
 * regions, metadata, BAT states, the parent chain), for a report such as {@code vhdx-info}, is {@link #info}.
 */
public final class VhdxImage {
    private VhdxImage() {}

    public static VirtualDisk open(Path path) throws IOException {
        return open(path, OpenOptions.DEFAULTS);
    }

    public static VirtualDisk open(Path path, OpenOptions options) throws IOException {
        FileByteSource file = options.fileOpener().open(path);
        try {
            return ImageOpener.identify(file, options).open(ParentChain.forTop(path));
        } catch (IOException | RuntimeException | Error e) {
            try {
                file.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /**
     * Parses {@code path}'s structures up to the BAT without validating the BAT's entries or opening a parent: for a
     * checker ({@link ImageStructure}). Fails as {@link #open} does on what cannot be parsed at all.
     */
    public static ImageStructure structure(Path path, OpenOptions options) throws IOException {
        FileByteSource file = options.fileOpener().open(path);
        try {
            return ImageOpener.identify(file, options).structure();
        } catch (IOException | RuntimeException | Error e) {
            try {
                file.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /** What the open parsed, for a disk this class opened; empty for any other {@link VirtualDisk}. */
    public static Optional<ImageInfo> info(VirtualDisk disk) {
        return disk instanceof VhdxDisk vhdx ? Optional.of(vhdx.info()) : Optional.empty();
    }
}
