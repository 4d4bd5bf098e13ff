package dev.vhdxmount.mount.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The -o options, checked up front, the same whichever library serves. */
class MountOptionsTest {

    @Test
    void theSupportedOptionsInAnyGrouping() {
        MountOptions o = MountOptions.parse("/img.vhdx", List.of("allow_other,nonempty", "debug,,uid=1000",
                "gid=100,umask=027,ro,default_permissions,kernel_cache,"));
        assertTrue(o.allowOther());
        assertFalse(o.allowRoot());
        assertTrue(o.nonEmpty());
        assertTrue(o.debug());
        assertEquals(OptionalInt.of(1000), o.uid());
        assertEquals(OptionalInt.of(100), o.gid());
        assertEquals(027, o.umask());
        assertEquals(new Ownership(1000, 100, 027), o.ownership(new Ownership(0, 0, 0)));
        MountOptions none = MountOptions.parse("/img.vhdx", List.of());
        assertEquals(new Ownership(5, 6, 0), none.ownership(new Ownership(5, 6, 0)), "the user who mounts");
    }

    @ParameterizedTest(name = "-o {0}")
    @CsvSource(delimiter = '|', value = {
        "loop|-o loop: not an option vhdx-mount takes (it takes " + MountOptions.SUPPORTED + ")",
        "allow_other,offset=512|-o offset=512: not an option vhdx-mount takes",
        "rw|-o rw: the mount is read-only (the image is never written) unless it has an overlay (-o overlay, or"
                + " --overlay): say ro",
        "overlay,ro|-o ro: the mount of an overlay is writable: leave ro out (or say rw)",
        "overlay_max|-o overlay_max: needs a size (overlay_max=SIZE)",
        "overlay=|-o overlay=: needs a path (overlay=PATH)",
        "ro,rw|-o rw: the mount is read-only",
        "nofail=1|-o nofail=1: takes no value",
        "parent=|-o parent=: needs a path (parent=PATH)",
        "log_file|-o log_file: needs a path (log_file=PATH)",
        "readahead=lots|-o readahead=lots: needs a number",
        "threads=0|-o threads=0: not 1 to 256",
        "threads=257|-o threads=257: not 1 to 256",
        "timeout=-1|-o timeout=-1: needs a number",
        "partitions=yes|-o partitions=yes: takes no value",
        "xsystemd.automount|-o xsystemd.automount: not an option vhdx-mount takes",
        "uid=me|-o uid=me: needs a number",
        "uid=-1|-o uid=-1: needs a number",
        "umask=9|-o umask=9: needs an octal number",
        "umask=1000|-o umask=1000: not 0 to 0777",
        "debug=1|-o debug=1: takes no value"})
    void anythingElseIsRefusedNamingIt(String option, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MountOptions.parse("/img.vhdx", List.of(option)));
        assertTrue(e.getMessage().startsWith(message), e.getMessage());
    }

    /** What mount.fuse3 passes for fstab lines and mount -o (it adds dev,suid unless told nodev,nosuid). */
    @ParameterizedTest(name = "-o {0}")
    @CsvSource(delimiter = '|', value = {
        "ro,dev,suid",
        "ro,allow_other,dev,suid",
        "ro,nodev,nosuid,noexec,allow_other",
        "ro,exec,dev,suid"})
    void whatMountFuse3PassesIsTaken(String options) {
        MountOptions o = MountOptions.parse("/img.vhdx", List.of(options));
        assertEquals(options.contains("allow_other"), o.allowOther());
        assertEquals(options.contains("noexec"), o.noExec());
        assertEquals(options.contains("noexec"), o.libfuseOptions().contains("noexec"));
        assertFalse(o.libfuseOptions().contains("dev") || o.libfuseOptions().contains("suid"),
                "always nodev,nosuid: " + o.libfuseOptions());
    }

    /** Options for mount(8), systemd and mount.fuse3: taken and left to them, whichever way they come. */
    @Test
    void theOptionsOfMountSystemdAndFstabChangeNothing() {
        MountOptions plain = MountOptions.parse("/img.vhdx", List.of("ro"));
        MountOptions fstab = MountOptions.parse("/img.vhdx", List.of("ro,defaults,auto,noauto,user,nouser,users,nofail",
                "_netdev,x-systemd.automount,x-systemd.idle-timeout=60,x-mount.mkdir=0755,nodev,nosuid,exec"));
        assertEquals(plain, fstab);
        assertEquals(plain.libfuseOptions(), fstab.libfuseOptions());
    }

    /** The command's own options in -o form: an fstab line has no other place for them. */
    @Test
    void theCommandsOwnOptionsInOForm() {
        MountOptions o = MountOptions.parse("/img.vhdx", List.of("ro,parent=/i/base.vhdx,readahead=1024",
                "parent=mid.vhdx,log_file=/var/log/v.log,threads=4,timeout=0,threads=8,partitions"));
        assertEquals(List.of(Path.of("/i/base.vhdx"), Path.of("mid.vhdx")), o.parents(), "in the order given");
        assertEquals(Optional.of(Path.of("/var/log/v.log")), o.logFile());
        assertEquals(OptionalInt.of(1024), o.readahead());
        assertEquals(8, o.threads(), "the later one, as mount(8) takes it");
        assertEquals(Duration.ZERO, o.timeout());
        assertTrue(o.partitions());
        assertEquals(Set.of("parent", "log_file", "readahead", "threads", "timeout", "partitions"), o.given());
        MountOptions none = MountOptions.parse("/img.vhdx", List.of("ro"));
        assertEquals(List.of(), none.parents());
        assertEquals(Optional.empty(), none.logFile());
        assertEquals(OptionalInt.empty(), none.readahead());
        assertEquals(MountOptions.DEFAULT_THREADS, none.threads());
        assertEquals(MountOptions.DEFAULT_TIMEOUT, none.timeout());
        assertFalse(none.partitions());
        assertEquals(Set.of(), none.given());
        assertFalse(o.libfuseOptions().stream().anyMatch(option -> option.startsWith("parent")
                || option.startsWith("threads") || option.startsWith("partitions")), "never for libfuse");
    }

    /** An fstab line's overlay: rw (what mount passes unless told ro) fits it, and libfuse mounts rw. */
    @Test
    void anOverlayInOFormIsWritable() {
        MountOptions o = MountOptions.parse("/img.vhdx", List.of("rw,overlay=/var/tmp/o,overlay_max=2G,nofail"));
        assertTrue(o.overlay());
        assertEquals(Optional.of(Path.of("/var/tmp/o")), o.overlayFolder());
        assertEquals(Optional.of("2G"), o.overlayMax());
        assertEquals(Set.of("overlay", "overlay_max"), o.given());
        assertEquals("rw", o.libfuseOptions().get(0));
        MountOptions bare = MountOptions.parse("/img.vhdx", List.of("overlay"));
        assertTrue(bare.overlay());
        assertEquals(Optional.empty(), bare.overlayFolder(), "the default folder");
        MountOptions command = MountOptions.parse("/img.vhdx", List.of("rw,dev,suid"), true);
        assertTrue(command.overlay(), "--overlay makes rw fit");
        assertEquals("ro", MountOptions.parse("/img.vhdx", List.of()).libfuseOptions().get(0));
        assertEquals(List.of("allow_other"), MountOptions.withoutCommandOptions(List.of("overlay=/x,overlay_max=1G",
                "allow_other")));
    }

    @Test
    void aProcessGivenTheCommandsOwnOptionsAsOptionsGetsTheRestInO() {
        assertEquals(List.of("ro,allow_other,x-systemd.automount"), MountOptions.withoutCommandOptions(
                List.of("ro,parent=a.vhdx,allow_other", "log_file=l,readahead=0,threads=2,timeout=9",
                        "partitions,,x-systemd.automount")));
        assertEquals(List.of(), MountOptions.withoutCommandOptions(List.of("parent=a.vhdx", "")));
    }

    @Test
    void libfuseGetsReadOnlyTheSourceEscapedAndTheUsersChoices() {
        assertEquals(List.of("ro", "default_permissions", "subtype=vhdx-mount", "fsname=/images/a\\,b\\\\c.vhdx",
                "allow_other", "allow_root", "debug"), MountOptions.parse("/images/a,b\\c.vhdx",
                        List.of("allow_root,allow_other,debug,nonempty")).libfuseOptions());
    }
}
