package dev.vhdxmount.mount;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every image of the shared corpus (images made by Windows and others) through the mount: an {@code ok} image must
 * hash to its {@code raw_sha256} through disk.raw; a {@code reject} image must be refused with one clear line.
 */
@Timeout(900)
class CorpusIT {
    static final Path CORPUS = Path.of(System.getProperty("vhdx.corpus", "../../shared/corpus"));

    /** One MANIFEST.tsv line. */
    record Entry(String file, String expect, long virtualSize, String rawSha256) {
        @Override
        public String toString() {
            return file + " (" + expect + ")";
        }
    }

    static List<Entry> manifest() throws IOException {
        Path manifest = CORPUS.resolve("MANIFEST.tsv");
        if (!Files.exists(manifest)) {
            // in CI the corpus is beside the checkout; elsewhere it may not be
            return List.of(new Entry("(no corpus at " + CORPUS.toAbsolutePath() + ")", "missing", 0, "-"));
        }
        try (Stream<String> lines = Files.lines(manifest)) {
            return lines.filter(l -> !l.isBlank() && !l.startsWith("#")).map(l -> l.split("\t"))
                    .map(f -> new Entry(f[0], f[1], Long.parseLong(f[2]), f[3])).toList();
        }
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

    @ParameterizedTest(name = "{0}")
    @MethodSource("manifest")
    void throughTheMount(Entry entry) throws Exception {
        if (entry.expect().equals("missing")) {
            Assumptions.assumeTrue(System.getenv("CI") == null, "the shared corpus must be there in CI: " + entry);
            Assumptions.abort("no shared corpus here: " + entry);
        }
        Path image = gunzipSparse(CORPUS.resolve(entry.file()), dir.resolve("image.vhdx"));
        MountIt.Result r = MountIt.cli(image.toString(), mnt.toString());
        if (entry.expect().equals("reject")) {
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
        assertEquals(entry.rawSha256(), MountIt.sha256(diskRaw), entry.file());
        MountIt.shOk("fusermount -u '" + mnt + "'");
        MountIt.awaitGone(mnt);
    }

    /** Decompresses a .gz image into a sparse file: runs of zeros become holes, as the images mostly are. */
    static Path gunzipSparse(Path gz, Path target) throws IOException {
        try (InputStream in = new GZIPInputStream(Files.newInputStream(gz), 1 << 16);
                FileChannel out = FileChannel.open(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            byte[] chunk = new byte[1 << 16];
            long position = 0;
            for (int n; (n = in.readNBytes(chunk, 0, chunk.length)) > 0; position += n) {
                if (!isZero(chunk, n)) {
                    out.write(ByteBuffer.wrap(chunk, 0, n), position);
                }
            }
            if (out.size() < position) {
                out.write(ByteBuffer.allocate(1), position - 1); // the length, with a hole before it
            }
        }
        return target;
    }

    private static boolean isZero(byte[] bytes, int length) {
        for (int i = 0; i < length; i++) {
            if (bytes[i] != 0) {
                return false;
            }
        }
        return true;
    }
}
