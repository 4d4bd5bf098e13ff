package dev.vhdxmount.vhdx;

import dev.vhdxmount.vhdx.error.VhdxFormatException;

import dev.vhdxmount.vhdx.io.FileByteSource;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The one entry point: opens a VHDX file read-only and returns its virtual disk.
 *
 * <p>Format problems throw {@link VhdxFormatException} (or a subtype); a missing or unreadable file throws the
 * JDK's {@code NoSuchFileException}, {@code AccessDeniedException} or another {@link IOException}.
 */
public final class VhdxImage {
    private VhdxImage() {}

    public static VhdxDisk open(Path path) throws IOException {
        return open(path, OpenOptions.DEFAULTS);
    }

    public static VhdxDisk open(Path path, OpenOptions options) throws IOException {
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
}
