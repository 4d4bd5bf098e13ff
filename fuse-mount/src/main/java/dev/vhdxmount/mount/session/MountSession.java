package dev.vhdxmount.mount.session;

import static dev.vhdxmount.mount.session.MountFailure.Kind.MOUNT_FAILED;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.vhdxmount.mount.fuse.DiskFileSystem;
import dev.vhdxmount.mount.fuse.FuseServer;
import dev.vhdxmount.mount.fuse.MountOptions;
import dev.vhdxmount.mount.os.Shell;

/**
 * One mount's life: the FUSE loop on its own thread, readiness (disk.raw visible through the mount), unmounting on
 * SIGINT/SIGTERM/SIGHUP, and the loop's end when anyone unmounts ({@code fusermount -u}, {@code umount}).
 */
public final class MountSession {
    private static final Logger log = LoggerFactory.getLogger(MountSession.class);

    /** How long a read must have waited on the storage for an unmount to stop waiting for it. */
    private static final Duration STUCK = Duration.ofSeconds(1);
    /** How long the end of an aborted session waits for its serving thread. */
    private static final Duration ABANDON_AFTER = Duration.ofMillis(500);

    private final FuseServer server;
    private final Path mountPoint;
    private final MountOptions options;
    private final CountDownLatch initialised = new CountDownLatch(1);
    private volatile int loopResult = Integer.MIN_VALUE;
    private Thread loop;
    private boolean ready; // guarded by this
    private String stopSignal; // guarded by this
    /** The connection was aborted because reads waited on a storage that hangs. */
    private volatile boolean aborted;
    private volatile boolean readsLeftWaiting;

    public MountSession(FuseServer server, Path mountPoint, MountOptions options) {
        this.server = server;
        this.mountPoint = mountPoint;
        this.options = options;
    }

    /** Starts serving; from now on a terminating signal unmounts instead of ending the JVM at once. */
    public void start() {
        SignalHandlers.install(SignalHandlers.TERMINATING, this::stop);
        loop = new Thread(() -> loopResult = server.serve(mountPoint, options, initialised::countDown), "fuse-serve");
        // it may be held in a read of storage that hangs after the mount is gone: the process ends without it then
        loop.setDaemon(true);
        loop.start();
    }

    /**
     * Waits until the kernel has connected and disk.raw is visible under the mountpoint.
     *
     * @throws MountFailure {@link MountFailure.Kind#MOUNT_FAILED} when libfuse gave up first (it has printed why) or
     *                      time ran out
     */
    public void awaitReady(Duration timeout) throws MountFailure, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!initialised.await(20, TimeUnit.MILLISECONDS)) {
            if (!loop.isAlive()) {
                throw new MountFailure(MOUNT_FAILED, "libfuse could not mount on " + mountPoint
                        + " (its message is above; status " + loopResult + "); in a container FUSE needs"
                        + " --device /dev/fuse and --cap-add SYS_ADMIN");
            }
            if (System.nanoTime() > deadline) {
                Unmounter.unmount(mountPoint);
                throw new MountFailure(MOUNT_FAILED, "the FUSE mount on " + mountPoint + " did not come up within "
                        + timeout.toSeconds() + " s");
            }
        }
        // the stat below is answered by our own loop: it proves the kernel routes the mountpoint to us
        Path diskRaw = mountPoint.resolve(DiskFileSystem.DISK_FILE);
        if (!Files.isRegularFile(diskRaw)) {
            Unmounter.unmount(mountPoint);
            throw new MountFailure(MOUNT_FAILED, "mounted on " + mountPoint + ", but " + diskRaw
                    + " is not visible there");
        }
        String pendingStop;
        synchronized (this) {
            ready = true;
            pendingStop = stopSignal;
        }
        if (pendingStop != null) {
            stop(pendingStop);
        }
    }

    /** A terminating signal: unmount now if mounted, else as soon as the mount is ready. */
    void stop(String signal) {
        synchronized (this) {
            if (!ready) {
                log.info("{} received while mounting: unmounting once mounted", signal);
                stopSignal = signal;
                return;
            }
        }
        log.info("{} received: unmounting {}", signal, mountPoint);
        if (server.readsStuck(STUCK)) {
            // its readers wait with the server on the storage: fail them at once, or the unmount waits for ever
            log.warn("{}: reads wait on a storage that does not answer: aborting the FUSE connection, so that they"
                    + " fail now", mountPoint);
            aborted = FuseConnection.abort(mountPoint);
        }
        if (!Unmounter.unmount(mountPoint)) {
            log.error("cannot unmount {}: unmount it with {}", mountPoint, Shell.command("fusermount", "-u",
                    mountPoint.toString()));
        }
    }

    /**
     * Waits until the session ends (unmounted by anyone).
     *
     * @return libfuse's status: 0 after a clean unmount
     */
    /**
     * Whether the session ended with reads of the image still waiting on its storage (which then must not be closed:
     * closing waits for them).
     */
    public boolean readsLeftWaiting() {
        return readsLeftWaiting || server.readsStuck(Duration.ZERO);
    }

    public int awaitEnd() throws InterruptedException {
        while (loop.isAlive()) {
            loop.join(100);
            if (aborted && loop.isAlive() && !MountPoints.isMounted(mountPoint)) {
                // unmounted, but a serving thread waits on the storage still (a one-thread binding)
                loop.join(ABANDON_AFTER.toMillis());
                if (loop.isAlive()) {
                    log.warn("{} is unmounted; a read of the storage still waits: ending without it", mountPoint);
                    readsLeftWaiting = true;
                    return 0;
                }
            }
        }
        return loopResult;
    }
}
