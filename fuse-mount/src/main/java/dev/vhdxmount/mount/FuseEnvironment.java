package dev.vhdxmount.mount;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Checks that FUSE can work here before mounting, so that a missing device or library gets a message that says how to
 * fix it instead of libfuse's terse one or a linkage error.
 */
final class FuseEnvironment {
    static final Path DEVICE = Path.of("/dev/fuse");

    private FuseEnvironment() {}

    /** /dev/fuse exists and this user may open it read-write (libfuse 2 opens it itself, even when not root). */
    static void checkDevice() throws CliError {
        if (!Files.exists(DEVICE)) {
            throw new CliError(ExitCode.FUSE_UNAVAILABLE, DEVICE + " does not exist: load the FUSE kernel module"
                    + " (modprobe fuse); in a container, start it with --device /dev/fuse --cap-add SYS_ADMIN");
        }
        if (!Files.isReadable(DEVICE) || !Files.isWritable(DEVICE)) {
            throw new CliError(ExitCode.FUSE_UNAVAILABLE, DEVICE + " is not readable and writable by user "
                    + System.getProperty("user.name") + ": run as root, or let users open it (chmod 0666 " + DEVICE
                    + ", the usual setting)");
        }
    }

    /** libfuse 2 can be loaded (jnr-fuse binds libfuse 2, libfuse.so.2). */
    static void checkLibrary() throws CliError {
        Throwable failure = RawDiskFs.probeLibrary();
        if (failure != null) {
            throw new CliError(ExitCode.FUSE_UNAVAILABLE, "libfuse 2 (libfuse.so.2) cannot be loaded: install it"
                    + " (Debian/Ubuntu: apt-get install libfuse2, or libfuse2t64 on Ubuntu 24.04 and later;"
                    + " Fedora: dnf install fuse-libs) [" + firstLine(failure.getMessage()) + "]", failure);
        }
    }

    private static String firstLine(String message) {
        return message == null ? "no detail" : message.lines().findFirst().orElse("no detail");
    }
}
