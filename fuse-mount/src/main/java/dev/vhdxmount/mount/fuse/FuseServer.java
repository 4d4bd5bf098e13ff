package dev.vhdxmount.mount.fuse;

import java.nio.file.Path;
import java.time.Duration;

/**
 * A FUSE binding serving a {@link DiskFileSystem}: mount, serve until unmounted, report readiness. One per library
 * (libfuse 3's low-level API, libfuse 2 through jnr-fuse); each only translates calls and answers, the model decides.
 */
public interface FuseServer {

    /** Which library serves, and how (for the log). */
    String description();

    /**
     * Whether a read of the image has been waiting on the storage for longer than {@code longerThan}: a storage
     * that hangs, which an unmount must not wait for.
     */
    boolean readsStuck(Duration longerThan);

    /**
     * Mounts at {@code mountPoint} and serves requests until the file system is unmounted; blocks meanwhile.
     *
     * @param options the user's mount options, which the binding says in its library's words
     * @param onReady called once the kernel has connected (FUSE's init), before any other request is answered
     * @return 0 after a clean unmount; non-zero when libfuse could not mount or the session failed (libfuse has then
     *         printed its own message on stderr)
     */
    int serve(Path mountPoint, MountOptions options, Runnable onReady);
}
