package dev.vhdxmount.mount;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Checks that FUSE can work here before mounting, so that a missing device or library gets a message that says how to
 * fix it instead of libfuse's terse one or a linkage error.
 */
final class FuseEnvironment {
    static final Path DEVICE = Path.of("/dev/fuse");

    private FuseEnvironment() {}

    /**
     * /dev/fuse exists and this user may open it read-write, as libfuse 2 does itself even when not root. Opened and
     * closed at once: a connection that is never mounted is simply dropped. Opening rather than asking access(2)
     * also catches a container whose device rules deny it to root.
     */
    static void checkDevice() throws CliError {
        if (!Files.exists(DEVICE)) {
            throw new CliError(ExitCode.FUSE_UNAVAILABLE, DEVICE + " does not exist: load the FUSE kernel module"
                    + " (modprobe fuse); in a container, start it with --device /dev/fuse --cap-add SYS_ADMIN");
        }
        try (FileChannel ignored = FileChannel.open(DEVICE, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            // usable
        } catch (AccessDeniedException e) {
            throw new CliError(ExitCode.FUSE_UNAVAILABLE, DEVICE + " is not readable and writable by user "
                    + System.getProperty("user.name") + ": run as root, or let users open it (chmod 0666 " + DEVICE
                    + ", the usual setting)", e);
        } catch (IOException e) {
            throw new CliError(ExitCode.FUSE_UNAVAILABLE, DEVICE + " cannot be opened: " + Images.reason(e)
                    + "; in a container, start it with --device /dev/fuse --cap-add SYS_ADMIN", e);
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
