package dev.vhdxmount.mount.session;

import static dev.vhdxmount.mount.session.MountFailure.Kind.FUSE_UNAVAILABLE;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.function.Function;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.vhdxmount.mount.fuse.UnsupportedLibfuse;
import dev.vhdxmount.mount.os.IoReasons;

/**
 * Checks that FUSE can work here before mounting, so that a missing device or library gets a message that says how to
 * fix it instead of libfuse's terse one or a linkage error.
 */
public final class FuseEnvironment {
    static final Path DEVICE = Path.of("/dev/fuse");
    private static final Logger log = LoggerFactory.getLogger(FuseEnvironment.class);

    private FuseEnvironment() {}

    /**
     * /dev/fuse exists and this user may open it read-write, as libfuse 2 does itself even when not root. Opened and
     * closed at once: a connection that is never mounted is simply dropped. Opening rather than asking access(2)
     * also catches a container whose device rules deny it to root.
     */
    public static void checkDevice() throws MountFailure {
        if (!Files.exists(DEVICE)) {
            throw new MountFailure(FUSE_UNAVAILABLE, DEVICE + " does not exist: load the FUSE kernel"
                    + " module (modprobe fuse); in a container, start it with --device /dev/fuse --cap-add SYS_ADMIN");
        }
        try {
            FileChannel.open(DEVICE, StandardOpenOption.READ, StandardOpenOption.WRITE).close();
        } catch (AccessDeniedException e) {
            throw new MountFailure(FUSE_UNAVAILABLE, DEVICE + " is not readable and writable by user "
                    + System.getProperty("user.name") + ": run as root, or let users open it (chmod 0666 " + DEVICE
                    + ", the usual setting)", e);
        } catch (IOException e) {
            throw new MountFailure(FUSE_UNAVAILABLE, DEVICE + " cannot be opened: "
                    + IoReasons.reason(e) + "; in a container, start it with --device /dev/fuse --cap-add SYS_ADMIN",
                    e);
        }
    }

    /**
     * The binding to serve through: the one asked for if its library loads, else the first whose library loads
     * (libfuse 3, then libfuse 2). A libfuse 3 of a release this binding does not know is passed over with a warning
     * when libfuse 2 can serve instead.
     *
     * @param requested {@code --libfuse}, or null
     */
    public static FuseBinding chooseBinding(FuseBinding requested) throws MountFailure {
        return chooseBinding(requested, FuseBinding::probe);
    }

    /** {@link #chooseBinding(FuseBinding)} with the libraries probed by {@code probe} (null: it loads). */
    static FuseBinding chooseBinding(FuseBinding requested, Function<FuseBinding, Throwable> probe)
            throws MountFailure {
        if (requested != null) {
            Throwable failure = probe.apply(requested);
            if (failure instanceof UnsupportedLibfuse) {
                throw new MountFailure(FUSE_UNAVAILABLE, failure.getMessage() + ": serve through "
                        + otherThan(requested).library + " instead (--libfuse " + otherThan(requested).version
                        + "), or use a vhdx-mount release that knows it", failure);
            }
            if (failure != null) {
                throw new MountFailure(FUSE_UNAVAILABLE, requested.library + " cannot be loaded: install it ("
                        + requested.install + ") [" + firstLine(failure.getMessage()) + "]", failure);
            }
            return requested;
        }
        StringBuilder failures = new StringBuilder();
        Throwable first = null;
        UnsupportedLibfuse unsupported = null;
        for (FuseBinding binding : FuseBinding.values()) {
            Throwable failure = probe.apply(binding);
            if (failure == null) {
                if (unsupported != null) {
                    log.warn("{}; serving through {} instead", unsupported.getMessage(), binding.library);
                }
                return binding;
            }
            if (failure instanceof UnsupportedLibfuse u && unsupported == null) {
                unsupported = u;
            }
            first = first == null ? failure : first;
            failures.append(failures.length() == 0 ? "" : "; ").append(binding.library).append(": ")
                    .append(firstLine(failure.getMessage()));
        }
        if (unsupported != null) {
            throw new MountFailure(FUSE_UNAVAILABLE, unsupported.getMessage() + ", and libfuse 2 cannot be"
                    + " loaded: install libfuse 2 (" + FuseBinding.LIBFUSE2.install + "), or use a vhdx-mount release"
                    + " that knows this libfuse 3 [" + failures + "]", unsupported);
        }
        throw new MountFailure(FUSE_UNAVAILABLE, "neither libfuse 3 nor libfuse 2 can be loaded: install one ("
                + FuseBinding.LIBFUSE3.install + ") [" + failures + "]", first);
    }

    private static FuseBinding otherThan(FuseBinding binding) {
        return binding == FuseBinding.LIBFUSE3 ? FuseBinding.LIBFUSE2 : FuseBinding.LIBFUSE3;
    }

    private static String firstLine(String message) {
        return message == null ? "no detail" : message.lines().findFirst().orElse("no detail");
    }
}
