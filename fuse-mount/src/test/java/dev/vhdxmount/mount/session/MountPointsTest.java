package dev.vhdxmount.mount.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.vhdxmount.mount.session.MountPoints.MountEntry;

class MountPointsTest {
    @TempDir
    Path dir;

    @Test
    void anEmptyDirectoryIsAccepted() throws MountFailure {
        assertEquals(dir.toAbsolutePath(), MountPoints.check(dir, false));
    }

    @Test
    void aMissingMountpointSaysHowToCreateIt() {
        MountFailure e = assertThrows(MountFailure.class, () -> MountPoints.check(dir.resolve("nope"), false));
        assertEquals(MountFailure.Kind.BAD_MOUNTPOINT, e.kind());
        assertTrue(e.getMessage().contains("does not exist") && e.getMessage().contains("mkdir -p"), e.getMessage());
    }

    @Test
    void aFileIsNotAMountpoint() throws IOException {
        Path file = Files.createFile(dir.resolve("file"));
        MountFailure e = assertThrows(MountFailure.class, () -> MountPoints.check(file, false));
        assertEquals(MountFailure.Kind.BAD_MOUNTPOINT, e.kind());
        assertTrue(e.getMessage().contains("is not a directory"), e.getMessage());
    }

    @Test
    void aNonEmptyDirectoryIsRefusedUnlessNonemptyIsAsked() throws IOException, MountFailure {
        Files.createFile(dir.resolve("a"));
        MountFailure e = assertThrows(MountFailure.class, () -> MountPoints.check(dir, false));
        assertEquals(MountFailure.Kind.BAD_MOUNTPOINT, e.kind());
        assertTrue(e.getMessage().contains("is not empty (it holds a)"), e.getMessage());
        assertTrue(e.getMessage().contains("-o nonempty"), e.getMessage());
        assertEquals(dir.toAbsolutePath(), MountPoints.check(dir, true));
    }

    @Test
    void theRootIsAlreadyMounted() {
        MountFailure e = assertThrows(MountFailure.class, () -> MountPoints.check(Path.of("/proc"), true));
        assertEquals(MountFailure.Kind.BAD_MOUNTPOINT, e.kind());
        assertTrue(e.getMessage().contains("is already mounted (proc from proc)"), e.getMessage());
        assertTrue(e.getMessage().contains("umount /proc"), e.getMessage());
    }

    @Test
    void mountinfoLinesAreParsedWithEscapesAndOptionalFields() {
        String mountinfo = """
                22 1 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw
                42 27 0:39 / /tmp/a\\040b\\134c ro,nosuid,nodev,relatime - fuse.vhdx /images/x\\040y.vhdx ro,user_id=0
                43 27 0:40 / /mnt/plain rw master:1 shared:2 - fuse sshfs#host: rw
                garbage
                """;
        List<MountEntry> entries = MountPoints.parse(mountinfo);
        assertEquals(List.of(new MountEntry("/proc", "proc", "proc", "0:21"),
                new MountEntry("/tmp/a b\\c", "fuse.vhdx", "/images/x y.vhdx", "0:39"),
                new MountEntry("/mnt/plain", "fuse", "sshfs#host:", "0:40")), entries);
        assertTrue(entries.get(1).isFuse());
        assertTrue(entries.get(2).isFuse());
        assertFalse(entries.get(0).isFuse());
    }

    /** systemd's x-systemd.automount mounts autofs there first, and starts the real mount on the first access. */
    @Test
    void anAutomountPointIsWhereTheMountGoesNotAMountInTheWay() {
        List<MountEntry> entries = MountPoints.parse("""
                51 27 0:45 / /mnt/vhdx rw,relatime shared:30 - autofs systemd-1 rw,fd=55,pgrp=1,timeout=0,direct
                """);
        assertTrue(entries.get(0).isAutomountPoint());
        assertFalse(entries.get(0).isFuse());
        assertFalse(new MountEntry("/mnt/x", "fuse.vhdx-mount", "/i.vhdx", "0:50").isAutomountPoint());
        assertFalse(new MountEntry("/proc", "proc", "proc", "0:21").isAutomountPoint());
    }

    @Test
    void theStaleMessageSaysHowToClearIt() {
        String message = MountPoints.staleMessage(Path.of("/mnt/x"));
        assertTrue(message.contains("Transport endpoint is not connected"), message);
        assertTrue(message.contains("fusermount -u /mnt/x"), message);
        assertTrue(message.contains("--clear-stale"), message);
    }

    @Test
    void aPathWithSpacesIsQuotedInTheCommandsSuggested() {
        String message = MountPoints.staleMessage(Path.of("/tmp/sp ace/m p"));
        assertTrue(message.contains("clear it with \"fusermount -u '/tmp/sp ace/m p'\" (or \"umount -l '/tmp/sp ace/m p'\""
                + " as root)"), message);
        MountFailure missing = assertThrows(MountFailure.class, () -> MountPoints.check(dir.resolve("it's gone"),
                false));
        assertTrue(missing.getMessage().endsWith("(create it first: \"mkdir -p '" + dir + "/it'\\''s gone'\")"),
                missing.getMessage());
    }
}
