package dev.vhdxmount.mount.session;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.vhdxmount.mount.os.IoReasons;

/**
 * The kernel's side of a FUSE mount, as the fusectl file system shows it ({@code /sys/fs/fuse/connections/N}, N the
 * mount's device minor): aborting it fails every request the kernel waits on, and every later one, at once. That is
 * how a mount whose server waits on a storage that hangs still ends: its readers get an error instead of waiting with
 * it.
 */
final class FuseConnection {
    private static final Logger log = LoggerFactory.getLogger(FuseConnection.class);
    static final Path CONNECTIONS = Path.of("/sys/fs/fuse/connections");

    private FuseConnection() {}

    private static boolean mountFusectl() {
        try {
            Process p = new ProcessBuilder("mount", "-t", "fusectl", "fusectl", CONNECTIONS.toString())
                    .redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .start();
            String said = new String(p.getInputStream().readAllBytes()).trim();
            if (p.waitFor() != 0) {
                log.debug("mount -t fusectl: {}", said);
                return false;
            }
            return true;
        } catch (IOException e) {
            log.debug("mount -t fusectl: {}", e.toString());
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The fusectl folder of the FUSE mount at {@code mountPoint}, if fusectl is mounted and the mount is there. */
    static Optional<Path> of(Path mountPoint) {
        return MountPoints.findMount(mountPoint).filter(MountPoints.MountEntry::isFuse)
                .map(m -> CONNECTIONS.resolve(m.device().substring(m.device().indexOf(':') + 1)))
                .filter(Files::isDirectory);
    }

    /**
     * Aborts the connection of the mount at {@code mountPoint}; false (logged) where that cannot be done. Where
     * fusectl is not mounted (systemd mounts it; a container or a minimal system may not), root mounts it first.
     */
    static boolean abort(Path mountPoint) {
        Optional<Path> connection = of(mountPoint);
        if (connection.isEmpty() && !MountPoints.isMounted(CONNECTIONS) && mountFusectl()) {
            connection = of(mountPoint);
        }
        if (connection.isEmpty()) {
            log.warn("cannot abort the FUSE connection of {}: no fusectl entry (is {} mounted?)", mountPoint,
                    CONNECTIONS);
            return false;
        }
        try {
            Files.writeString(connection.get().resolve("abort"), "1");
            log.debug("aborted the FUSE connection {}", connection.get());
            return true;
        } catch (IOException e) {
            log.warn("cannot abort the FUSE connection {}: {}", connection.get(), IoReasons.reason(e));
            return false;
        }
    }
}
