package dev.vhdxmount.mount;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import dev.vhdxmount.mount.cli.ExitCode;
import dev.vhdxmount.vhdx.testkit.Corpus;
import dev.vhdxmount.vhdx.testkit.Hashes;

/**
 * Every image of the corpus (testdata/corpus: images made by Windows and others) through the mount: an {@code ok}
 * image must hash to its {@code raw_sha256} through disk.raw; a {@code reject} image must be refused with one clear
 * line.
 */
@Timeout(900)
class CorpusIT {
    /** Every image through each FUSE binding. */
    static Stream<Arguments> manifest() {
        return Corpus.images().stream().flatMap(image -> Stream.of("3", "2").map(v -> Arguments.of(image, v)));
    }

    @TempDir
    Path dir;
    Path mnt;

    @BeforeEach
    void setUp() throws IOException {
        MountIt.assumeFuse();
        mnt = Files.createDirectory(dir.resolve("mnt"));
    }

    @AfterEach
    void tearDown() {
        if (mnt != null) {
            MountIt.cleanUp(dir, mnt);
        }
    }

    @ParameterizedTest(name = "{0}, libfuse {1}")
    @MethodSource("manifest")
    void throughTheMount(Corpus.Image entry, String libfuse) throws Exception {
        Path image = Corpus.decompress(entry.file(), dir.resolve("image.vhdx"));
        MountIt.Result r = MountIt.cli("--libfuse", libfuse, image.toString(), mnt.toString());
        if (!entry.mustOpen()) {
            r.expect(ExitCode.CORRUPT_IMAGE);
            List<String> lines = r.stderr().lines().toList();
            assertEquals(1, lines.size(), r.stderr());
            assertTrue(lines.get(0).startsWith("vhdx-mount: ") && lines.get(0).length() > 40, lines.get(0));
            assertFalse(MountIt.isMounted(mnt));
            return;
        }
        r.expect(ExitCode.OK);
        Path diskRaw = mnt.resolve("disk.raw");
        assertEquals(entry.virtualSize(), Files.size(diskRaw));
        assertEquals(entry.rawSha256(), Hashes.sha256(diskRaw), entry.file());
        MountIt.shOk("fusermount -u '" + mnt + "'");
        MountIt.awaitGone(mnt);
    }
}
