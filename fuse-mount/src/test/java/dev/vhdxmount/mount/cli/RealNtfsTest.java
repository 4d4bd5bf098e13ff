package dev.vhdxmount.mount.cli;

import static dev.vhdxmount.mount.cli.InfoRuns.map;
import static dev.vhdxmount.mount.cli.InfoRuns.table;
import static dev.vhdxmount.mount.cli.InfoRuns.vhdx;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.vhdxmount.vhdx.testkit.Tools;

/**
 * vhdx-info on NTFS volumes made by mkntfs and brought into each state by ntfs-3g itself where it can (a hiberfil.sys
 * written through a real mount) or by one patched byte where no tool sets it (the dirty flag), each state confirmed
 * first by ntfs-3g's own tools: ntfsinfo prints the volume flags, and a read-write ntfs-3g mount refuses a hibernated
 * volume. Then converted to VHDX by qemu-img, alone and in a GPT disk made by sfdisk.
 */
class RealNtfsTest {
    /** ntfs-3g's message for a hiberfil.sys that begins "hibr" (any case). */
    private static final String HIBERNATED = "Windows is hibernated, refused to mount.";

    @TempDir
    Path dir;

    @BeforeAll
    static void tools() {
        for (String tool : List.of("mkntfs", "ntfsinfo", "ntfs-3g", "qemu-img", "sfdisk")) {
            Tools.require(tool);
        }
        boolean fuse = Files.exists(Path.of("/dev/fuse")) && "root".equals(System.getProperty("user.name"));
        if (Tools.inCi()) {
            assertTrue(fuse, "ntfs-3g needs /dev/fuse and root to write hiberfil.sys");
        }
        assumeTrue(fuse, "ntfs-3g needs /dev/fuse and root to write hiberfil.sys");
    }

    @Test
    void cleanDirtyAndHibernatedVolumesWithoutATable() throws Exception {
        sh(mkntfs("clean.raw", 64) + "cp clean.raw dirty.raw && cp clean.raw hibernated.raw && cp clean.raw zeros.raw\n"
                + hiberfile("hibernated.raw", "HIBR") + hiberfile("zeros.raw", "\\0\\0\\0\\0")
                + mountReadWrite("hibernated.raw") + mountReadWrite("zeros.raw")
                + vhdx("clean") + vhdx("hibernated") + vhdx("zeros"));
        setDirtyFlag(dir.resolve("dirty.raw"));
        sh(vhdx("dirty"));

        assertEquals("Volume Flags: 0x0000", volumeFlags("clean.raw"));
        assertEquals("Volume Flags: 0x0001 DIRTY", volumeFlags("dirty.raw"), "the patched byte is the flag ntfs-3g reads");
        Tools.Result refused = Tools.run(List.of("ntfsinfo", "-m", dir.resolve("dirty.raw").toString()), 60);
        assertTrue(refused.exitCode() != 0 && refused.stderr().startsWith("Volume is scheduled for check."),
                refused.toString());
        assertTrue(read("hibernated.raw.err").contains(HIBERNATED), read("hibernated.raw.err"));
        assertEquals("ro", read("hibernated.raw.options").trim(), "ntfs-3g fell back to read-only");
        assertEquals("", read("zeros.raw.err"), "a hiberfil.sys of zeros is no hibernation to ntfs-3g");
        assertEquals("rw", read("zeros.raw.options").trim());

        Map<String, Object> clean = table(info("--json", "clean.vhdx"));
        assertEquals(List.of("none", "ntfs", false), List.of(clean.get("scheme"), clean.get("filesystem"),
                clean.get("needs_recovery")));
        assertTrue(!clean.containsKey("recovery"), clean.toString());
        assertEquals(Map.of("disk", "mount -o ro,loop MOUNTPOINT/disk.raw /mnt/part"), clean.get("mount"));
        assertEquals(false, table(info("--json", "zeros.vhdx")).get("needs_recovery"));

        Map<String, Object> dirty = table(info("--json", "dirty.vhdx"));
        assertEquals(List.of(true, "dirty"), List.of(dirty.get("needs_recovery"), dirty.get("recovery")));
        assertEquals("mount -t ntfs3 -o loop,force MOUNTPOINT/disk.raw /mnt/part", map(dirty.get("mount"))
                .get("recovered"));
        Map<String, Object> hibernated = table(info("--json", "hibernated.vhdx"));
        assertEquals(List.of(true, "hibernated"), List.of(hibernated.get("needs_recovery"),
                hibernated.get("recovery")));
        assertEquals("mount -t ntfs-3g -o loop,remove_hiberfile MOUNTPOINT/disk.raw /mnt/part",
                map(hibernated.get("mount")).get("recovered"));
    }

    @Test
    void aGptDiskWithAHibernatedAndADirtyPartition() throws Exception {
        sh("truncate -s 96M disk.raw\n"
                + "printf 'label: gpt\\nstart=2048, size=65536, type=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7\\n"
                + "start=67584, size=65536, type=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7\\n' | sfdisk -q disk.raw\n"
                + mkntfs("p1", 32) + "cp p1 p2\n" + hiberfile("p1", "hibr") + mountReadWrite("p1"));
        setDirtyFlag(dir.resolve("p2"));
        sh("dd if=p1 of=disk.raw bs=512 seek=2048 conv=notrunc status=none\n"
                + "dd if=p2 of=disk.raw bs=512 seek=67584 conv=notrunc status=none\n" + vhdx("disk"));
        assertTrue(read("p1.err").contains(HIBERNATED), read("p1.err"));
        assertEquals("Volume Flags: 0x0001 DIRTY", volumeFlags("p2"));

        Map<String, Object> table = table(info("--json", "disk.vhdx"));
        List<Object> states = new ArrayList<>();
        for (Object o : (List<?>) table.get("partitions")) {
            Map<String, Object> p = map(o);
            states.add(List.of(p.get("filesystem"), p.get("needs_recovery"), p.get("recovery")));
        }
        assertEquals(List.of(List.of("ntfs", true, "hibernated"), List.of("ntfs", true, "dirty")), states);
        Map<String, Object> p2 = map(((List<?>) table.get("partitions")).get(1));
        assertEquals(Map.of("partition_file", "mount -o ro,loop MOUNTPOINT/p2.raw /mnt/part",
                "disk_offset", "mount -o ro,loop,offset=34603008,sizelimit=33554432 MOUNTPOINT/disk.raw /mnt/part",
                "recovered", "mount -t ntfs3 -o loop,force MOUNTPOINT/p2.raw /mnt/part"), p2.get("mount"));
    }

    // ------------------------------------------------------------------ making the states

    private static String mkntfs(String file, int mib) {
        return "truncate -s " + mib + "M " + file + " && mkntfs -Q -F " + file + " >/dev/null\n";
    }

    /** Writes /hiberfil.sys of 8 KiB that begins with {@code first} (printf escapes) through an ntfs-3g mount. */
    private static String hiberfile(String file, String first) {
        return "mkdir -p mnt && ntfs-3g " + file + " mnt\n"
                + "{ printf '" + first + "'; head -c 8188 /dev/zero; } > mnt/hiberfil.sys\n"
                + "umount mnt\n";
    }

    /**
     * The oracle for hibernation: a read-write ntfs-3g mount, its messages in FILE.err and the mount's first option
     * (rw, or ro where ntfs-3g fell back) in FILE.options.
     */
    private String mountReadWrite(String file) {
        return "mkdir -p mnt && ntfs-3g " + file + " mnt 2> " + file + ".err\n"
                + "awk -v m='" + dir.resolve("mnt") + "' '$2 == m { split($4, o, \",\"); print o[1] }' /proc/mounts > "
                + file + ".options\n"
                + "umount mnt\n";
    }

    /**
     * Sets $Volume's dirty flag as Windows does on a mount, in MFT record 3 and its copy in $MFTMirr (ntfs-3g refuses
     * a volume whose two disagree), from the boot sector and the record's attribute list: no ntfs-3g tool sets it.
     */
    static void setDirtyFlag(Path volume) throws IOException {
        try (FileChannel f = FileChannel.open(volume, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer boot = readAt(f, 0, 512);
            long cluster = (long) (boot.getShort(0x0b) & 0xffff) * (boot.get(0x0d) & 0xff);
            byte perRecord = boot.get(0x40);
            long recordSize = perRecord < 0 ? 1L << -perRecord : perRecord * cluster;
            for (long lcn : new long[] {boot.getLong(0x30), boot.getLong(0x38)}) {
                long record = lcn * cluster + 3 * recordSize;
                ByteBuffer r = readAt(f, record, (int) recordSize);
                assertEquals("FILE", new String(r.array(), 0, 4, StandardCharsets.US_ASCII));
                int at = r.getShort(0x14);
                while (r.getInt(at) != 0x70) {
                    assertTrue(r.getInt(at) != -1, "no $VOLUME_INFORMATION");
                    at += r.getInt(at + 4);
                }
                int flags = at + (r.getShort(at + 20) & 0xffff) + 10;
                assertTrue(flags % 512 < 510, "the flags are not under a fixup");
                f.write(ByteBuffer.wrap(new byte[] {(byte) (r.get(flags) | 1)}), record + flags);
            }
        }
    }

    private static ByteBuffer readAt(FileChannel f, long offset, int length) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        while (b.hasRemaining() && f.read(b, offset + b.position()) > 0) {
            // until full
        }
        return b.flip();
    }

    /**
     * The "Volume Flags" line ntfsinfo prints for {@code file}; with --force, since it refuses a dirty volume
     * otherwise ("Volume is scheduled for check").
     */
    private String volumeFlags(String file) throws Exception {
        for (String line : sh("ntfsinfo --force -m " + file).split("\n")) {
            if (line.trim().startsWith("Volume Flags:")) {
                return line.trim().replace('\t', ' ');
            }
        }
        throw new AssertionError("ntfsinfo printed no volume flags");
    }

    // ------------------------------------------------------------------ helpers

    /** Runs a bash script in the test's folder; it must succeed, and leaves nothing mounted however it ends. */
    private String sh(String script) throws Exception {
        Tools.Result r = Tools.run(List.of("bash", "-c", "set -euo pipefail\ncd '" + dir + "'\n"
                + "trap 'if mountpoint -q mnt 2>/dev/null; then umount mnt; fi' EXIT\n" + script), 120);
        assertEquals(0, r.exitCode(), () -> script + "\nfailed: " + r.stderr());
        return r.stdout();
    }

    private String read(String file) throws IOException {
        return Files.readString(dir.resolve(file));
    }

    private String info(String... args) {
        return InfoRuns.info(dir, args);
    }
}
