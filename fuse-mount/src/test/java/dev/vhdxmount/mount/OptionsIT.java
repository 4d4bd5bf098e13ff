package dev.vhdxmount.mount;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
