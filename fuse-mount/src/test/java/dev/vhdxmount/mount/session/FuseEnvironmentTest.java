package dev.vhdxmount.mount.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.function.Function;

import org.junit.jupiter.api.Test;

import dev.vhdxmount.mount.fuse.UnsupportedLibfuse;

/** Which binding serves, for each combination of libraries present, missing or of an unknown release. */
class FuseEnvironmentTest {
    private static final UnsupportedLibfuse NEWER = new UnsupportedLibfuse(
            "libfuse 3.19.0 is newer than the newest libfuse 3 this vhdx-mount knows (3.18), and its structures are"
                    + " not guessed at");
    private static final Throwable MISSING = new UnsatisfiedLinkError("could not load library");

    private static Function<FuseBinding, Throwable> probes(Throwable libfuse3, Throwable libfuse2) {
        Map<FuseBinding, Throwable> failures = new java.util.EnumMap<>(FuseBinding.class);
        if (libfuse3 != null) {
            failures.put(FuseBinding.LIBFUSE3, libfuse3);
        }
        if (libfuse2 != null) {
            failures.put(FuseBinding.LIBFUSE2, libfuse2);
        }
        return failures::get;
    }

    @Test
    void libfuse3IsPreferredAndLibfuse2ServesWhereItIsMissing() throws Exception {
        assertEquals(FuseBinding.LIBFUSE3, FuseEnvironment.chooseBinding(null, probes(null, null)));
        assertEquals(FuseBinding.LIBFUSE2, FuseEnvironment.chooseBinding(null, probes(MISSING, null)));
        assertEquals(FuseBinding.LIBFUSE2, FuseEnvironment.chooseBinding(FuseBinding.LIBFUSE2, probes(null, null)));
    }

    @Test
    void aLibfuse3OfAnUnknownReleaseIsPassedOverForLibfuse2() throws Exception {
        assertEquals(FuseBinding.LIBFUSE2, FuseEnvironment.chooseBinding(null, probes(NEWER, null)));
    }

    @Test
    void anUnknownLibfuse3WithoutLibfuse2IsRefusedNamingBothFixes() {
        MountFailure e = assertThrows(MountFailure.class, () -> FuseEnvironment.chooseBinding(null, probes(NEWER, MISSING)));
        assertEquals(MountFailure.Kind.FUSE_UNAVAILABLE, e.kind());
        assertTrue(e.getMessage().startsWith(NEWER.getMessage() + ", and libfuse 2 cannot be loaded: install libfuse 2"
                + " (Debian/Ubuntu: apt-get install libfuse2"), e.getMessage());
        assertTrue(e.getMessage().contains("or use a vhdx-mount release that knows this libfuse 3"), e.getMessage());
    }

    @Test
    void anUnknownLibfuse3AskedForIsRefusedPointingAtLibfuse2() {
        MountFailure e = assertThrows(MountFailure.class,
                () -> FuseEnvironment.chooseBinding(FuseBinding.LIBFUSE3, probes(NEWER, null)));
        assertEquals(MountFailure.Kind.FUSE_UNAVAILABLE, e.kind());
        assertEquals(NEWER.getMessage() + ": serve through libfuse 2 (libfuse.so.2) instead (--libfuse 2), or use a"
                + " vhdx-mount release that knows it", e.getMessage());
    }

    @Test
    void aMissingLibraryAskedForSaysHowToInstallIt() {
        MountFailure e = assertThrows(MountFailure.class,
                () -> FuseEnvironment.chooseBinding(FuseBinding.LIBFUSE3, probes(MISSING, null)));
        assertTrue(e.getMessage().startsWith("libfuse 3 (libfuse3.so.4 or .so.3) cannot be loaded: install it (Debian/Ubuntu:"
                + " apt-get install fuse3"), e.getMessage());
        MountFailure neither = assertThrows(MountFailure.class,
                () -> FuseEnvironment.chooseBinding(null, probes(MISSING, MISSING)));
        assertTrue(neither.getMessage().startsWith("neither libfuse 3 nor libfuse 2 can be loaded"),
                neither.getMessage());
    }
}
