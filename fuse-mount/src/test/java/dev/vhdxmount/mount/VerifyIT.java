package dev.vhdxmount.mount;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.vhdxmount.mount.cli.ExitCode;
import dev.vhdxmount.vhdx.testkit.VhdxBuilder;

/**
 * vhdx-info --hash as a user runs it: the digest line checks the mounted disk.raw with sha256sum -c; the progress line
 * shows on a terminal (a pty, through script(1)) and not on a pipe; Ctrl-C stops the work with status 130 and prints
 * nothing of it.
 */
@Timeout(180)
class VerifyIT extends GptDiskMountTest {

    @Test
    void theDigestLineChecksTheMountedDisk() throws Exception {
        MountIt.Result hashed = MountIt.cli("vhdx-info", "--hash", "sha256", disk.vhdx().toString())
                .expect(ExitCode.OK);
        assertEquals("", hashed.stderr(), "no progress line and nothing else on a pipe");
        Path sums = Files.writeString(dir.resolve("disk.sha256"), hashed.stdout());
        MountIt.cli(disk.vhdx().toString(), mnt.toString()).expect(ExitCode.OK);
        try {
            assertEquals("disk.raw: OK\n", MountIt.shOk("cd '" + mnt + "' && sha256sum -c '" + sums + "'"));
        } finally {
            MountIt.shOk("fusermount -u '" + mnt + "'");
        }
    }

    @Test
    void progressOnATerminalAndACleanStopOnCtrlC() throws Exception {
        // 32 GiB, nearly all holes: seconds of hashing, long enough to see the line and to stop it
        VhdxBuilder b = VhdxBuilder.dynamic(32L << 30);
        b.write(1L << 30, VhdxBuilder.pattern(4096, 1));
        Path image = b.build(dir.resolve("big.vhdx")).path();
        Path out = dir.resolve("digest.txt");
        Path typescript = dir.resolve("typescript");
        // the trap keeps the shell itself alive through the Ctrl-C, to report the status: script(1) runs $SHELL, and
        // dash (CI's /bin/sh) dies of the SIGINT the terminal sends its whole foreground group, bash waits for java
        String command = "trap : INT; " + MountIt.javaBinary() + " -jar " + MountIt.JAR + " vhdx-info --hash sha256 "
                + image + " > " + out + "; echo status=$?";
        // Ctrl-C typed on the terminal: the pty sends SIGINT to the command, as a shell's foreground job gets it
        // (a job started with & in a script would ignore SIGINT)
        MountIt.Result r = MountIt.sh("{ for i in $(seq 300); do grep -q 'sha256: ' '" + typescript + "' && break;"
                + " sleep 0.1; done; printf '\\003'; sleep 10; } | SHELL=/bin/sh script -qfec '" + command + "' /dev/null > '"
                + typescript + "' || true\n"
                + "cat '" + typescript + "'");
        String terminal = r.stdout();
        assertTrue(terminal.contains("\rsha256: ") && terminal.contains(" of 32.0 GiB ("), terminal);
        assertTrue(terminal.contains("vhdx-info: stopped by SIGINT: nothing is printed of the unfinished work"),
                terminal);
        assertTrue(terminal.contains("status=" + ExitCode.INTERRUPTED), terminal);
        assertEquals("", Files.readString(out), "no digest of a disk not hashed to its end");
        assertFalse(terminal.contains("Exception"), terminal);
    }
}
