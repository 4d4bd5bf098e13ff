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
}
