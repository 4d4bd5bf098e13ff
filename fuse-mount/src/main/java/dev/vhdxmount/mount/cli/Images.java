package dev.vhdxmount.mount.cli;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import dev.vhdxmount.mount.os.IoReasons;
import dev.vhdxmount.vhdx.OpenOptions;
import dev.vhdxmount.vhdx.VhdxImage;
import dev.vhdxmount.vhdx.VirtualDisk;
import dev.vhdxmount.vhdx.error.VhdxFormatException;

/** Opens an image for the command line: turns each way that can fail into a one-line {@link CliError}. */
final class Images {
    private Images() {}

    /**
     * Checks that a file given on the command line can be read, before anything slower happens.
     *
     * @param what "image" or "parent image", for the message
     */
    static void checkReadable(String what, Path path) throws CliError {
        String shown = Logging.show(path);
        if (Files.isDirectory(path)) {
            throw new CliError(ExitCode.IMAGE_UNREADABLE, shown + ": is a directory, not an image file");
        }
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            channel.size();
        } catch (NoSuchFileException e) {
            throw new CliError(ExitCode.IMAGE_UNREADABLE, shown + ": no such file (the " + what + " does not exist)",
                    e);
        } catch (AccessDeniedException e) {
            throw new CliError(ExitCode.IMAGE_UNREADABLE,
                    shown + ": permission denied (the " + what + " is not readable by this user)", e);
        } catch (IOException e) {
            throw new CliError(ExitCode.IMAGE_UNREADABLE, shown + ": cannot read the " + what + ": "
                    + IoReasons.reason(e), e);
        }
    }

    /** Checks that the image and its named parents can be read (cheap: before slower checks and the open). */
    static void checkReadable(Path image, OpenOptions options) throws CliError {
        checkReadable("image", image);
        for (Path parent : options.parents()) {
            checkReadable("parent image", parent);
        }
    }

    /** Opens the image read-only. */
    static VirtualDisk open(Path image, OpenOptions options) throws CliError {
        try {
            return VhdxImage.open(image, options);
        } catch (IOException e) {
            throw describe(image, options, e);
        }
    }

    /** The message and exit code for a failure to open {@code image}. */
    static CliError describe(Path image, OpenOptions options, IOException e) {
        String where = withPath(image, e.getMessage());
        if (e instanceof VhdxFormatException.NotVhdx) {
            return new CliError(ExitCode.NOT_VHDX, where, e);
        }
        if (e instanceof VhdxFormatException.Unsupported) {
            return new CliError(ExitCode.UNSUPPORTED_IMAGE, where, e);
        }
        if (e instanceof VhdxFormatException.ParentNotFound p) {
            return new CliError(ExitCode.PARENT_NOT_FOUND, where + (p.namingTheParentHelps()
                    ? " (name the parent with --parent PATH)" : ""), e);
        }
        if (e instanceof VhdxFormatException.Truncated) {
            return new CliError(ExitCode.CORRUPT_IMAGE, where + (options.allowTruncated() ? ""
                    : " (the file was cut short; --allow-truncated mounts what is there)"), e);
        }
        if (e instanceof VhdxFormatException) {
            return new CliError(ExitCode.CORRUPT_IMAGE, where, e);
        }
        return new CliError(ExitCode.IMAGE_UNREADABLE, withPath(image, "cannot read: " + IoReasons.reason(e)), e);
    }

    /** Prefixes the image path unless the message already names it. */
    private static String withPath(Path image, String message) {
        String shown = Logging.show(image);
        if (message == null || message.isBlank()) {
            return shown;
        }
        return message.contains(shown) || message.contains(image.toString()) ? message : shown + ": " + message;
    }

    /** The reason of an I/O error without the JDK's repetition of the path. */
}
