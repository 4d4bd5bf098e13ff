package dev.vhdxmount.mount.session;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The kernel's readahead for the mount, which decides how much of disk.raw a sequential reader asks the server for at
 * a time. A FUSE mount starts at 128 KiB (the kernel's default for any device). Further ahead means fewer, larger
 * requests from the page cache, and on slow storage several requests in flight at once, served by the worker pool in
 * parallel, so that the storage's latency overlaps instead of adding up: 2 MiB is four requests of the mount's
 * {@code max_read}, enough for a sequential read to keep up with the raw file on storage that answers in a
 * millisecond (docs/benchmarks.md, slow storage); it costs nothing measurable on cached images. It is the mount's own
 * setting
 * ({@code /sys/class/bdi/MAJOR:MINOR/read_ahead_kb}), gone with the mount, and only root may change it: for other
 * users the kernel's default stays.
 */
public final class Readahead {
    /** What vhdx-mount sets unless told otherwise ({@code --readahead}). */
    public static final int DEFAULT_KIB = 2048;
    /** The most {@code --readahead} takes. */
    public static final int MAX_KIB = 16 * 1024;
    static final Path BDI = Path.of("/sys/class/bdi");

    private static final Logger log = LoggerFactory.getLogger(Readahead.class);

    private Readahead() {}

    /**
     * Sets the readahead of the FUSE mount at {@code mountPoint} to {@code kib}; 0 leaves the kernel's. A failure
     * (not root, no sysfs in a container) is logged at debug level and changes nothing else.
     */
    public static void set(Path mountPoint, int kib) {
        if (kib == 0) {
            return;
        }
        Optional<MountPoints.MountEntry> mount = MountPoints.findMount(mountPoint);
        if (mount.isEmpty() || !mount.get().isFuse()) {
            log.debug("readahead left as it is: no FUSE mount found at {}", mountPoint);
            return;
        }
        Path knob = BDI.resolve(mount.get().device()).resolve("read_ahead_kb");
        try {
            Files.writeString(knob, kib + "\n");
            log.debug("readahead of {} set to {} KiB ({})", mountPoint, kib, knob);
        } catch (IOException e) {
            log.debug("readahead of {} left at the kernel's: cannot write {} ({})", mountPoint, knob, e.toString());
        }
    }
}
