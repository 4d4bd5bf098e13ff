package dev.vhdxmount.mount.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.vhdxmount.mount.os.IoReasons;
import dev.vhdxmount.mount.os.Shell;
import dev.vhdxmount.vhdx.ImageInfo;
import dev.vhdxmount.vhdx.OpenOptions;
import dev.vhdxmount.vhdx.VhdxImage;
import dev.vhdxmount.vhdx.VirtualDisk;
import dev.vhdxmount.vhdx.error.VhdxFormatException;

/** Opens an image for the command line: turns each way that can fail into a one-line {@link CliError}. */
final class Images {
    private static final Logger log = LoggerFactory.getLogger(Images.class);

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

    /** Opens the image read-only; with --allow-truncated, says how much of the disk's data the file has lost. */
    static VirtualDisk open(Path image, OpenOptions options) throws CliError {
        try {
            VirtualDisk disk = VhdxImage.open(image, options);
            if (options.allowTruncated()) {
                String missing = missingData(disk);
                if (missing != null) {
                    log.warn("{} is truncated: {}", Logging.show(image), missing);
                }
            }
            return disk;
        } catch (IOException e) {
            throw describe(image, options, e);
        }
    }

    /**
     * How much of the disk's data lies past the end of its file (or of a parent's), as the rest of a sentence; null
     * if nothing does. The allocation map gives no file offset for data that is not plain bytes of the file; such a
     * run is missing if a read of its first or last byte says so (the rest are a replayed log's), so the walk costs
     * the BAT and two tiny reads per such run, and no more. A BAT cut off itself ends the walk there.
     */
    static String missingData(VirtualDisk disk) throws IOException {
        long[] missing = {0, 0, -1, -1}; // bytes, runs, first run's offset, the end of the last run
        long[] fileEnd = {-1};
        String cutBat = null;
        try {
            disk.map(0, disk.size(), run -> {
                if (run.data() && run.fileOffset() == -1) {
                    VhdxFormatException.Truncated lost = firstLost(disk, run.virtualOffset(), run.end());
                    if (lost != null) {
                        missing[0] += run.length();
                        missing[1] += run.virtualOffset() == missing[3] ? 0 : 1;
                        missing[2] = missing[2] < 0 ? run.virtualOffset() : missing[2];
                        missing[3] = run.end();
                        fileEnd[0] = lost.fileEnd();
                    }
                }
                return true;
            });
        } catch (VhdxFormatException.Truncated e) {
            cutBat = e.getMessage();
        }
        if (missing[0] == 0 && cutBat == null) {
            return null;
        }
        String data = missing[0] == 0 ? "" : ImageReport.humanSize(missing[0]) + " of the disk's data (" + missing[1]
                + " run" + (missing[1] == 1 ? "" : "s") + ", the first at virtual offset 0x"
                + Long.toHexString(missing[2]) + ") lie past the end of the file"
                + (fileEnd[0] >= 0 ? " at 0x" + Long.toHexString(fileEnd[0]) : "");
        return data + (cutBat == null ? "" : (data.isEmpty() ? "" : "; and ") + cutBat
                + ", so nothing after it can be mapped") + "; reads there fail with an I/O error";
    }

    /** The truncation a read of the first or last byte of {@code [start, end)} meets, or null if both read. */
    private static VhdxFormatException.Truncated firstLost(VirtualDisk disk, long start, long end)
            throws IOException {
        for (long at : new long[] {start, end - 1}) {
            try {
                disk.read(at, ByteBuffer.allocate(1));
            } catch (VhdxFormatException.Truncated e) {
                return e;
            }
        }
        return null;
    }

    /** The message and exit code for a failure to open {@code image}. */
    static CliError describe(Path image, OpenOptions options, IOException e) {
        String where = withPath(image, e.getMessage());
        if (e instanceof VhdxFormatException.NotVhdx n) {
            return new CliError(ExitCode.NOT_VHDX, where + insteadOf(n.looksLike(), image), e);
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
                    : "; --allow-truncated mounts what is there"), e);
        }
        if (e instanceof VhdxFormatException) {
            return new CliError(ExitCode.CORRUPT_IMAGE, where, e);
        }
        return new CliError(ExitCode.IMAGE_UNREADABLE, withPath(image, "cannot read: " + IoReasons.reason(e)), e);
    }

    /** What to use for an image of another format: "" where there is nothing to say. */
    static String insteadOf(VhdxFormatException.NotVhdx.LooksLike kind, Path image) {
        String file = Logging.show(image);
        return switch (kind) {
            case VHD -> "; a VHD opens with vhdimount (libvhdi-utils) or " + Shell.command("qemu-nbd", "--read-only",
                    "-f", "vpc", "-c", "/dev/nbd0", file);
            case QCOW2 -> "; a qcow2 image opens with " + Shell.command("qemu-nbd", "--read-only", "-f", "qcow2", "-c",
                    "/dev/nbd0", file) + " (qemu-utils)";
            case VMDK -> "; a VMDK opens with vmdkmount (libvmdk-utils) or " + Shell.command("qemu-nbd",
                    "--read-only", "-f", "vmdk", "-c", "/dev/nbd0", file);
            case VDI -> "; a VDI opens with " + Shell.command("qemu-nbd", "--read-only", "-f", "vdi", "-c",
                    "/dev/nbd0", file) + " (qemu-utils)";
            case RAW_DISK -> "; a raw disk needs no vhdx-mount: " + Shell.command("losetup", "-r", "-f", "--show",
                    "-P", file) + " attaches it as it is";
            default -> "";
        };
    }

    /**
     * Refuses parents named with --parent that the image does not have: a disk that is not differencing (or a chain
     * shorter than the parents named) would otherwise ignore them silently, and a user who swapped the checkpoint and
     * its base would see the base without the checkpoint's data.
     */
    static void checkParentsUsed(Path image, OpenOptions options, VirtualDisk disk) throws CliError {
        if (options.parents().isEmpty()) {
            return;
        }
        Optional<ImageInfo> info = VhdxImage.info(disk);
        int depth = 0;
        for (Optional<ImageInfo> level = info; level.isPresent() && level.get().isDifferencing(); ) {
            depth++;
            level = level.get().parent().map(ImageInfo.ParentLink::info);
        }
        if (depth >= options.parents().size()) {
            return;
        }
        Path unused = options.parents().get(depth);
        if (depth == 0) {
            String type = info.map(ImageInfo::diskType).orElse("plain");
            throw new CliError(ExitCode.USAGE, "--parent " + Logging.show(unused) + ": " + Logging.show(image)
                    + " is a " + type + " disk, which has no parent (leave --parent out)" + (isDifferencing(unused)
                    ? "; " + Logging.show(unused) + " is a differencing disk: if it is the checkpoint of "
                    + Logging.show(image) + ", give it as the image and " + Logging.show(image) + " as its --parent"
                    : ""));
        }
        throw new CliError(ExitCode.USAGE, "--parent " + Logging.show(unused) + ": the chain of "
                + Logging.show(image) + " has " + depth + " parent" + (depth == 1 ? "" : "s") + ", and "
                + options.parents().size() + " were named");
    }

    /** Whether {@code path} is a differencing VHDX (its own parent need not be found for that). */
    private static boolean isDifferencing(Path path) {
        try (VirtualDisk disk = VhdxImage.open(path, OpenOptions.DEFAULTS)) {
            return VhdxImage.info(disk).map(ImageInfo::isDifferencing).orElse(false);
        } catch (VhdxFormatException.ParentNotFound e) {
            return true;
        } catch (IOException e) {
            return false;
        }
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
