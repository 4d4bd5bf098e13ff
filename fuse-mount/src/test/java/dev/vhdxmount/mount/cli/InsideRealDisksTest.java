package dev.vhdxmount.mount.cli;

import static dev.vhdxmount.vhdx.testkit.Sizes.MIB;
import static dev.vhdxmount.mount.cli.InfoRuns.map;
import static dev.vhdxmount.mount.cli.InfoRuns.table;
import static dev.vhdxmount.mount.cli.InfoRuns.vhdx;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.jr.ob.JSON;

import dev.vhdxmount.vhdx.testkit.Tools;
import dev.vhdxmount.vhdx.testkit.VhdxBuilder;

/**
 * vhdx-info on disks made by the usual tools (sfdisk, fdisk, mkfs.ext4, mkfs.vfat, mkswap), converted to VHDX by
 * qemu-img or, for 4096-byte sectors, which qemu-img cannot write, by the test builder. The partitions are checked
 * against sfdisk's own reading of the raw disk, the file systems against blkid's, and the map against the raw bytes:
 * zero runs hold zeros, every non-zero byte lies in a data run.
 */
class InsideRealDisksTest {
    @TempDir
    Path dir;

    @BeforeAll
    static void tools() {
        for (String tool : List.of("sfdisk", "fdisk", "mkfs.ext4", "mkfs.vfat", "mkswap", "debugfs", "blkid",
                "qemu-img")) {
            Tools.require(tool);
        }
    }

    @Test
    void gptWithExt4FatAndSwap() throws Exception {
        sh("truncate -s 96M disk.raw\n"
                + "printf 'label: gpt\\nstart=2048, size=32768, type=L, name=\"root fs\"\\n"
                + "start=34816, size=40960, type=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7, name=data\\n"
                + "start=75776, size=8192, type=S\\n' | sfdisk -q disk.raw\n"
                + "mkdir root && echo hello > root/hello.txt\n"
                + "truncate -s 16M p1 && mkfs.ext4 -q -F -L rootfs -d root p1\n"
                + "truncate -s 20M p2 && mkfs.vfat -n DATA p2 >/dev/null\n"
                + "truncate -s 4M p3 && mkswap -L swp p3 >/dev/null\n"
                + "dd if=p1 of=disk.raw bs=512 seek=2048 conv=notrunc status=none\n"
                + "dd if=p2 of=disk.raw bs=512 seek=34816 conv=notrunc status=none\n"
                + "dd if=p3 of=disk.raw bs=512 seek=75776 conv=notrunc status=none\n"
                + vhdx("disk"));
        Map<String, Object> table = table(info("--json", "disk.vhdx"));
        assertEquals("gpt", table.get("scheme"));
        assertEquals(512, number(table, "sector_size"));
        assertEquals(sfdisk("disk.raw").get("id"), table.get("disk_id"));
        assertMatchesSfdiskAndBlkid(table, "disk.raw");
        List<Map<String, Object>> partitions = partitions(table);
        assertEquals(List.of("ext4", "fat16", "swap"), partitions.stream().map(p -> p.get("filesystem")).toList());
        assertEquals("root fs", partitions.get(0).get("name"));
        assertEquals(Boolean.FALSE, partitions.get(0).get("needs_recovery"));
        assertEquals(Map.of("partition_file", "mount -o ro,loop MOUNTPOINT/p1.raw /mnt/part",
                "disk_offset", "mount -o ro,loop,offset=1048576,sizelimit=16777216 MOUNTPOINT/disk.raw /mnt/part"),
                partitions.get(0).get("mount"));
        assertEquals("swap space: nothing to mount", partitions.get(2).get("mount_note"));
        assertTrue(!table.containsKey("warnings"), table.toString());

        String text = info("disk.vhdx");
        assertTrue(text.contains("      filesystem:     ext4\n") && text.contains("partition file: mount -o ro,loop"
                + " MOUNTPOINT/p2.raw /mnt/part"), text);
        assertMapMatchesRawBytes("disk");
    }

    @Test
    void gptOn4096ByteSectors() throws Exception {
        sh("truncate -s 64M disk.raw\n"
                + "printf 'g\\nn\\n1\\n256\\n+16M\\nw\\n' | fdisk -b 4096 disk.raw >/dev/null\n"
                + "truncate -s 16M p1 && mkfs.ext4 -q -F -b 4096 -L four p1\n"
                + "dd if=p1 of=disk.raw bs=4096 seek=256 conv=notrunc status=none\n"
                + "fdisk -b 4096 -l -o Device,Start,Sectors disk.raw | tail -n 1 > fdisk.txt\n");
        assertEquals(List.of("disk.raw1", "256", "4096"), List.of(read("fdisk.txt").trim().split(" +")));
        VhdxBuilder b = VhdxBuilder.dynamic(64L * MIB).logicalSectorSize(4096).blockSize(MIB);
        copyNonZero(dir.resolve("disk.raw"), b);
        b.build(dir.resolve("disk.vhdx"));
        Map<String, Object> report = JSON.std.mapFrom(info("--json", "disk.vhdx"));
        Map<String, Object> table = map(report.get("partition_table"));
        assertEquals("gpt", table.get("scheme"));
        assertEquals(4096, number(table, "sector_size"));
        Map<String, Object> p1 = partitions(table).get(0);
        assertEquals(List.of(1L, 256L * 4096, 16L * MIB, 256L, 4096L), List.of(number(p1, "number"),
                number(p1, "start"), number(p1, "size"), number(p1, "first_sector"), number(p1, "sectors")));
        assertEquals("ext4", p1.get("filesystem"));
        assertEquals("four", p1.get("label"));
        assertEquals("mount -o ro \"$(losetup -r --sector-size 4096 -o 1048576 --sizelimit 16777216 -f --show"
                + " MOUNTPOINT/disk.raw)\" /mnt/part", map(p1.get("mount")).get("loop_device"));
        assertTrue(String.valueOf(report.get("note")).contains("losetup -r --sector-size 4096"), report.toString());
    }

    @Test
    void mbrWithLogicalPartitions() throws Exception {
        sh("truncate -s 64M disk.raw\n"
                + "printf 'label: dos\\nstart=2048, size=20480, type=83\\nstart=22528, size=100000, type=5\\n"
                + "start=24576, size=20480, type=83\\nstart=47104, size=16384, type=c\\n' | sfdisk -q disk.raw\n"
                + "truncate -s 10M p5 && mkfs.ext4 -q -F -L logical5 p5\n"
                + "truncate -s 8M p6 && mkfs.vfat -F 32 -n SIX p6 >/dev/null\n"
                + "dd if=p5 of=disk.raw bs=512 seek=24576 conv=notrunc status=none\n"
                + "dd if=p6 of=disk.raw bs=512 seek=47104 conv=notrunc status=none\n"
                + vhdx("disk"));
        Map<String, Object> table = table(info("--json", "disk.vhdx"));
        assertEquals("mbr", table.get("scheme"));
        assertEquals(sfdisk("disk.raw").get("id"), table.get("disk_id"));
        assertMatchesSfdiskAndBlkid(table, "disk.raw");
        assertEquals(List.of("primary", "extended", "logical", "logical"), partitions(table).stream()
                .map(p -> p.get("kind")).toList());
        assertEquals("the extended partition that holds the logical ones", partitions(table).get(1).get("note"));
        assertEquals(List.of("unknown", "ext4", "fat32"), partitions(table).stream()
                .filter(p -> !"extended".equals(p.get("kind"))).map(p -> p.get("filesystem")).toList());
    }

    @Test
    void aCorruptPrimaryGptWithAGoodBackup() throws Exception {
        sh("truncate -s 32M disk.raw\n"
                + "printf 'label: gpt\\nstart=2048, size=8192, type=L, name=one\\nstart=10240, type=L, name=two\\n'"
                + " | sfdisk -q disk.raw\n"
                + "cp disk.raw intact.raw\n"
                + "printf '\\xff' | dd of=disk.raw bs=1 seek=$((512 + 40)) conv=notrunc status=none\n"
                + "sfdisk -l disk.raw > sfdisk.txt 2>&1 || true\n"
                + vhdx("disk"));
        assertTrue(read("sfdisk.txt").contains("The primary GPT table is corrupt, but the backup appears OK"),
                read("sfdisk.txt"));
        Map<String, Object> table = table(info("--json", "disk.vhdx"));
        List<?> warnings = (List<?>) table.get("warnings");
        assertEquals(1, warnings.size(), warnings.toString());
        String w = (String) warnings.get(0);
        assertTrue(w.startsWith("primary GPT header at LBA 1: header CRC-32 mismatch (stored 0x")
                && w.endsWith("); using the backup GPT at LBA 65535"), w);
        assertMatchesSfdiskAndBlkid(table, "intact.raw");
    }

    @Test
    void tablesThatPointPastTheDiskGiveNoPartitions() throws Exception {
        sh("truncate -s 64M mbr.raw gpt.raw\n"
                + "printf 'label: dos\\nstart=2048, type=83\\n' | sfdisk -q mbr.raw\n"
                + "printf 'label: gpt\\nstart=2048, type=L\\n' | sfdisk -q gpt.raw\n"
                + "truncate -s 32M mbr.raw gpt.raw\n" // a copy cut short
                + vhdx("mbr") + vhdx("gpt"));
        Map<String, Object> mbr = table(info("--json", "mbr.vhdx"));
        assertEquals("mbr", mbr.get("scheme"));
        assertEquals(List.of(), mbr.get("partitions"));
        assertEquals(List.of("primary partition 1: sectors 2048..131071 reach past the disk's last sector 65535"),
                mbr.get("warnings"));
        Map<String, Object> gpt = table(info("--json", "gpt.vhdx"));
        assertEquals(List.of(), gpt.get("partitions"));
        assertEquals(List.of("primary GPT header at LBA 1: LastUsableLBA 131038 lies past the disk's last sector"
                + " 65535; backup GPT header at LBA 65535: no signature 'EFI PART'"), gpt.get("warnings"));
        String text = info("gpt.vhdx");
        assertTrue(text.contains("  warnings:\n    - primary GPT header at LBA 1: LastUsableLBA"), text);
    }

    @Test
    void noTableExt4AtSector0AsWslMakesIt() throws Exception {
        sh("truncate -s 64M disk.raw\n"
                + "mkfs.ext4 -q -F -L wsl disk.raw\n"
                + "debugfs -w -R 'feature needs_recovery' disk.raw 2>/dev/null\n"
                + "blkid -p -o value -s UUID disk.raw > uuid.txt\n"
                + vhdx("disk"));
        Map<String, Object> table = table(info("--json", "disk.vhdx"));
        assertEquals("none", table.get("scheme"));
        assertTrue(!table.containsKey("partitions"), table.toString());
        assertEquals("ext4", table.get("filesystem"));
        assertEquals("wsl", table.get("label"));
        assertEquals(read("uuid.txt").trim(), table.get("uuid"));
        assertEquals(Boolean.TRUE, table.get("needs_recovery"));
        assertEquals(Map.of("disk", "mount -o ro,loop,noload MOUNTPOINT/disk.raw /mnt/part",
                "recovered", "mount -o loop MOUNTPOINT/disk.raw /mnt/part"), table.get("mount"));
        assertTrue(String.valueOf(table.get("mount_note")).startsWith("its journal needs recovery"));
        assertMapMatchesRawBytes("disk");
    }

    // ------------------------------------------------------------------ oracles

    /** Each partition as sfdisk reads the raw disk, and its file system as blkid probes it. */
    private void assertMatchesSfdiskAndBlkid(Map<String, Object> table, String raw) throws Exception {
        List<Object> expected = new ArrayList<>();
        List<Object> got = new ArrayList<>();
        for (Object o : (List<?>) sfdisk(raw).get("partitions")) {
            Map<String, Object> s = map(o);
            String node = (String) s.get("node");
            long start = number(s, "start") * 512;
            long size = number(s, "size") * 512;
            String type = (String) s.get("type");
            type = type.length() > 2 ? type : String.format(Locale.ROOT, "0x%02x", Integer.parseInt(type, 16));
            expected.add(List.of(Long.parseLong(node.substring(raw.length())), start, size, type,
                    s.getOrDefault("name", "")));
        }
        for (Map<String, Object> p : partitions(table)) {
            got.add(List.of(number(p, "number"), number(p, "start"), number(p, "size"), p.get("type_id"),
                    p.getOrDefault("name", "")));
            if ("extended".equals(p.get("kind"))) {
                continue;
            }
            Map<String, String> blkid = blkid(raw, number(p, "start"), number(p, "size"));
            String type = blkid.getOrDefault("TYPE", "unknown");
            String ours = String.valueOf(p.get("filesystem"));
            assertEquals(type, ours.startsWith("fat") ? "vfat" : ours, "partition " + p.get("number"));
            if (ours.startsWith("fat")) {
                assertEquals(blkid.get("VERSION"), ours.toUpperCase(Locale.ROOT));
            }
            assertEquals(blkid.get("UUID"), p.get("uuid"), "partition " + p.get("number"));
            assertEquals(blkid.get("LABEL"), p.get("label"), "partition " + p.get("number"));
        }
        assertEquals(expected, got);
    }

    /**
     * The map of {@code name}.vhdx against {@code name}.raw, the disk it was made from: zero runs hold zeros there,
     * and each of its non-zero bytes lies in a data run.
     */
    private void assertMapMatchesRawBytes(String name) throws Exception {
        List<Object> runs = JSON.std.listFrom(info("--map", "--json", name + ".vhdx"));
        long end = 0;
        try (FileChannel raw = FileChannel.open(dir.resolve(name + ".raw"))) {
            for (Object o : runs) {
                Map<String, Object> run = map(o);
                assertEquals(end, number(run, "start"), "runs follow each other");
                end += number(run, "length");
                if (Boolean.TRUE.equals(run.get("zero"))) {
                    ByteBuffer b = ByteBuffer.allocate((int) number(run, "length"));
                    raw.read(b, number(run, "start"));
                    assertEquals(-1, java.util.Arrays.mismatch(b.array(), new byte[b.capacity()]), "zero run " + run);
                }
            }
            assertEquals(raw.size(), end, "the map covers the disk");
        }
        String text = info("--map", name + ".vhdx");
        assertTrue(text.startsWith("start ") && text.contains("data: "), text);
    }

    private Map<String, Object> sfdisk(String raw) throws Exception {
        return map(JSON.std.mapFrom(sh("sfdisk --json " + raw)).get("partitiontable"));
    }

    private Map<String, String> blkid(String raw, long offset, long size) throws Exception {
        Map<String, String> out = new HashMap<>();
        Tools.Result r = Tools.run(List.of("blkid", "-p", "-o", "export", "--offset", String.valueOf(offset),
                "--size", String.valueOf(size), dir.resolve(raw).toString()), 60);
        for (String line : r.stdout().split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                out.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        return out;
    }

    // ------------------------------------------------------------------ helpers

    /** Runs a bash script in the test's folder; it must succeed. */
    private String sh(String script) throws Exception {
        Tools.Result r = Tools.run(List.of("bash", "-c", "set -euo pipefail\ncd '" + dir + "'\n" + script), 120);
        assertEquals(0, r.exitCode(), () -> script + "\nfailed: " + r.stderr());
        return r.stdout();
    }

    private String read(String file) throws IOException {
        return java.nio.file.Files.readString(dir.resolve(file));
    }

    /** Stores the raw disk's non-zero MiBs in the builder. */
    private static void copyNonZero(Path raw, VhdxBuilder b) throws IOException {
        try (FileChannel in = FileChannel.open(raw)) {
            byte[] chunk = new byte[MIB];
            for (long at = 0; at < in.size(); at += MIB) {
                ByteBuffer buffer = ByteBuffer.wrap(chunk);
                java.util.Arrays.fill(chunk, (byte) 0);
                in.read(buffer, at);
                if (java.util.Arrays.mismatch(chunk, new byte[MIB]) >= 0) {
                    b.write(at, chunk.clone());
                }
            }
        }
    }

    private static List<Map<String, Object>> partitions(Map<String, Object> table) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Object o : (List<?>) table.get("partitions")) {
            out.add(map(o));
        }
        return out;
    }

    private static long number(Map<String, Object> m, String key) {
        return ((Number) m.get(key)).longValue();
    }

    private String info(String... args) {
        return InfoRuns.info(dir, args);
    }
}
