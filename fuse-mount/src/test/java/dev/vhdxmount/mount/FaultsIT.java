package dev.vhdxmount.mount;

import static dev.vhdxmount.vhdx.testkit.Sizes.MIB;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.vhdxmount.mount.cli.ExitCode;
import dev.vhdxmount.vhdx.testkit.BuiltImage;
import dev.vhdxmount.vhdx.testkit.ExpectedDisk;
import dev.vhdxmount.vhdx.testkit.Hashes;
import dev.vhdxmount.vhdx.testkit.VhdxBuilder;

/**
 * Faults while mounted: the image truncated or deleted under the mount, the server ended by each signal and by
 * {@code fusermount -u}, and killed with SIGKILL (a stale mount, and {@code --clear-stale}).
 *
 * <p>Each server here runs with {@code -f}, as this test's child, so that its exit status can be checked.
 */
@Timeout(300)
class FaultsIT extends MountTest {
    /** Blocks 0-47 hold data, 48-63 are not allocated; blocks lie in the file in BAT order. */
    private static final int WRITTEN_BLOCKS = 48;

    private BuiltImage image;
    private ExpectedDisk want;

    @BeforeEach
    void buildImage() throws Exception {
        VhdxBuilder b = VhdxBuilder.dynamic(64L * MIB).blockSize(MIB);
        b.write(0, VhdxBuilder.pattern(WRITTEN_BLOCKS * MIB, 7));
        image = b.build(dir.resolve("disk.vhdx"));
        want = b.expected();
    }

    private Process serve(String... extra) throws Exception {
        List<String> args = new java.util.ArrayList<>(List.of("-f", "--log-file", dir.resolve("mount.log").toString()));
        args.addAll(List.of(extra));
        args.addAll(List.of(image.path().toString(), mnt.toString()));
        Process p = MountIt.start(Map.of(), dir.resolve("out"), dir.resolve("err"), args.toArray(String[]::new));
        MountIt.awaitDiskRaw(p, mnt, dir.resolve("err"));
        return p;
    }

    private void assertBlockReads(long block) throws Exception {
        assertArrayEquals(want.read(block * MIB, MIB), MountIt.readAt(mnt.resolve("disk.raw"), block * MIB, MIB),
                "block " + block);
    }

    private void assertStillServing(Process p) {
        assertTrue(p.isAlive(), "the server is alive");
        assertTrue(MountIt.isMounted(mnt), "still mounted");
    }

    @Test
    void truncatedUnderTheMountLostRangesAnswerEioTheRestReadsAndSigintEndsItWithStatus0() throws Exception {
        Process p = serve();
        assertBlockReads(0);
        // cut the file at block 24's data: blocks 24-47 are gone (none of them was read, so none is in the page cache)
        long cut = image.layout().blockOffset(24);
        try (RandomAccessFile f = new RandomAccessFile(image.path().toFile(), "rw")) {
            f.setLength(cut + 1000);
        }
        Path diskRaw = mnt.resolve("disk.raw");
        for (long block : new long[] {24, 30, 47, 24}) {
            for (long at : new long[] {0, 4096, MIB / 2, MIB - 4096}) {
                assertTrue(MountIt.readFailsWithEio(diskRaw, block * MIB + at, 4096),
                        "block " + block + " + " + at + ": EIO, never zeros");
            }
            assertStillServing(p);
        }
        for (long block : new long[] {3, 10, 22, 50, 63}) {
            assertBlockReads(block); // data before the cut, and unallocated blocks (zeros)
        }
        assertStillServing(p);
        String log = Files.readString(dir.resolve("mount.log"));
        assertTrue(log.contains("payload block 24 ") && log.contains("past the end of the file"), log);

        MountIt.shOk("kill -INT " + p.pid());
        assertEquals(0, p.waitFor(), "SIGINT: " + Files.readString(dir.resolve("err")));
        MountIt.awaitGone(mnt);
    }

    /**
     * Deleting the image does not change what is served: on Linux the open file stays readable until it is closed,
     * so every block still reads right, and the space is freed when the mount ends.
     */
    @Test
    void deletedUnderTheMountStillReadsFromTheOpenFileAndSigtermEndsItWithStatus0() throws Exception {
        Process p = serve();
        assertBlockReads(0);
        Files.delete(image.path());
        assertFalse(Files.exists(image.path()));
        assertTrue(MountIt.shOk("ls -l /proc/" + p.pid() + "/fd").contains(image.path() + " (deleted)"));
        assertEquals(want.sha256(), Hashes.sha256(mnt.resolve("disk.raw")), "the whole disk, after the delete");
        assertStillServing(p);
        MountIt.shOk("kill -TERM " + p.pid());
        assertEquals(0, p.waitFor(), "SIGTERM: " + Files.readString(dir.resolve("err")));
        MountIt.awaitGone(mnt);
    }

    @Test
    void fusermountEndsItWithStatus0() throws Exception {
        Process p = serve();
        assertBlockReads(5);
        MountIt.shOk("fusermount -u '" + mnt + "'");
        assertEquals(0, p.waitFor(), "fusermount -u: " + Files.readString(dir.resolve("err")));
        MountIt.awaitGone(mnt);
    }

    /**
     * After SIGKILL the mount is stale (ENOTCONN): the next vhdx-mount says how to clear it, and clears it itself
     * with --clear-stale; a live mount is never cleared. The mountpoint was looked at before the kill, so the kernel
     * still answers {@code stat} of it from its attribute cache: staleness must be found some other way.
     */
    @ParameterizedTest(name = "libfuse {0}")
    @ValueSource(strings = {"3", "2"})
    void afterSigkillTheNextMountSaysHowToClearTheStaleMountOrClearsItWithClearStale(String libfuse) throws Exception {
        Process p = serve("--libfuse", libfuse);
        MountIt.shOk("stat '" + mnt + "' '" + mnt + "/disk.raw' > /dev/null");
        p.destroyForcibly().waitFor();
        assertEquals(137, p.exitValue(), "killed by SIGKILL");
        assertTrue(MountIt.isMounted(mnt), "the dead mount is still in the mount table");

        MountIt.Result refused = MountIt.cli(image.path().toString(), mnt.toString()).expect(ExitCode.BAD_MOUNTPOINT);
        assertTrue(Pattern.compile("stale FUSE mount \\(Transport endpoint is not connected.*fusermount -u "
                + Pattern.quote(mnt.toString()) + ".*--clear-stale").matcher(refused.stderr()).find(),
                refused.stderr());

        MountIt.Result cleared = MountIt.cli("--clear-stale", image.path().toString(), mnt.toString())
                .expect(ExitCode.OK);
        assertTrue(cleared.stderr().contains("was a stale FUSE mount") && cleared.stderr().contains("cleared it"),
                cleared.stderr());
        assertBlockReads(7);
        long server = MountIt.serverPid(mnt);

        // a live mount is not stale: refused, and left serving
        MountIt.Result live = MountIt.cli("--clear-stale", image.path().toString(), mnt.toString())
                .expect(ExitCode.BAD_MOUNTPOINT);
        assertTrue(live.stderr().contains("is already mounted"), live.stderr());
        assertEquals(server, MountIt.serverPid(mnt));
        assertBlockReads(8);
        MountIt.shOk("fusermount -u '" + mnt + "'");
        MountIt.awaitGone(mnt);
    }
}
