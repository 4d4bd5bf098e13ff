package dev.vhdxmount.mount.session;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.vhdxmount.mount.fuse.DiskFileSystem;

/**
 * Unmounts a FUSE mount the way a user would ({@code fusermount -u}), so that the serving loop sees the session end
 * and returns; falls back to a lazy unmount when something still holds disk.raw open.
 */
final class Unmounter {
    private static final Logger log = LoggerFactory.getLogger(Unmounter.class);

    private Unmounter() {}

    /** Unmounts {@code mountPoint}; lazily if it is busy. Returns whether it is no longer mounted in our namespace. */
    static boolean unmount(Path mountPoint) {
        String path = mountPoint.toString();
        if (firstThatWorks(List.of(List.of("fusermount", "-u", path), List.of("fusermount3", "-u", path),
                List.of("umount", path))) || !MountPoints.isMounted(mountPoint)) {
            return true;
        }
        log.warn("{} is busy (a process or loop device still uses {}): detaching it lazily; it disappears now, and this"
                + " process ends once the last user lets go", path, DiskFileSystem.DISK_FILE);
        return firstThatWorks(List.of(List.of("fusermount", "-u", "-z", path), List.of("fusermount3", "-u", "-z", path),
                List.of("umount", "-l", path))) || !MountPoints.isMounted(mountPoint);
    }

    private static boolean firstThatWorks(List<List<String>> commands) {
        for (List<String> command : commands) {
            try {
                Process process = new ProcessBuilder(command).redirectErrorStream(true)
                        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
                String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
                if (!process.waitFor(30, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    log.debug("{} timed out", command);
                    continue;
                }
                if (process.exitValue() == 0) {
                    log.debug("{}: done", command);
                    return true;
                }
                log.debug("{} failed with status {}: {}", command, process.exitValue(), output);
            } catch (IOException e) {
                log.debug("{} cannot run: {}", command, e.toString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return false;
    }
}
