package dev.vhdxmount.mount;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.junit.jupiter.api.Assumptions;

import dev.vhdxmount.mount.session.MountPoints;
import dev.vhdxmount.vhdx.testkit.Tools;

/**
 * Shared by the *IT tests: run the real command line (the shaded jar) and shell tools, and look at what a mount left.
 *
 * <p>These tests need the kernel (FUSE, loop devices, mount: root). They skip only where /dev/fuse is absent and CI
 * is not set; in CI they always run.
 */
final class MountIt {
    static final Path JAR = Path.of(System.getProperty("vhdx.mount.jar", "target/vhdx-mount.jar")).toAbsolutePath();
    static final Path SCRIPTS = Path.of(System.getProperty("vhdx.mount.scripts", "../scripts")).toAbsolutePath();
    static final Duration COMMAND_TIMEOUT = Duration.ofMinutes(3);

    private MountIt() {}

    static void assumeFuse() {
        Assumptions.assumeTrue(Tools.inCi() || Files.exists(Path.of("/dev/fuse")),
                "no /dev/fuse here and CI is not set: skipping the tests that mount");
    }

    /** What a finished command did. */
    record Result(int exitCode, String stdout, String stderr) {
        Result expect(int code) {
            assertEquals(code, exitCode, "exit status; stderr: " + stderr + "; stdout: " + stdout);
            return this;
        }
    }

    /** Runs {@code java -jar vhdx-mount.jar ARGS} and waits for it and for both its output pipes to close. */
    static Result cli(Map<String, String> env, String... args) {
        List<String> command = new ArrayList<>(List.of(javaBinary(), "-jar", JAR.toString()));
        command.addAll(List.of(args));
        return run(env, command);
    }

    static Result cli(String... args) {
        return cli(Map.of(), args);
    }

    /** Starts {@code java -jar vhdx-mount.jar ARGS} (for -f), output to the given files. */
    static Process start(Map<String, String> env, Path stdout, Path stderr, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(javaBinary(), "-jar", JAR.toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(stdout.toFile()).redirectError(stderr.toFile());
        pb.environment().putAll(env);
        return pb.start();
    }

    static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** Runs a shell command line with bash -c (set -euo pipefail). */
    static Result sh(String script) {
        return run(Map.of(), List.of("bash", "-c", "set -euo pipefail\n" + script));
    }

    /** Runs a shell command line and fails the test unless it exits 0; returns its stdout. */
    static String shOk(String script) {
        Result r = sh(script);
        if (r.exitCode() != 0) {
            fail("command failed (" + r.exitCode() + "): " + script + "\nstderr: " + r.stderr());
        }
        return r.stdout();
    }

    static Result run(Map<String, String> env, List<String> command) {
        try {
            ProcessBuilder pb = new ProcessBuilder(command)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            pb.environment().putAll(env);
            Process p = pb.start();
            CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> readAll(p.getInputStream()));
            CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()));
            if (!p.waitFor(COMMAND_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail("timed out: " + command);
            }
            // a background mount must not keep the caller's pipes open: these reads end only when all writers close
            return new Result(p.exitValue(), out.get(30, TimeUnit.SECONDS), err.get(30, TimeUnit.SECONDS));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException | ExecutionException e) {
            throw new IllegalStateException(e);
        } catch (TimeoutException e) {
            throw new AssertionError("the output pipes of " + command + " stayed open after it exited", e);
        }
    }

    private static String readAll(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static boolean isMounted(Path mountPoint) {
        return MountPoints.isMounted(mountPoint.toAbsolutePath());
    }

    /** The vhdx-mount processes serving {@code mountPoint} (by their command line). */
    static List<ProcessHandle> servers(Path mountPoint) {
        String mnt = mountPoint.toAbsolutePath().toString();
        return ProcessHandle.allProcesses()
                .filter(p -> p.info().arguments().map(a -> List.of(a).contains(mnt)).orElse(false))
                .filter(p -> p.info().arguments().map(a -> List.of(a).contains(JAR.toString())
                        || List.of(a).contains("dev.vhdxmount.mount.Main")).orElse(false))
                .toList();
    }

    /**
     * Waits until process {@code pid} has ended: gone, or a zombie (here the machine's init may take seconds to reap an
     * orphan, which says nothing of how fast the process ended).
     *
     * @return whether it ended in time
     */
    static boolean awaitExit(long pid, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        do {
            try {
                String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
                if (stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z")) {
                    return true;
                }
            } catch (IOException e) {
                return true; // no such process
            }
            Thread.sleep(10);
        } while (System.nanoTime() < deadline);
        return false;
    }

    /** Waits until nothing serves or is mounted at {@code mountPoint}. */
    static void awaitGone(Path mountPoint) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            if (servers(mountPoint).isEmpty() && !isMounted(mountPoint)) {
                return;
            }
            Thread.sleep(100);
        }
        fail("still there after 20 s: servers " + servers(mountPoint) + ", mounted " + isMounted(mountPoint));
    }

    /** Loop devices whose backing file lies under {@code dir}. */
    static List<String> loopDevicesUnder(Path dir) {
        String listing = sh("losetup -a || true").stdout();
        return listing.lines().filter(l -> l.contains(dir.toAbsolutePath().toString())).toList();
    }

    /** Leaves nothing behind whatever a test did: loop devices, mounts, serving processes. */
    static void cleanUp(Path dir, Path... mountPoints) {
        for (String loop : loopDevicesUnder(dir)) {
            sh("umount -l " + loop.substring(0, loop.indexOf(':')) + " 2>/dev/null || true; losetup -d "
                    + loop.substring(0, loop.indexOf(':')) + " || true");
        }
        for (Path mnt : mountPoints) {
            for (ProcessHandle p : servers(mnt)) {
                p.destroyForcibly();
            }
            if (isMounted(mnt)) {
                sh("fusermount -u -z '" + mnt + "' || umount -l '" + mnt + "' || true");
            }
        }
    }

    /** The one process serving {@code mountPoint}. */
    static long serverPid(Path mountPoint) {
        List<ProcessHandle> servers = servers(mountPoint);
        assertEquals(1, servers.size(), "serving processes of " + mountPoint + ": " + servers);
        return servers.get(0).pid();
    }

    /** A field of /proc/PID/status ("VmRSS" in kB, "Threads"), as a number. */
    static long procStatus(long pid, String field) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith(field + ":")) {
                return Long.parseLong(line.substring(field.length() + 1).trim().split("\\s+")[0]);
            }
        }
        throw new AssertionError("no " + field + " in /proc/" + pid + "/status");
    }

    /** An open file descriptor of a process: what it refers to and its open flags (octal in /proc/PID/fdinfo). */
    record OpenFile(int fd, String target, int flags) {
        static final int O_ACCMODE = 03;
        static final int O_RDONLY = 0;

        boolean readOnly() {
            return (flags & O_ACCMODE) == O_RDONLY;
        }
    }

    /** Every file descriptor of process {@code pid} that refers to {@code file} (by its real path). */
    static List<OpenFile> openFiles(long pid, Path file) throws IOException {
        String want = file.toRealPath().toString();
        List<OpenFile> out = new ArrayList<>();
        try (var fds = Files.list(Path.of("/proc/" + pid + "/fd"))) {
            for (Path fd : fds.toList()) {
                String target;
                try {
                    target = Files.readSymbolicLink(fd).toString();
                } catch (IOException e) {
                    continue; // closed meanwhile
                }
                if (!target.equals(want) && !target.equals(want + " (deleted)")) {
                    continue;
                }
                int number = Integer.parseInt(fd.getFileName().toString());
                String info = Files.readString(Path.of("/proc/" + pid + "/fdinfo/" + number));
                int flags = info.lines().filter(l -> l.startsWith("flags:")).findFirst()
                        .map(l -> Integer.parseInt(l.substring(6).trim(), 8)).orElseThrow();
                out.add(new OpenFile(number, target, flags));
            }
        }
        return out;
    }

    /** Waits until {@code mountPoint}/disk.raw is served by {@code p} (started with -f); fails if {@code p} ends. */
    static void awaitDiskRaw(Process p, Path mountPoint, Path stderr) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!Files.exists(mountPoint.resolve("disk.raw"))) {
            if (!p.isAlive()) {
                throw new AssertionError("vhdx-mount -f ended with " + p.exitValue() + ": " + Files.readString(stderr));
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("disk.raw did not appear: " + Files.readString(stderr));
            }
            Thread.sleep(50);
        }
    }

    /**
     * Reads {@code length} bytes at {@code offset} of {@code file} (fewer only at its end).
     *
     * @throws IOException as the read failed, for example "Input/output error" for EIO
     */
    static byte[] readAt(Path file, long offset, int length) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer buffer = ByteBuffer.allocate(length);
            while (buffer.hasRemaining()) {
                if (channel.read(buffer, offset + buffer.position()) < 0) {
                    break;
                }
            }
            return java.util.Arrays.copyOf(buffer.array(), buffer.position());
        }
    }

    /** Whether a read of {@code length} bytes at {@code offset} fails with EIO (it must not succeed at all). */
    static boolean readFailsWithEio(Path file, long offset, int length) {
        try {
            readAt(file, offset, length);
            return false;
        } catch (IOException e) {
            if (!String.valueOf(e.getMessage()).contains("Input/output error")) {
                throw new AssertionError("expected EIO, got " + e, e);
            }
            return true;
        }
    }

    /** A directory others can enter (for tests that run a command as nobody). */
    static Path openDirectory(Path dir) throws IOException {
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        return dir;
    }
}
