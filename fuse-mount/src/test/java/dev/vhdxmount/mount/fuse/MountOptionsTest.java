package dev.vhdxmount.mount.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.OptionalInt;

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
        "rw|-o rw: the mount is read-only (the image is never written)",
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

    @Test
    void libfuseGetsReadOnlyTheSourceEscapedAndTheUsersChoices() {
        assertEquals(List.of("ro", "default_permissions", "subtype=vhdx", "fsname=/images/a\\,b\\\\c.vhdx",
                "allow_other", "allow_root", "debug"), MountOptions.parse("/images/a,b\\c.vhdx",
                        List.of("allow_root,allow_other,debug,nonempty")).libfuseOptions());
    }
}
