package dev.vhdxmount.mount.fuse.libfuse3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import dev.vhdxmount.mount.fuse.UnsupportedLibfuse;

/** Which layout each libfuse 3 release gets, from the release string the library reports. */
class Fuse3AbiTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "3.10.3, V3_10", "3.10.5, V3_10", // Debian 11, Ubuntu 22.04
        "3.11.0, V3_11", "3.14.0, V3_11", "3.14, V3_11", // Debian 12, Ubuntu 24.04
        "3.14.1, V3_14_1", "3.15.1, V3_14_1", "3.16.2, V3_14_1", // Fedora 40-42, Alpine 3.21
        "3.17.1-rc1, V3_17", "3.17.2, V3_17", "3.17.4, V3_17", "3.18.2, V3_17"})
    void eachReleaseGetsTheLayoutItsHeadersHave(String release, Fuse3Abi expected) throws Exception {
        assertEquals(expected, Fuse3Abi.of(Fuse3Abi.Release.parse(release)));
    }

    @Test
    void theLayoutsDifferWhereTheHeadersDo() {
        assertEquals(40, Fuse3Abi.V3_14_1.bufSizeof);
        assertEquals(48, Fuse3Abi.V3_17.bufSizeof, "3.17 added mem_size to struct fuse_buf");
        assertEquals(1 << 7, Fuse3Abi.V3_11.fiNoflush);
        assertEquals(1 << 8, Fuse3Abi.V3_14_1.fiNoflush, "parallel_direct_writes moved noflush up");
        assertEquals(1 << 7, Fuse3Abi.V3_17.fiNoflush);
        assertEquals(0, Fuse3Abi.V3_10.fiNoflush, "no noflush before 3.11");
        assertTrue(Fuse3Abi.V3_17.versionedSessionNew());
        assertFalse(Fuse3Abi.V3_14_1.versionedSessionNew());
    }

    @ParameterizedTest
    @ValueSource(strings = {"3.19.0", "3.100.1", "4.0.0"})
    void aNewerReleaseIsNotGuessedAt(String release) {
        UnsupportedLibfuse e = assertThrows(UnsupportedLibfuse.class,
                () -> Fuse3Abi.of(Fuse3Abi.Release.parse(release)));
        assertEquals("libfuse " + release + " is newer than the newest libfuse 3 this vhdx-mount knows (3.18), and"
                + " its structures are not guessed at", e.getMessage());
    }

    @Test
    void anOlderReleaseIsRefusedToo() {
        UnsupportedLibfuse e = assertThrows(UnsupportedLibfuse.class,
                () -> Fuse3Abi.of(Fuse3Abi.Release.parse("3.9.4")));
        assertEquals("libfuse 3.9.4 is older than the oldest libfuse 3 this vhdx-mount knows (3.10)", e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "three", "3", "3.x.1", "1234.1.1"})
    void aReleaseThatIsNoVersionNumberIsRefused(String release) {
        UnsupportedLibfuse e = assertThrows(UnsupportedLibfuse.class, () -> Fuse3Abi.Release.parse(release));
        assertTrue(e.getMessage().contains("'" + release + "', which is not a version number"), e.getMessage());
    }
}
