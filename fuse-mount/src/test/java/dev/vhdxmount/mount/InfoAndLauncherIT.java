package dev.vhdxmount.mount;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.vhdxmount.mount.cli.ExitCode;
import dev.vhdxmount.vhdx.testkit.Hashes;
import dev.vhdxmount.vhdx.testkit.VhdxBuilder;

/** vhdx-info, the 4096-byte-sector advice at mount time, and the launcher scripts. */
@Timeout(180)
class InfoAndLauncherIT extends GptDiskMountTest {
    @Test
    void vhdxInfoShowsSizeAndSectorSizes() {
        MountIt.Result r = MountIt.cli("vhdx-info", disk.vhdx().toString()).expect(ExitCode.OK);
        assertTrue(r.stdout().contains("virtual size:         67108864 bytes (64.0 MiB)"), r.stdout());
        assertTrue(r.stdout().contains("logical sector size:  512 bytes"), r.stdout());
        assertTrue(!r.stdout().contains("losetup"), r.stdout());
    }

    @Test
    void fourKSectorsAreAnnouncedAtMountTimeAndByVhdxInfo() throws IOException {
        Path fourK = VhdxBuilder.dynamic(64L << 20).logicalSectorSize(4096).blockSize(1 << 20)
                .build(dir.resolve("4k.vhdx")).path();
        MountIt.Result info = MountIt.cli("vhdx-info", fourK.toString()).expect(ExitCode.OK);
        assertTrue(info.stdout().contains("logical sector size:  4096 bytes"), info.stdout());
        assertTrue(info.stdout().contains("losetup -r --sector-size 4096 -f --show MOUNTPOINT/disk.raw"),
                info.stdout());

        MountIt.Result mounted = MountIt.cli(fourK.toString(), mnt.toString()).expect(ExitCode.OK);
        assertTrue(mounted.stderr().contains("4096-byte logical sectors: attach it with 'losetup -r --sector-size 4096"
                + " -f --show " + mnt.resolve("disk.raw") + "'"), mounted.stderr());
        String loop = MountIt.shOk("losetup -r --sector-size 4096 -f --show '" + mnt.resolve("disk.raw") + "'").trim();
        try {
            assertEquals("4096", MountIt.shOk("blockdev --getss " + loop).trim());
        } finally {
            MountIt.shOk("losetup -d " + loop);
        }
        MountIt.shOk("fusermount -u '" + mnt + "'");
        MountIt.cli("-q", fourK.toString(), dir.resolve("nope").toString()).expect(ExitCode.BAD_MOUNTPOINT);
    }

    @Test
    void theLauncherScriptsRunTheJar() {
        Path launcher = MountIt.SCRIPTS.resolve("vhdx-mount");
        MountIt.Result version = MountIt.run(Map.of(), List.of(MountIt.SCRIPTS.resolve("vhdx-info").toString(),
                "--version")).expect(ExitCode.OK);
        assertTrue(version.stdout().startsWith("vhdx-info "), version.stdout());
        MountIt.Result mounted = MountIt.run(Map.of(),
                List.of(launcher.toString(), "--log-file", dir.resolve("bg.log").toString(), "-v",
                        disk.vhdx().toString(), mnt.toString())).expect(ExitCode.OK);
        assertTrue(Files.exists(mnt.resolve("disk.raw")), mounted.stderr());
        MountIt.shOk("fusermount -u '" + mnt + "'");
        try {
            MountIt.awaitGone(mnt);
            // the background process logs to the file after the terminal is gone, up to its clean exit
            String log = Files.readString(dir.resolve("bg.log"));
            assertTrue(log.contains("unmounted; exiting with status 0"), log);
        } catch (IOException | InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    /**
     * The launcher under another name (a link someone made) is still vhdx-mount, and the server shows as vhdx-mount
     * in ps and pgrep (not java).
     */
    @Test
    void aLauncherLinkOfAnotherNameMountsAndTheServerIsFoundByName() throws Exception {
        Path link = java.nio.file.Files.createSymbolicLink(dir.resolve("vhdxmount"), MountIt.SCRIPTS.resolve(
                "vhdx-mount"));
        MountIt.run(Map.of(), List.of(link.toString(), disk.vhdx().toString(), mnt.toString())).expect(ExitCode.OK);
        long pid = MountIt.serverPid(mnt);
        assertEquals("vhdx-mount", Files.readString(Path.of("/proc/" + pid + "/comm")).trim());
        assertTrue(MountIt.shOk("pgrep -x vhdx-mount").lines().anyMatch(l -> l.trim().equals(String.valueOf(pid))));
        assertTrue(MountIt.shOk("ps -o args= -p " + pid).startsWith("vhdx-mount "), "ps shows the program");
        MountIt.shOk("fusermount -u '" + mnt + "'");
        MountIt.awaitGone(mnt);
    }

    /**
     * The launcher waits for the ready line of scripts/vhdx-mount.protocol, past whatever else the serving process
     * writes first (here the JVM's own version, which --show-version prints on stdout before main runs).
     */
    @Test
    void theLauncherScriptWaitsPastOtherLinesForTheReadyLine() throws Exception {
        Path launcher = MountIt.SCRIPTS.resolve("vhdx-mount");
        MountIt.Result r = MountIt.run(Map.of("JAVA_OPTS", "--show-version"), List.of("timeout", "60", launcher
                .toString(), disk.vhdx().toString(), mnt.toString()));
        assertEquals(ExitCode.OK, r.exitCode(), "mounted and returned, not hung: " + r);
        assertTrue(Files.exists(mnt.resolve("disk.raw")));
        MountIt.shOk("fusermount -u '" + mnt + "'");
        MountIt.awaitGone(mnt);
    }

    /**
     * A background mount from the launcher script is served by the one JVM that the script starts (no second JVM
     * waits for it): relative paths work from the caller's folder, the server leaves the caller's session and folder,
     * a caller capturing the output gets it at once, and a failure exits with the server's status and message.
     */
    @Test
    void theLauncherScriptServesABackgroundMountFromOneJvmThatLetsGoOfTheCaller() throws Exception {
        Path launcher = MountIt.SCRIPTS.resolve("vhdx-mount");
        MountIt.Result r = MountIt.run(Map.of(), List.of("bash", "-c", "cd '" + dir + "' && out=$('" + launcher
                + "' disk.vhdx mnt) && echo \"[$out]\"")).expect(ExitCode.OK);
        assertEquals("[]\n", r.stdout(), "nothing on stdout, and the capture ended: " + r.stderr());
        List<ProcessHandle> servers = ProcessHandle.allProcesses()
                .filter(p -> p.info().arguments().map(a -> List.of(a).contains("--background-child")).orElse(false))
                .filter(p -> holds(p, disk.vhdx()))
                .toList();
        assertEquals(1, servers.size(), "one process serves: " + servers);
        long pid = servers.get(0).pid();
        assertEquals(Path.of("/"), Files.readSymbolicLink(Path.of("/proc/" + pid + "/cwd")), "no folder held busy");
        String[] stat = Files.readString(Path.of("/proc/" + pid + "/stat")).replaceFirst(".*\\) ", "").split(" ");
        assertEquals(String.valueOf(pid), stat[3], "the server leads a session of its own");
        assertEquals(Hashes.sha256(disk.expected()), Hashes.sha256(mnt.resolve("disk.raw")));
        MountIt.shOk("fusermount -u '" + mnt + "'");
        MountIt.awaitGone(mnt);
        assertTrue(servers.get(0).onExit().get(20, java.util.concurrent.TimeUnit.SECONDS) != null);

        MountIt.Result missing = MountIt.run(Map.of(), List.of("bash", "-c", "cd '" + dir + "' && exec '" + launcher
                + "' missing.vhdx mnt")).expect(ExitCode.IMAGE_UNREADABLE);
        assertEquals(List.of("vhdx-mount: " + dir.resolve("missing.vhdx") + ": no such file (the image does not"
                + " exist)"), missing.stderr().lines().toList());
    }

    /** SIGTERM to the launcher script while it mounts: it ends the server too, and nothing stays mounted. */
    @Test
    void aSignalToTheLauncherScriptWhileMountingEndsTheServer() throws Exception {
        Path launcher = MountIt.SCRIPTS.resolve("vhdx-mount");
        for (int delayMs : new int[] {50, 250}) {
            Path out = dir.resolve("launcher.out");
            Process p = new ProcessBuilder(launcher.toString(), disk.vhdx().toString(), mnt.toString())
                    .redirectErrorStream(true).redirectOutput(out.toFile()).start();
            Thread.sleep(delayMs);
            p.destroy(); // SIGTERM
            assertTrue(p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS), "the launcher ended");
            assertTrue(p.exitValue() == 128 + 15 || p.exitValue() == ExitCode.OK, "SIGTERM after " + delayMs
                    + " ms: exit " + p.exitValue() + ": " + Files.readString(out));
            if (p.exitValue() == ExitCode.OK) {
                MountIt.shOk("fusermount -u '" + mnt + "'"); // the mount won the race: it is ready and served
            }
            MountIt.awaitGone(mnt);
        }
    }

    /** Whether {@code p} has {@code file} open. */
    private static boolean holds(ProcessHandle p, Path file) {
        try (var fds = Files.list(Path.of("/proc/" + p.pid() + "/fd"))) {
            return fds.anyMatch(fd -> {
                try {
                    return Files.readSymbolicLink(fd).equals(file.toAbsolutePath());
                } catch (IOException e) {
                    return false;
                }
            });
        } catch (IOException e) {
            return false;
        }
    }
}
