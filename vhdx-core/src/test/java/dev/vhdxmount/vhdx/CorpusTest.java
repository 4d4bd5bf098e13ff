package dev.vhdxmount.vhdx;

import dev.vhdxmount.vhdx.error.VhdxFormatException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vhdxmount.vhdx.testkit.Corpus;
import dev.vhdxmount.vhdx.testkit.Hashes;
import dev.vhdxmount.vhdx.testkit.LocatedReader;
import dev.vhdxmount.vhdx.testkit.Slow;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every image of testdata/corpus (written by Windows): the whole disk hashes to the manifest, or is refused. */
class CorpusTest {
    @TempDir
    Path tmp;

    /**
     * Hashing a whole disk takes about 1.5 s per GiB: disks up to 1 GiB are hashed in every run, the 10 GiB ones
     * when the slow tests run. A refused image is only sampled, whatever its size.
     */
    private static boolean quick(Corpus.Image image) {
        return !image.mustOpen() || image.virtualSize() <= 1L << 30;
    }

    static List<Corpus.Image> images() {
        return Corpus.images().stream().filter(CorpusTest::quick).toList();
    }

    static List<Corpus.Image> largeImages() {
        return Corpus.images().stream().filter(i -> !quick(i)).toList();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("images")
    void readsOrRefusesAsTheManifestSays(Corpus.Image image) throws Exception {
        check(image);
    }

    @Slow
    @ParameterizedTest(name = "{0}")
    @MethodSource("largeImages")
    void largeImagesReadOrAreRefusedAsTheManifestSays(Corpus.Image image) throws Exception {
        check(image);
    }

    private void check(Corpus.Image image) throws Exception {
        Path file = Corpus.decompress(image, tmp);
        if (image.mustOpen()) {
            try (VirtualDisk disk = VhdxImage.open(file)) {
                assertEquals(image.virtualSize(), disk.size(), "virtual size");
                assertEquals(image.rawSha256(), Hashes.sha256(disk), "SHA-256 of the whole virtual disk");
                LocatedReader located = new LocatedReader(disk);
                assertEquals(-1, located.firstDifferenceFromRead(), "located reads give the same bytes");
                assertTrue(located.fileBytes() > 0, "data handed out as file ranges");
            }
        } else {
            VhdxFormatException e = assertThrows(VhdxFormatException.class, () -> VhdxImage.open(file).close());
            assertTrue(e.getMessage().contains("0x"), "the message says where: " + e.getMessage());
            salvage(file);
        }
    }

    /** A refused (truncated) image opens with salvage on; reads past the end fail, the rest still read. */
    private static void salvage(Path file) throws Exception {
        try (VirtualDisk disk = VhdxImage.open(file, OpenOptions.DEFAULTS.withAllowTruncated(true))) {
            int failed = 0;
            int read = 0;
            LocatedReader located = new LocatedReader(disk);
            for (long offset = 0; offset < disk.size(); offset += disk.size() / 64) {
                try {
                    assertEquals(4096, disk.read(offset, java.nio.ByteBuffer.allocate(4096)));
                    read++;
                } catch (VhdxFormatException.Truncated e) {
                    assertTrue(e.getMessage().contains("past the end of the file at 0x"), e.getMessage());
                    failed++;
                    // what lies past the end is never handed out as a file range: read() refuses it the same way
                    long at = offset;
                    assertThrows(VhdxFormatException.Truncated.class,
                            () -> located.read(at, java.nio.ByteBuffer.allocate(4096)));
                }
            }
            assertTrue(failed > 0, "some reads need data past the end");
            assertTrue(read > 0, "reads of blocks that are not allocated still work");
        }
    }
}
