package dev.vhdxmount.mount;

import java.nio.file.Path;
import java.util.List;

/**
 * What the command line needs from a FUSE binding: mount, serve until unmounted, report readiness. Two implement
 * it ({@link FuseBinding}): {@code fuse3.Fuse3Server} over libfuse 3's low-level API, and {@link RawDiskFs} over
 * jnr-fuse and libfuse 2.
 */
public interface FuseServer {
    /** The one file of the mount, whose bytes are the virtual disk's. */
    String FILE_NAME = "disk.raw";

    /** Which library serves, and how (for the log and {@code --version}). */
    String description();

    /**
     * Mounts at {@code mountPoint} and serves requests until the file system is unmounted; blocks meanwhile.
     *
     * @param options mount options, each one or several comma-separated, understood by every binding (ro,
     *                allow_other, fsname=..., debug, ...); a binding adds its own for caching
     * @param onReady called once the kernel has connected (FUSE's init), before any other request is answered
     * @return 0 after a clean unmount; non-zero when libfuse could not mount or the session failed (libfuse has then
     *         printed its own message on stderr)
     */
    int serve(Path mountPoint, List<String> options, Runnable onReady);
}
