package dev.vhdxmount.mount;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.vhdxmount.vhdx.testkit.Hashes;

/**
 * vhdx-mount as a file system type: {@code mount -t fuse.vhdx-mount} and fstab lines through mount(8) and
 * mount.fuse3, and the systemd units and fstab line of docs/usage.md mounted as systemd and mount(8) mount them.
 *
 * <p>mount(8) gives mount.fuse3 no PATH of ours, so it finds {@code vhdx-mount} in the default one: each test runs in
 * a mount namespace of its own where /usr/local/sbin holds a link to the checkout's launcher. Mounts made there stay
 * there; a serving process left behind is ended by {@link MountTest}, and the namespace with it.
 */
@Timeout(180)
class MountTypeIT extends GptDiskMountTest {
    private static final Path USAGE = MountIt.SCRIPTS.resolveSibling("docs").resolve("usage.md");
    private Path commands;
    private String expectedSha;

    @BeforeEach
    void linkTheLauncher() throws IOException {
        commands = Files.createDirectory(dir.resolve("sbin"));
        // a script rather than a link, which the temporary folder's clean-up would warn about
        Files.writeString(commands.resolve("vhdx-mount"), "#!/bin/sh\nexec '" + MountIt.SCRIPTS.resolve("vhdx-mount")
                + "' \"$@\"\n");
        MountIt.shOk("chmod +x '" + commands.resolve("vhdx-mount") + "'");
        expectedSha = Hashes.sha256(disk.expected());
    }

    /** Runs a script as root in a mount namespace of its own where mount.fuse3 finds our vhdx-mount. */
    private MountIt.Result inNamespace(String script) {
        return MountIt.run(Map.of(), List.of("unshare", "--mount", "--propagation", "private", "bash", "-c",
                "set -euo pipefail\nmkdir -p /usr/local/sbin\nmount --bind '" + commands + "' /usr/local/sbin\n"
                        + "cd /\n" + script));
    }

    /** What a mount that is ready shows, then its unmount: the script's lines to add after mounting. */
    private String checkAndUnmount() {
        return "findmnt -n -o FSTYPE,SOURCE,OPTIONS '" + mnt + "'\n"
                + "sha256sum '" + mnt + "/disk.raw'\n"
                + "umount '" + mnt + "'\n"
                + "findmnt '" + mnt + "' || echo unmounted\n";
    }

    private void assertMountedAndUnmounted(MountIt.Result r, String options) throws InterruptedException {
        r.expect(0);
        String[] mount = r.stdout().lines().findFirst().orElse("").split("\\s+");
        assertEquals("fuse.vhdx-mount", mount[0], r.stdout());
        assertEquals(disk.vhdx().toString(), mount[1], r.stdout());
        for (String option : options.split(",")) {
            assertTrue(List.of(mount[2].split(",")).contains(option), option + " in " + r.stdout());
        }
        // read as soon as mount returned: it returns only once the mount is ready
        assertTrue(r.stdout().contains(expectedSha + "  " + mnt + "/disk.raw"), r.stdout());
        assertTrue(r.stdout().strip().endsWith("unmounted"), r.stdout());
        MountIt.awaitGone(mnt);
    }

    @Test
    void mountTypeFuseVhdxMount() throws Exception {
        MountIt.Result r = inNamespace("mount -t fuse.vhdx-mount -o ro,allow_other,noexec '" + disk.vhdx() + "' '"
                + mnt + "'\n" + checkAndUnmount());
        assertMountedAndUnmounted(r, "ro,allow_other,noexec,nosuid,nodev");
    }

    /** mount(8) passes rw unless told ro: refused, saying how to mount. */
    @Test
    void withoutRoMountSaysToSayRo() throws Exception {
        MountIt.Result r = inNamespace("mount -t fuse.vhdx-mount '" + disk.vhdx() + "' '" + mnt + "'");
        assertNotEquals(0, r.exitCode());
        assertTrue(r.stderr().contains("vhdx-mount: -o rw: the mount is read-only (the image is never written) unless"
                + " it has an overlay (-o overlay, or --overlay): say ro"), r.stderr());
        assertTrue(MountIt.servers(mnt).isEmpty());
    }

    /** An fstab line's overlay: the rw that mount(8) passes is taken, and disk.raw takes writes; the image does not. */
    @Test
    void anOverlayInOptionsMountsRw() throws Exception {
        Path folder = Files.createDirectory(dir.resolve("overlay"));
        String before = Hashes.sha256(disk.vhdx());
        MountIt.Result r = inNamespace("mount -t fuse.vhdx-mount -o overlay=" + folder + ",overlay_max=1M,nofail '"
                + disk.vhdx() + "' '" + mnt + "'\n"
                + "findmnt -n -o OPTIONS '" + mnt + "'\n"
                + "printf overlay | dd of='" + mnt + "/disk.raw' bs=1 seek=100 conv=notrunc status=none\n"
                + "dd if='" + mnt + "/disk.raw' bs=1 skip=100 count=7 status=none; echo\n"
                + "umount '" + mnt + "'\n");
        r.expect(0);
        List<String> lines = r.stdout().lines().toList();
        assertTrue(List.of(lines.get(0).split(",")).contains("rw"), r.stdout());
        assertEquals("overlay", lines.get(1), r.stdout());
        MountIt.awaitGone(mnt);
        assertEquals(before, Hashes.sha256(disk.vhdx()), "the image");
        try (var entries = Files.list(folder)) {
            assertEquals(0, entries.count(), "nothing left in the overlay's folder");
        }
    }

    /** The fstab line of docs/usage.md, with this test's paths and some of vhdx-mount's own options added. */
    @Test
    void theFstabLineOfTheDocsMountsWithMountMountpoint() throws Exception {
        String line = fencedBlock("# /etc/fstab").lines().filter(l -> !l.startsWith("#")).findFirst().orElseThrow();
        String[] fields = line.trim().split("\\s+");
        assertEquals(List.of("/srv/images/disk.vhdx", "/mnt/vhdx", "fuse.vhdx-mount"), List.of(fields).subList(0, 3));
        Path fstab = dir.resolve("fstab");
        Files.writeString(fstab, disk.vhdx() + " " + mnt + " " + fields[2] + " " + fields[3]
                + ",readahead=1024,threads=4,log_file=" + dir.resolve("fstab.log") + " 0 0\n");
        MountIt.Result r = inNamespace("mount -T '" + fstab + "' '" + mnt + "'\n"
                // mounted already: mount -a knows it by the mount table's type and source, and leaves it
                + "mount -T '" + fstab + "' -a\n" + checkAndUnmount());
        assertMountedAndUnmounted(r, "ro,allow_other");
        assertTrue(Files.readString(dir.resolve("fstab.log")).contains("unmounted; exiting with status 0"));
    }

    /**
     * The units of docs/usage.md are valid (systemd-analyze verify), and what they say mounts as systemd mounts it
     * ({@code mount WHAT WHERE -t TYPE -o OPTIONS}); so does what systemd's fstab generator makes of the fstab line.
     */
    @Test
    void theSystemdUnitsOfTheDocsAreValidAndMount() throws Exception {
        Path units = Files.createDirectory(dir.resolve("units"));
        for (String name : List.of("mnt-vhdx.mount", "mnt-vhdx.automount")) {
            Files.writeString(units.resolve(name), fencedBlock("# /etc/systemd/system/" + name));
        }
        MountIt.shOk("cd '" + units + "' && systemd-analyze verify ./mnt-vhdx.mount ./mnt-vhdx.automount");
        Map<String, String> mount = section(Files.readString(units.resolve("mnt-vhdx.mount")), "Mount");
        assertEquals("/mnt/vhdx", mount.get("Where"));
        assertEquals("/mnt/vhdx", section(Files.readString(units.resolve("mnt-vhdx.automount")), "Automount")
                .get("Where"));
        assertMountedAndUnmounted(inNamespace("mount '" + disk.vhdx() + "' '" + mnt + "' -t " + mount.get("Type")
                + " -o " + mount.get("Options") + "\n" + checkAndUnmount()), mount.get("Options"));

        // the fstab line with this test's paths, through the generator systemd runs at boot
        String line = fencedBlock("# /etc/fstab").lines().filter(l -> !l.startsWith("#")).findFirst().orElseThrow();
        String[] fields = line.trim().split("\\s+");
        Path fstab = dir.resolve("fstab");
        Files.writeString(fstab, disk.vhdx() + " " + mnt + " " + fields[2] + " " + fields[3] + " 0 0\n");
        Path generated = Files.createDirectory(dir.resolve("generated"));
        MountIt.run(Map.of("SYSTEMD_FSTAB", fstab.toString()), List.of(
                "/usr/lib/systemd/system-generators/systemd-fstab-generator", generated.toString(),
                generated.toString(), generated.toString())).expect(0);
        String unitName = MountIt.shOk("systemd-escape -p --suffix=mount '" + mnt + "'").trim();
        assertTrue(Files.exists(generated.resolve(unitName.replace(".mount", ".automount"))),
                "x-systemd.automount makes an automount unit");
        Map<String, String> generatedMount = section(Files.readString(generated.resolve(unitName)), "Mount");
        MountIt.shOk("rm -r '" + generated + "'"); // links into /usr/lib/systemd
        assertEquals("fuse.vhdx-mount", generatedMount.get("Type"));
        assertMountedAndUnmounted(inNamespace("mount '" + generatedMount.get("What") + "' '"
                + generatedMount.get("Where") + "' -t " + generatedMount.get("Type") + " -o "
                + generatedMount.get("Options") + "\n" + checkAndUnmount()), "ro,allow_other");
        assertFalse(generatedMount.get("Options").contains("rw"), generatedMount.toString());
    }

    /** The fenced block of docs/usage.md whose first line is {@code firstLine}. */
    private static String fencedBlock(String firstLine) throws IOException {
        Matcher m = Pattern.compile("```[a-z]*\\n(" + Pattern.quote(firstLine) + "\\n.*?)```", Pattern.DOTALL)
                .matcher(Files.readString(USAGE));
        assertTrue(m.find(), "docs/usage.md has no block starting with " + firstLine);
        return m.group(1);
    }

    /** The settings of one section of a unit file. */
    private static Map<String, String> section(String unit, String name) {
        Map<String, String> settings = new LinkedHashMap<>();
        boolean in = false;
        for (String line : unit.lines().toList()) {
            if (line.startsWith("[")) {
                in = line.equals("[" + name + "]");
            } else if (in && line.contains("=") && !line.startsWith("#")) {
                settings.put(line.substring(0, line.indexOf('=')), line.substring(line.indexOf('=') + 1));
            }
        }
        return settings;
    }
}
