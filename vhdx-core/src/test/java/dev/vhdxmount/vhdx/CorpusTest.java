package dev.vhdxmount.vhdx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vhdxmount.vhdx.testkit.Corpus;
import dev.vhdxmount.vhdx.testkit.DiskHash;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every image of the shared corpus (written by Windows): the whole disk hashes to the manifest, or is refused. */
class CorpusTest {
    @TempDir
    Path tmp;

    static List<Corpus.Image> images() {
        return Corpus.images();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("images")
    void readsOrRefusesAsTheManifestSays(Corpus.Image image) throws Exception {
        Path file = Corpus.decompress(image, tmp);
        if (image.mustOpen()) {
            try (VhdxDisk disk = VhdxImage.open(file)) {
                assertEquals(image.virtualSize(), disk.size(), "virtual size");
                assertEquals(image.rawSha256(), DiskHash.sha256(disk), "SHA-256 of the whole virtual disk");
            }
        } else {
            VhdxFormatException e = assertThrows(VhdxFormatException.class, () -> VhdxImage.open(file).close());
            assertTrue(e.getMessage().contains("0x"), "the message says where: " + e.getMessage());
        }
    }
}
