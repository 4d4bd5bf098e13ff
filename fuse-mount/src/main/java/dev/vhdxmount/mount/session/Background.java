package dev.vhdxmount.mount.session;

import static dev.vhdxmount.mount.session.MountFailure.Kind.INTERNAL;
import static dev.vhdxmount.mount.session.MountFailure.Kind.MOUNT_FAILED;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.vhdxmount.mount.os.LibC;
import jnr.constants.platform.OpenFlags;
import jnr.ffi.LastError;

/**
 * Background mode, as FUSE tools do it: the command returns once the mount is ready and a process keeps serving.
 *
 * <p>A JVM cannot fork, so the command the user ran (the launcher) starts a second JVM with the same class path and
 * options plus {@code --foreground} and a hidden {@link #CHILD_OPTION}. The child leaves the terminal's session
 * ({@code setsid}, so that Ctrl-C and hang-ups in the terminal do not reach it), writes its messages straight to the
 * inherited stderr, mounts, and once {@code disk.raw} is visible writes {@link #READY} on its stdout, a pipe that only
 * the launcher reads. It then points stdin, stdout and stderr at /dev/null, so that a caller capturing the launcher's
 * output ({@code $(vhdx-mount ...)}) is not kept waiting by the daemon. The launcher exits 0 on READY, or with the
 * child's own exit status (its message already printed) when the child ends first.
 *
 * <p>Two launchers speak this protocol: {@link #startAndWait} here, for {@code java -jar vhdx-mount.jar}, and
 * scripts/vhdx-mount, which starts the serving JVM itself so that a background mount costs one JVM start instead of
 * two (docs/benchmarks.md).
 */
public final class Background {
    private static final Logger log = LoggerFactory.getLogger(Background.class);

    /**
     * The entry point the serving child runs, by name: the package above this one holds it, and names only go down
     * (a test checks the name).
     */
    public static final String MAIN_CLASS = "dev.vhdxmount.mount.Main";
    /** Hidden option that marks the serving child of a background mount. */
    public static final String CHILD_OPTION = "--background-child";
    /** The line the child writes on its stdout once the mount is ready (scripts/vhdx-mount.protocol). */
    static final String READY;
    /** The status when the child ended with 0 before it was ready. */
    public static final int ENDED_BEFORE_READY_STATUS;

    static {
        Properties protocol = new Properties();
        try (InputStream in = Background.class.getResourceAsStream("vhdx-mount.protocol")) {
            protocol.load(new InputStreamReader(in, StandardCharsets.UTF_8));
        } catch (IOException | NullPointerException e) {
            throw new ExceptionInInitializerError("vhdx-mount.protocol is missing from the jar: " + e);
        }
        READY = protocol.getProperty("READY_LINE");
        ENDED_BEFORE_READY_STATUS = Integer.parseInt(protocol.getProperty("ENDED_BEFORE_READY_STATUS"));
    }

    private Background() {}

    /**
     * Starts the serving child and waits until it reports the mount ready or ends.
     *
     * @param programArguments the child's arguments after the main class (program name, options, paths)
     * @return 0 once the mount is ready, else the child's exit status
     */
    public static int startAndWait(List<String> programArguments) throws MountFailure {
        List<String> command = javaCommand();
        command.addAll(programArguments);
        log.debug("starting the serving process: {}", command);
        Process child;
        try {
            child = new ProcessBuilder(command)
                    .directory(new File("/")) // hold no directory busy, as daemons do
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectError(ProcessBuilder.Redirect.INHERIT)
                    .start();
        } catch (IOException e) {
            throw new MountFailure(INTERNAL, "cannot start the serving process (" + command.get(0) + "): "
                    + e.getMessage(), e);
        }
        // Ctrl-C while waiting: the child has left our session, so end it here (it unmounts if it got that far)
        Thread stopChild = new Thread(() -> {
            child.destroy();
            try {
                child.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "stop-serving-process");
        Runtime.getRuntime().addShutdownHook(stopChild);
        try (BufferedReader out = new BufferedReader(
                new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = out.readLine()) != null; ) {
                if (line.equals(READY)) {
                    Runtime.getRuntime().removeShutdownHook(stopChild);
                    log.debug("serving process {} reports the mount ready", child.pid());
                    return 0;
                }
                log.debug("serving process said: {}", line);
            }
            int status = child.waitFor();
            Runtime.getRuntime().removeShutdownHook(stopChild);
            if (status == 0) {
                throw new MountFailure(MOUNT_FAILED, "the serving process ended before the mount was"
                        + " ready");
            }
            return status;
        } catch (IOException e) {
            throw new MountFailure(INTERNAL, "lost contact with the serving process: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MountFailure(INTERNAL, "interrupted while waiting for the mount", e);
        }
    }

    /** This JVM again: its java binary, its JVM options (heap size and the like), its class path, the main class. */
    private static List<String> javaCommand() {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        try {
            for (String option : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
                // a debugger agent would clash with ours on its port
                if (!option.startsWith("-agentlib:jdwp") && !option.startsWith("-Xrunjdwp")) {
                    command.add(option);
                }
            }
        } catch (LinkageError e) {
            log.debug("no java.management module: the serving JVM gets default options");
        }
        command.add("-cp");
        // absolute: the child runs in /
        command.add(Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .map(entry -> Path.of(entry).toAbsolutePath().toString())
                .collect(Collectors.joining(File.pathSeparator)));
        command.add(MAIN_CLASS);
        return command;
    }

    /** Holds no folder busy, as daemons do (every path in use is absolute by now). */
    private static void leaveFolder() {
        try {
            LibC libc = LibC.load();
            if (libc.chdir("/") != 0) {
                log.debug("chdir / failed: errno {}", LastError.getLastError(jnr.ffi.Runtime.getRuntime(libc)));
            }
        } catch (RuntimeException | LinkageError e) {
            log.debug("chdir / failed: {}", e.toString());
        }
    }

    /** In the child, first thing: leave the launcher's session and process group. */
    public static void leaveTerminalSession() {
        try {
            int sid = LibC.load().setsid();
            log.debug("serving process {} in its own session {}", ProcessHandle.current().pid(), sid);
        } catch (RuntimeException | LinkageError e) {
            log.debug("setsid failed: {}", e.toString());
        }
    }

    /**
     * In the child, once mounted: let go of the folder it was started in, tell the launcher, then let go of the
     * launcher's stdin, stdout and stderr.
     */
    public static void reportReadyAndDetach() {
        // the folder first: once the launcher has the ready line its caller goes on, and may remove that folder
        leaveFolder();
        System.out.println(READY);
        System.out.flush();
        System.err.flush();
        try {
            LibC libc = LibC.load();
            int devNull = libc.open("/dev/null", OpenFlags.O_RDWR.intValue(), 0);
            if (devNull < 0) {
                throw new IllegalStateException("cannot open /dev/null: errno "
                        + LastError.getLastError(jnr.ffi.Runtime.getRuntime(libc)));
            }
            for (int fd = 0; fd <= 2; fd++) {
                libc.dup2(devNull, fd);
            }
            libc.close(devNull);
        } catch (RuntimeException | LinkageError e) {
            // the launcher has its answer; at worst a caller reading our stderr waits for the unmount
            log.warn("cannot detach from the terminal: {}", e.toString());
            System.out.close();
        }
    }
}
