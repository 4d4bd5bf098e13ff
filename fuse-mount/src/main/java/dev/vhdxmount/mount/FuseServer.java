package dev.vhdxmount.mount;

import java.nio.file.Path;
import java.util.List;

/**
 * What the command line needs from a FUSE binding: mount, serve until unmounted, report readiness. {@link RawDiskFs}
 * implements it over jnr-fuse and libfuse 2; a libfuse 3 binding would be a second implementation.
 */
interface FuseServer {

    /**
     * Mounts at {@code mountPoint} and serves requests until the file system is unmounted; blocks meanwhile.
     *
     * @param options libfuse {@code -o} options, each one or several comma-separated
     * @param onReady called once the kernel has connected (FUSE's init), before any other request is answered
     * @return 0 after a clean unmount; non-zero when libfuse could not mount or the session failed (libfuse has then
     *         printed its own message on stderr)
     */
    int serve(Path mountPoint, List<String> options, Runnable onReady);
}
