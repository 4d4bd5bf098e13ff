package dev.vhdxmount.mount;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.vhdxmount.mount.cli.ExitCode;
import dev.vhdxmount.vhdx.testkit.Hashes;
import dev.vhdxmount.vhdx.testkit.VhdxBuilder;

/**
 * Every error a user meets before a mount works: one line on stderr that says what and what next, no stack trace,
 * and the documented exit status. Environment failures (device, library, permissions) are made for real inside a
 * private mount namespace or as user nobody, never by changing the machine.
 */
@Timeout(180)
class ErrorCasesIT extends GptDiskMountTest {
    /** Asserts the exit status and a single, stack-trace-free line on stderr matching {@code pattern}. */
    private static void assertError(MountIt.Result r, int exitCode, String pattern) {
        r.expect(exitCode);
        List<String> lines = r.stderr().lines().filter(l -> !l.isBlank()).toList();
        assertEquals(1, lines.size(), "one line on stderr: " + r.stderr());
        assertTrue(lines.get(0).startsWith("vhdx-mount: "), lines.get(0));
        assertTrue(Pattern.compile(pattern, Pattern.CASE_INSENSITIVE).matcher(lines.get(0)).find(),
                "stderr " + lines.get(0) + " should match " + pattern);
        assertFalse(r.stderr().contains("Exception") || r.stderr().contains("\tat "), r.stderr());
        assertEquals("", r.stdout());
    }

    private MountIt.Result mount(Path image, Path mountPoint) {
        return MountIt.cli(image.toString(), mountPoint.toString());
    }

    // --- the image ---

    @Test
    void imageMissing() {
        assertError(mount(dir.resolve("missing.vhdx"), mnt), ExitCode.IMAGE_UNREADABLE,
                "missing\\.vhdx: no such file");
    }

    @Test
    void imageIsADirectory() {
        assertError(mount(dir, mnt), ExitCode.IMAGE_UNREADABLE, "is a directory, not an image file \\(usage:"
                + " vhdx-mount \\[OPTIONS\\] IMAGE MOUNTPOINT\\)");
        // vhdx-mount MOUNTPOINT IMAGE, the commonest mix-up
        assertError(mount(mnt, disk.vhdx()), ExitCode.IMAGE_UNREADABLE, "is a directory, not an image file \\(usage:"
                + " vhdx-mount \\[OPTIONS\\] IMAGE MOUNTPOINT; the image and the mountpoint look swapped\\)");
    }

    @Test
    void imageUnreadable() throws IOException {
        Path open = MountIt.openDirectory(dir);
        Path jar = Files.copy(MountIt.JAR, open.resolve("vhdx-mount.jar"));
        Files.setPosixFilePermissions(jar, PosixFilePermissions.fromString("rw-r--r--"));
        Files.setPosixFilePermissions(disk.vhdx(), PosixFilePermissions.fromString("rw-------"));
        assertError(asNobody(jar, "-f " + disk.vhdx() + " " + mnt), ExitCode.IMAGE_UNREADABLE,
                "disk\\.vhdx: permission denied");
    }

    @Test
    void notAVhdxButQcow2() {
        MountIt.shOk("qemu-img create -q -f qcow2 '" + dir.resolve("disk.qcow2") + "' 64M");
        assertError(mount(dir.resolve("disk.qcow2"), mnt), ExitCode.NOT_VHDX, "qcow2 image; a qcow2 image opens with"
                + " 'qemu-nbd --read-only -f qcow2 -c /dev/nbd0 .*disk\\.qcow2' \\(qemu-utils\\)$");
    }

    @Test
    void notAVhdxButAVhdVersion1File() {
        MountIt.shOk("qemu-img convert -f raw -O vpc '" + disk.raw() + "' '" + dir.resolve("disk.vhd") + "'");
        assertError(mount(dir.resolve("disk.vhd"), mnt), ExitCode.NOT_VHDX, "\\bvhd\\b.*; a VHD opens with vhdimount"
                + " \\(libvhdi-utils\\) or 'qemu-nbd --read-only -f vpc");
    }

    @Test
    void notAVhdxButARawDisk() {
        assertError(mount(disk.raw(), mnt), ExitCode.NOT_VHDX, "\\b(raw|gpt|mbr|partition).*; a raw disk needs no"
                + " vhdx-mount: 'losetup -r -f --show -P .*disk\\.raw' attaches it as it is$");
    }

    @Test
    void aCorruptVhdxGivesTheReadersMessage() throws IOException {
        // break both copies of the region table (at 192 KiB and 256 KiB): nothing valid is left to fall back on
        try (RandomAccessFile f = new RandomAccessFile(disk.vhdx().toFile(), "rw")) {
            for (long regionTable : new long[] {192 * 1024, 256 * 1024}) {
                f.seek(regionTable + 40);
                f.write(new byte[] {0x55, 0x66, 0x77});
            }
        }
        assertError(mount(disk.vhdx(), mnt), ExitCode.CORRUPT_IMAGE, "region table");
    }

    @Test
    void aTruncatedVhdx() throws IOException {
        Path cut = Files.copy(disk.vhdx(), dir.resolve("cut.vhdx"));
        try (RandomAccessFile f = new RandomAccessFile(cut.toFile(), "rw")) {
            f.setLength(Files.size(cut) / 2);
        }
        MountIt.Result r = mount(cut, mnt);
        assertError(r, ExitCode.CORRUPT_IMAGE, "\\(truncated image\\); --allow-truncated mounts what is there$");
        assertEquals(1, r.stderr().split("truncated", -1).length - 2, "said once: " + r.stderr());
    }

    /** --parent for a disk without one was ignored silently; a swapped checkpoint and base showed the base. */
    @Test
    void aParentNamedForADiskWithoutOneIsAUsageError() throws IOException {
        MountIt.Result r = MountIt.cli("--parent", disk.raw().toString(), disk.vhdx().toString(), mnt.toString());
        assertError(r, ExitCode.USAGE, "--parent .*disk\\.raw: .*disk\\.vhdx is a dynamic disk, which has no parent"
                + " \\(leave --parent out\\)$");
        assertFalse(MountIt.isMounted(mnt));
        // the checkpoint named as the parent of its own base
        VhdxBuilder base = VhdxBuilder.dynamic(8L << 20).blockSize(1 << 20);
        base.build(dir.resolve("base.vhdx"));
        VhdxBuilder child = VhdxBuilder.differencing(8L << 20).blockSize(1 << 20).parent(base, "base.vhdx");
        child.build(dir.resolve("child.avhdx"));
        r = MountIt.cli("--parent", dir.resolve("child.avhdx").toString(), dir.resolve("base.vhdx").toString(),
                mnt.toString());
        assertError(r, ExitCode.USAGE, "base\\.vhdx is a dynamic disk, which has no parent \\(leave --parent out\\);"
                + " .*child\\.avhdx is a differencing disk: if it is the checkpoint of .*base\\.vhdx, give it as the"
                + " image and .*base\\.vhdx as its --parent$");
        r = MountIt.cli("vhdx-info", "--parent", dir.resolve("base.vhdx").toString(), "--parent",
                dir.resolve("base.vhdx").toString(), dir.resolve("child.avhdx").toString());
        r.expect(ExitCode.USAGE);
        assertTrue(r.stderr().contains("the chain of " + dir.resolve("child.avhdx") + " has 1 parent, and 2 were"
                + " named"), r.stderr());
    }

    // --- the mountpoint ---

    @Test
    void mountpointMissing() {
        assertError(mount(disk.vhdx(), dir.resolve("nope")), ExitCode.BAD_MOUNTPOINT, "does not exist.*mkdir -p");
    }

    @Test
    void mountpointNotADirectory() {
        assertError(mount(disk.vhdx(), disk.raw()), ExitCode.BAD_MOUNTPOINT, "is not a directory");
    }

    @Test
    void mountpointNotEmpty() throws IOException {
        Files.writeString(mnt.resolve("notes.txt"), "x");
        assertError(mount(disk.vhdx(), mnt), ExitCode.BAD_MOUNTPOINT, "is not empty \\(it holds notes\\.txt\\)");
    }

    @Test
    void mountpointAlreadyMounted() {
        MountIt.shOk("mount -t tmpfs vhdx-mount-test '" + mnt + "'");
        try {
            assertError(mount(disk.vhdx(), mnt), ExitCode.BAD_MOUNTPOINT,
                    "already mounted \\(tmpfs from vhdx-mount-test\\).*umount ");
        } finally {
            MountIt.shOk("umount '" + mnt + "'");
        }
    }

    @Test
    void mountpointStaleAfterTheServerWasKilled() throws Exception {
        Process p = MountIt.start(Map.of(), dir.resolve("out"), dir.resolve("err"),
                "-f", disk.vhdx().toString(), mnt.toString());
        while (!Files.exists(mnt.resolve("disk.raw"))) {
            assertTrue(p.isAlive(), () -> "vhdx-mount -f ended: " + read(dir.resolve("err")));
            Thread.sleep(50);
        }
        p.destroyForcibly().waitFor();
        assertError(mount(disk.vhdx(), mnt), ExitCode.BAD_MOUNTPOINT,
                "stale FUSE mount \\(Transport endpoint is not connected.*fusermount -u " + Pattern.quote(
                        mnt.toString()));
        MountIt.shOk("fusermount -u '" + mnt + "'");
    }

    // --- FUSE itself ---

    @Test
    void devFuseMissing() {
        MountIt.Result r = inPrivateNamespace("mount -t tmpfs tmpfs /dev && mknod -m 666 /dev/null c 1 3",
                "-f " + disk.vhdx() + " " + mnt);
        assertError(r, ExitCode.FUSE_UNAVAILABLE, "/dev/fuse does not exist.*modprobe fuse");
    }

    @Test
    void devFuseNotPermitted() throws IOException {
        Path open = MountIt.openDirectory(dir);
        Path jar = Files.copy(MountIt.JAR, open.resolve("vhdx-mount.jar"), StandardCopyOption.REPLACE_EXISTING);
        Files.setPosixFilePermissions(jar, PosixFilePermissions.fromString("rw-r--r--"));
        Files.setPosixFilePermissions(disk.vhdx(), PosixFilePermissions.fromString("rw-r--r--"));
        Path node = dir.resolve("fuse-node");
        // a private /dev/fuse readable by root only, as on hosts that restrict FUSE to root
        MountIt.Result r = MountIt.run(Map.of(), List.of("unshare", "-m", "bash", "-c",
                "set -e; mknod -m 600 '" + node + "' c 10 229; mount --bind '" + node + "' /dev/fuse; "
                        + "exec setpriv --reuid=65534 --regid=65534 --clear-groups " + MountIt.javaBinary()
                        + " -jar '" + jar + "' -f '" + disk.vhdx() + "' '" + mnt + "'"));
        assertError(r, ExitCode.FUSE_UNAVAILABLE, "/dev/fuse is not readable and writable by user");
    }

    /**
     * Hides libfuse 3 from the dynamic linker, whichever soname it has here (libfuse3.so.3 before 3.17, .so.4 since).
     */
    private static String hideLibfuse3() {
        String files = MountIt.shOk("ldconfig -p | awk '$1 ~ /^libfuse3\\.so\\.[0-9]+$/ {print $NF}'"
                + " | xargs -r readlink -f | sort -u").trim();
        assertTrue(!files.isEmpty(), "libfuse 3 is installed");
        StringBuilder hide = new StringBuilder("true");
        for (String file : files.split("\n")) {
            hide.append("; mount --bind /dev/null '").append(file).append("'");
        }
        return hide.toString();
    }

    /** The file that the dynamic linker would load for {@code soname} (bind-mounting over it hides the library). */
    private static String library(String soname) {
        String library = MountIt.shOk("readlink -f \"$(ldconfig -p | awk '$1 == \"" + soname + "\" {print $NF; exit}')\"")
                .trim();
        assertTrue(library.contains(soname), soname + " is installed: " + library);
        return library;
    }

    @Test
    void neitherLibfuseInstalled() {
        MountIt.Result r = inPrivateNamespace("mount --bind /dev/null '" + library("libfuse.so.2") + "'; "
                + hideLibfuse3(), "-f " + disk.vhdx() + " " + mnt);
        assertError(r, ExitCode.FUSE_UNAVAILABLE, "neither libfuse 3 nor libfuse 2 can be loaded: install one"
                + " \\(Debian/Ubuntu: apt-get install fuse3.*\\[libfuse 3 \\(libfuse3\\.so\\.4 or \\.so\\.3\\): .*; libfuse 2 .*\\]");
    }

    @Test
    void theLibfuseAskedForMissing() {
        MountIt.Result two = inPrivateNamespace("mount --bind /dev/null '" + library("libfuse.so.2") + "'",
                "-f --libfuse 2 " + disk.vhdx() + " " + mnt);
        assertError(two, ExitCode.FUSE_UNAVAILABLE, "libfuse 2 \\(libfuse\\.so\\.2\\) cannot be loaded: install it");
        MountIt.Result three = inPrivateNamespace(hideLibfuse3(),
                "-f --libfuse 3 " + disk.vhdx() + " " + mnt);
        assertError(three, ExitCode.FUSE_UNAVAILABLE, "libfuse 3 \\(libfuse3\\.so\\.4 or \\.so\\.3\\) cannot be loaded: install it"
                + " \\(Debian/Ubuntu: apt-get install fuse3");
    }

    /** Without libfuse 3, the same mount serves through libfuse 2 (inside the namespace, where the mount is seen). */
    @Test
    void withoutLibfuse3ItServesThroughLibfuse2() throws IOException {
        Path log = dir.resolve("fallback.log");
        MountIt.Result r = MountIt.run(Map.of(), List.of("unshare", "-m", "--propagation", "private", "bash", "-c",
                "set -e; " + hideLibfuse3() + "; "
                        + MountIt.javaBinary() + " -jar '" + MountIt.JAR + "' -v --log-file '" + log + "' '"
                        + disk.vhdx() + "' '" + mnt + "'; sha256sum '" + mnt + "/disk.raw'; fusermount -u '" + mnt
                        + "'"));
        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(r.stdout().startsWith(Hashes.sha256(disk.expected()) + " "), r.stdout());
        assertTrue(read(log).contains("serving through libfuse 2 through jnr-fuse"), read(log));
    }

    /** Runs vhdx-mount ARGS in a private mount namespace after {@code setup} changed what it sees. */
    private static MountIt.Result inPrivateNamespace(String setup, String args) {
        return MountIt.run(Map.of(), List.of("unshare", "-m", "bash", "-c",
                "set -e; " + setup + "; exec " + MountIt.javaBinary() + " -jar '" + MountIt.JAR + "' " + args));
    }

    private static MountIt.Result asNobody(Path jar, String args) {
        return MountIt.run(Map.of(), List.of("bash", "-c", "exec setpriv --reuid=65534 --regid=65534 --clear-groups "
                + MountIt.javaBinary() + " -jar '" + jar + "' " + args));
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return e.toString();
        }
    }
}
