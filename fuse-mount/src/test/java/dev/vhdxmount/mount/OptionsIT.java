package dev.vhdxmount.mount;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.vhdxmount.mount.cli.ExitCode;

/** The -o options a user types, through both bindings alike: owner and permissions, and refusals up front. */
@Timeout(120)
class OptionsIT extends GptDiskMountTest {

    @ParameterizedTest(name = "libfuse {0}")
    @ValueSource(strings = {"3", "2"})
    void uidGidAndUmaskGiveTheFilesAnotherOwnerAndFewerPermissions(String libfuse) {
        MountIt.cli("--libfuse", libfuse, "-o", "uid=1234,gid=2345", "-o", "umask=027", disk.vhdx().toString(),
                mnt.toString()).expect(ExitCode.OK);
        assertEquals("1234 2345 440\n1234 2345 550\n", MountIt.shOk("stat -c '%u %g %a' '" + mnt + "/disk.raw' '"
                + mnt + "'"));
        MountIt.shOk("fusermount -u '" + mnt + "'");
    }

    /** libfuse's debug output goes to stderr, which a background mount lets go of: -o debug stays attached. */
    @Test
    void debugStaysInTheForegroundAndPrintsTheRequests() throws Exception {
        Path err = dir.resolve("err");
        Process p = MountIt.start(java.util.Map.of(), dir.resolve("out"), err, "-o", "debug", disk.vhdx().toString(),
                mnt.toString());
        MountIt.awaitDiskRaw(p, mnt, err);
        MountIt.shOk("head -c 4096 '" + mnt + "/disk.raw' > /dev/null");
        assertTrue(p.isAlive(), "attached, serving");
        MountIt.shOk("fusermount -u '" + mnt + "'");
        assertEquals(0, p.waitFor(), java.nio.file.Files.readString(err));
        String debug = java.nio.file.Files.readString(err);
        assertTrue(debug.contains("opcode: READ") || debug.contains("READ"), "libfuse's request log: " + debug);
    }

    /** A log file gets the mount's life without -v (the terminal only warnings), and never a made-up folder. */
    @Test
    void aLogFileGetsTheMountsLifeAtTheDefaultLevel() throws Exception {
        Path log = dir.resolve("mount.log");
        MountIt.cli("--log-file", log.toString(), disk.vhdx().toString(), mnt.toString()).expect(ExitCode.OK);
        MountIt.shOk("fusermount -u '" + mnt + "'");
        MountIt.awaitGone(mnt);
        String text = java.nio.file.Files.readString(log);
        assertTrue(text.contains("INFO") && text.contains("serving " + disk.vhdx()), text);
        assertTrue(text.contains("unmounted; exiting with status 0"), text);
        assertTrue(!text.contains("DEBUG"), "debug only with -v: " + text);
    }

    @Test
    void anOptionNeitherBindingTakesIsAUsageErrorBeforeAnythingIsMounted() {
        MountIt.Result r = MountIt.cli("-o", "loop", disk.vhdx().toString(), mnt.toString()).expect(ExitCode.USAGE);
        assertTrue(r.stderr().startsWith("vhdx-mount: -o loop: not an option vhdx-mount takes (it takes allow_other,"),
                r.stderr());
        assertTrue(!MountIt.isMounted(mnt));
        MountIt.Result rw = MountIt.cli("-o", "rw", disk.vhdx().toString(), mnt.toString()).expect(ExitCode.USAGE);
        assertTrue(rw.stderr().startsWith("vhdx-mount: -o rw: the mount is read-only"), rw.stderr());
    }
}
