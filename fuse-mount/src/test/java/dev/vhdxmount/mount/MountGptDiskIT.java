package dev.vhdxmount.mount;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.vhdxmount.mount.cli.ExitCode;
import dev.vhdxmount.mount.session.MountPoints;
import dev.vhdxmount.vhdx.testkit.Hashes;

/**
 * Mounts qemu-img's VHDX of a GPT disk with an ext4 partition for real and uses disk.raw as people do; the whole
 * path through each FUSE binding (libfuse 3, the default, and libfuse 2 through jnr-fuse).
 */
@Timeout(300)
class MountGptDiskIT extends GptDiskMountTest {
    @ParameterizedTest(name = "libfuse {0}")
    @ValueSource(strings = {"3", "2"})
    void theMountServesTheDiskAsPeopleUseItAndLeavesNothingBehind(String libfuse) throws Exception {
        Path image = disk.vhdx();
        String imageHash = Hashes.sha256(image);
        FileTime imageTime = Files.getLastModifiedTime(image);
        MountIt.Result mounted = MountIt.cli(Map.of(), "--libfuse", libfuse, image.toString(), mnt.toString())
                .expect(ExitCode.OK);
        assertEquals("", mounted.stdout());
        assertEquals("", mounted.stderr(), "quiet by default");

        // exactly one file: read-only, the virtual size, the image's times
        Path diskRaw = mnt.resolve("disk.raw");
        try (Stream<Path> entries = Files.list(mnt)) {
            assertEquals(List.of(diskRaw), entries.toList());
        }
        assertEquals("r--r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(diskRaw)));
        assertEquals(Files.size(disk.expected()), Files.size(diskRaw));
        assertEquals(Files.getLastModifiedTime(image), Files.getLastModifiedTime(diskRaw));
        assertTrue(Files.getFileStore(mnt).isReadOnly());
        assertTrue(MountIt.shOk("stat -f -c '%S %b %f' '" + mnt + "'").startsWith("4096 16384 0"));

        // the mount's readahead, raised from the kernel's 128 KiB to the documented default (root may)
        String device = MountPoints.findMount(mnt).orElseThrow().device();
        assertEquals("2048", Files.readString(Path.of("/sys/class/bdi", device, "read_ahead_kb")).trim());

        // the same bytes as qemu-img's own conversion
        assertEquals(Hashes.sha256(disk.expected()), Hashes.sha256(diskRaw));
        compareRandomReads(diskRaw, disk.expected());

        // partitions, and a file inside the ext4 one
        String sfdisk = MountIt.shOk("sfdisk -J '" + diskRaw + "'");
        // sfdisk's JSON spacing differs between util-linux releases: compare without blanks
        String json = sfdisk.replaceAll("\\s", "");
        assertTrue(json.contains("\"label\":\"gpt\""), sfdisk);
        assertTrue(json.contains("\"start\":2048") && json.contains("\"start\":34816"), sfdisk);
        Path partition = Files.createDirectory(dir.resolve("p1"));
        String hello = MountIt.shOk("loop=$(losetup -r -f --show -o " + GptDiskFixture.PARTITION1_OFFSET
                + " --sizelimit " + GptDiskFixture.PARTITION1_SIZE + " '" + diskRaw + "')\n"
                + "mount -o ro \"$loop\" '" + partition + "'\n"
                + "cat '" + partition + "/hello.txt'\n"
                + "umount '" + partition + "'\n"
                + "losetup -d \"$loop\"\n");
        assertEquals(GptDiskFixture.HELLO, hello);

        // nothing can be changed
        assertReadOnly(() -> Files.createFile(mnt.resolve("new")));
        assertReadOnly(() -> Files.newOutputStream(diskRaw, StandardOpenOption.WRITE).close());
        assertReadOnly(() -> Files.delete(diskRaw));
        assertReadOnly(() -> Files.createDirectory(mnt.resolve("d")));

        // one serving process in the background, ended by fusermount -u
        assertEquals(1, MountIt.servers(mnt).size(), "serving processes");
        MountIt.shOk("fusermount -u '" + mnt + "'");
        MountIt.awaitGone(mnt);
        assertEquals(List.of(), MountIt.loopDevicesUnder(dir));
        try (Stream<Path> entries = Files.list(mnt)) {
            assertEquals(0, entries.count());
        }
        // the image was opened read-only and never written
        assertEquals(imageHash, Hashes.sha256(image));
        assertEquals(imageTime, Files.getLastModifiedTime(image));
    }

    private static void assertReadOnly(ThrowingRunnable r) {
        FileSystemException e = assertThrows(FileSystemException.class, r::run);
        assertEquals("Read-only file system", e.getReason());
    }

    interface ThrowingRunnable {
        void run() throws IOException;
    }

    /** Reads at odd offsets and lengths, across 128 KiB request edges and up to the end, match the reference. */
    private static void compareRandomReads(Path diskRaw, Path expected) throws IOException {
        Random random = new Random(42);
        try (FileChannel got = FileChannel.open(diskRaw); FileChannel want = FileChannel.open(expected)) {
            long size = want.size();
            for (int i = 0; i < 300; i++) {
                long offset = i % 10 == 0 ? size - random.nextInt(300_000) : (long) (random.nextDouble() * size);
                int length = 1 + random.nextInt(i % 3 == 0 ? 600_000 : 5000);
                ByteBuffer a = ByteBuffer.allocate(length);
                ByteBuffer b = ByteBuffer.allocate(length);
                int n = readFully(got, a, offset);
                int m = readFully(want, b, offset);
                assertEquals(m, n, "bytes read at " + offset);
                assertEquals(b.flip(), a.flip(), "bytes at " + offset + " length " + length);
            }
        }
    }

    private static int readFully(FileChannel channel, ByteBuffer dst, long offset) throws IOException {
        int total = 0;
        while (dst.hasRemaining()) {
            int n = channel.read(dst, offset + total);
            if (n < 0) {
                break;
            }
            total += n;
        }
        return total;
    }

    @Test
    void inTheForegroundFusermountOrUmountEndsTheProcessWithStatus0() throws Exception {
        for (String unmount : List.of("fusermount -u", "umount")) {
            Path log = dir.resolve("mount.log");
            Files.deleteIfExists(log);
            Process p = MountIt.start(Map.of(), dir.resolve("out"), dir.resolve("err"), "-f", "-v", "--log-file",
                    log.toString(), disk.vhdx().toString(), mnt.toString());
            awaitDiskRaw(p);
            assertEquals(Hashes.sha256(disk.expected()), Hashes.sha256(mnt.resolve("disk.raw")));
            MountIt.shOk(unmount + " '" + mnt + "'");
            assertEquals(0, p.waitFor(), unmount + ": " + Files.readString(dir.resolve("err")));
            MountIt.awaitGone(mnt);
            String logged = Files.readString(log);
            assertTrue(logged.contains("serving ") && logged.contains("unmounted; exiting with status 0"), logged);
        }
    }

    @Test
    void sigtermAndSigintUnmountCleanly() throws Exception {
        for (String signal : List.of("TERM", "INT")) {
            Process p = MountIt.start(Map.of(), dir.resolve("out"), dir.resolve("err"), "-f",
                    disk.vhdx().toString(), mnt.toString());
            awaitDiskRaw(p);
            MountIt.shOk("kill -" + signal + " " + p.pid());
            assertEquals(0, p.waitFor(), "SIG" + signal + ": " + Files.readString(dir.resolve("err")));
            MountIt.awaitGone(mnt);
        }
    }

    @Test
    void aSignalWhileALoopDeviceHoldsDiskRawDetachesLazilyAndEndsWhenReleased() throws Exception {
        Process p = MountIt.start(Map.of(), dir.resolve("out"), dir.resolve("err"), "-f",
                disk.vhdx().toString(), mnt.toString());
        awaitDiskRaw(p);
        String loop = MountIt.shOk("losetup -r -f --show '" + mnt.resolve("disk.raw") + "'").trim();
        MountIt.shOk("kill -TERM " + p.pid());
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (MountIt.isMounted(mnt) && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertTrue(!MountIt.isMounted(mnt), "detached from the mount table");
        assertTrue(p.isAlive(), "still serving the loop device");
        assertEquals(Hashes.sha256(disk.expected()), Hashes.sha256(Path.of(loop)), "the loop device still reads");
        MountIt.shOk("losetup -d " + loop);
        assertEquals(0, p.waitFor(), Files.readString(dir.resolve("err")));
        assertTrue(Files.readString(dir.resolve("err")).contains("is busy"), Files.readString(dir.resolve("err")));
    }

    @Test
    void allowOtherLetsOtherUsersRead() throws Exception {
        MountIt.openDirectory(dir);
        String asNobody = "setpriv --reuid=65534 --regid=65534 --clear-groups head -c 4096 '" + mnt.resolve("disk.raw")
                + "' | wc -c";
        MountIt.cli(disk.vhdx().toString(), mnt.toString()).expect(ExitCode.OK);
        MountIt.Result denied = MountIt.sh(asNobody);
        assertTrue(denied.stderr().contains("Permission denied"), denied.toString());
        MountIt.shOk("fusermount -u '" + mnt + "'");
        MountIt.awaitGone(mnt);

        MountIt.cli("-o", "allow_other", disk.vhdx().toString(), mnt.toString()).expect(ExitCode.OK);
        assertEquals("4096", MountIt.shOk(asNobody).trim());
        assertTrue(MountPoints.findMount(mnt).isPresent());
        MountIt.shOk("fusermount -u '" + mnt + "'");
        MountIt.awaitGone(mnt);
    }

    private void awaitDiskRaw(Process p) throws Exception {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (!Files.exists(mnt.resolve("disk.raw"))) {
            if (!p.isAlive()) {
                throw new AssertionError("vhdx-mount -f ended with " + p.exitValue() + ": "
                        + Files.readString(dir.resolve("err")));
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("disk.raw did not appear: " + Files.readString(dir.resolve("err")));
            }
            Thread.sleep(50);
        }
    }
}
