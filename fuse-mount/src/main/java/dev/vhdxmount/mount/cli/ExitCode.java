package dev.vhdxmount.mount.cli;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.vhdxmount.mount.session.MountFailure;

/**
 * The exit statuses of {@code vhdx-mount} and {@code vhdx-info}; docs/usage.md lists them for users.
 *
 * <p>One status per thing a user or a script would do something different about. The one-line message on stderr says
 * which of the cases in a group it was (for example which of the mountpoint problems), and what to do next.
 */
public final class ExitCode {
    private ExitCode() {}

    /**
     * Each status and what it means, in the words both commands' --help and the README's table use (a test holds the
     * README to them).
     */
    static final Map<Integer, String> MEANINGS = meanings();

    private static Map<Integer, String> meanings() {
        Map<Integer, String> m = new LinkedHashMap<>();
        m.put(OK, "mounted, and later unmounted cleanly (fusermount -u, umount, Ctrl-C, SIGTERM); vhdx-info: printed");
        m.put(SOFTWARE, "internal error (a bug): run with -v for the stack trace");
        m.put(USAGE, "bad command line");
        m.put(IMAGE_UNREADABLE, "image (or a named parent) missing, a directory, or unreadable");
        m.put(NOT_VHDX, "not a VHDX: the message says what it looks like (VHD, qcow2, VMDK, VDI, a raw disk) and what"
                + " opens it");
        m.put(CORRUPT_IMAGE, "corrupt or truncated VHDX: the message names the structure, its file offset and what"
                + " is wrong");
        m.put(UNSUPPORTED_IMAGE, "a valid VHDX using something this reader does not support (an unknown required"
                + " region or metadata item)");
        m.put(PARENT_NOT_FOUND, "the parent of a differencing image was not found or does not match (every path tried,"
                + " and why)");
        m.put(BAD_MOUNTPOINT, "mountpoint missing, not a directory, not empty, already mounted, or stale (the message"
                + " says how to clear it)");
        m.put(FUSE_UNAVAILABLE, "FUSE unavailable: /dev/fuse missing or not permitted, or neither libfuse 3 nor"
                + " libfuse 2 can serve");
        m.put(MOUNT_FAILED, "libfuse could not mount, or the mount ended with an error");
        m.put(CHECK_WARNINGS, "vhdx-info --check: warnings, no error");
        m.put(CHECK_ERRORS, "vhdx-info --check: errors (the image breaks a rule of MS-VHDX, or part of it cannot be"
                + " read)");
        m.put(INTERRUPTED, "vhdx-info --check or --hash stopped by Ctrl-C (SIGINT); nothing of the unfinished work is"
                + " printed");
        m.put(TERMINATED, "vhdx-info --check or --hash stopped by SIGTERM");
        return Collections.unmodifiableMap(m);
    }

    /** The "Exit status:" lines of --help, wrapped under the help's width with the meaning's indent. */
    static List<String> helpLines() {
        List<String> lines = new ArrayList<>(List.of("", "Exit status:"));
        MEANINGS.forEach((code, meaning) -> {
            StringBuilder line = new StringBuilder(String.format("  %3d ", code));
            for (String word : meaning.split(" ")) {
                if (line.length() + 1 + word.length() > HELP_WIDTH) {
                    lines.add(line.toString());
                    line = new StringBuilder("      ");
                }
                line.append(' ').append(word);
            }
            lines.add(line.toString());
        });
        return lines;
    }

    /** Where --help's lines end (picocli's usage width, 100, would wrap them again without the indent). */
    private static final int HELP_WIDTH = 96;

    /** The status for a mount that cannot go ahead, by what went wrong. */
    static int of(MountFailure.Kind kind) {
        return switch (kind) {
            case BAD_MOUNTPOINT -> BAD_MOUNTPOINT;
            case FUSE_UNAVAILABLE -> FUSE_UNAVAILABLE;
            case MOUNT_FAILED -> MOUNT_FAILED;
            case INTERNAL -> SOFTWARE;
        };
    }

    /**
     * Mounted and later unmounted cleanly (by {@code fusermount -u}, {@code umount}, SIGINT or SIGTERM); info
     * printed.
     */
    public static final int OK = 0;
    /** An unexpected internal error (a bug): the message says so; {@code -v} shows the stack trace. */
    public static final int SOFTWARE = 1;
    /** Bad command line: unknown option, missing argument, unwritable {@code --log-file}. */
    public static final int USAGE = 2;
    /** The image (or a named parent) does not exist, is not a regular file, or cannot be read. */
    public static final int IMAGE_UNREADABLE = 3;
    /** The image is not a VHDX file; the message says what it looks like where that is easy (VHD, qcow2, raw). */
    public static final int NOT_VHDX = 4;
    /** The image is a VHDX but corrupt or truncated; the message is the reader's (structure, offset, what it found). */
    public static final int CORRUPT_IMAGE = 5;
    /** The image is a valid VHDX that uses something this reader does not support. */
    public static final int UNSUPPORTED_IMAGE = 6;
    /** A differencing image's parent was not found or did not match; the message lists what was tried. */
    public static final int PARENT_NOT_FOUND = 7;
    /** The mountpoint is missing, not a directory, not empty, already mounted, or a stale FUSE mount. */
    public static final int BAD_MOUNTPOINT = 8;
    /** FUSE is not usable here: /dev/fuse missing or not permitted, or neither libfuse 3 nor libfuse 2 can serve. */
    public static final int FUSE_UNAVAILABLE = 9;
    /** libfuse could not mount, or the FUSE session ended with an error. */
    public static final int MOUNT_FAILED = 10;
    /**
     * {@code vhdx-info --check}: the image has warnings (a header or region table copy that failed, a dirty log, data
     * nothing refers to...) but no error. A check that finds nothing, or notes only, exits {@link #OK}.
     */
    public static final int CHECK_WARNINGS = 11;
    /** {@code vhdx-info --check}: the image has errors (it breaks MS-VHDX, or part of the disk cannot be read). */
    public static final int CHECK_ERRORS = 12;
    /** Long work ({@code --hash}, {@code --check}) stopped by Ctrl-C (SIGINT): 128 + 2, as a shell reports it. */
    public static final int INTERRUPTED = 130;
    /** Long work stopped by SIGTERM: 128 + 15. */
    public static final int TERMINATED = 143;
}
