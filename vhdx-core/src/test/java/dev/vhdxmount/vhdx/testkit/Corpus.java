package dev.vhdxmount.vhdx.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * The corpus of third-party images ({@code testdata/corpus} in the checkout, described by its MANIFEST.tsv and
 * README.md): finds it and decompresses an image into a sparse temporary file. The corpus itself is never modified.
 */
public final class Corpus {

    /** One MANIFEST.tsv row. */
    public record Image(String file, boolean mustOpen, long virtualSize, String rawSha256, String notes) {
        public String name() {
            return file.replace(".vhdx.gz", "").replace('/', '-');
        }

        @Override
        public String toString() {
            return file;
        }
    }

    private Corpus() {}

    /**
     * The corpus folder: the {@code vhdx.corpus} system property if set (another corpus laid out the same way), else
     * {@code testdata/corpus} of the checkout. Either must hold a MANIFEST.tsv: a property naming a missing folder
     * fails rather than quietly testing the checkout's corpus instead of the one asked for.
     */
    public static Path root() {
        String configured = System.getProperty("vhdx.corpus");
        Path root = configured != null ? Path.of(configured) : Checkout.root().resolve("testdata/corpus");
        if (!Files.isRegularFile(root.resolve("MANIFEST.tsv"))) {
            throw new IllegalStateException("corpus not found: no MANIFEST.tsv in " + root.toAbsolutePath()
                    + (configured != null ? " (-Dvhdx.corpus)" : " (testdata/corpus of the checkout)"));
        }
        return root;
    }

    public static List<Image> images() {
        try {
            List<Image> images = new ArrayList<>();
            for (String line : Files.readAllLines(root().resolve("MANIFEST.tsv"))) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                String[] f = line.split("\t");
                images.add(new Image(f[0], f[1].equals("ok"), Long.parseLong(f[2]), f[3], f.length > 4 ? f[4] : ""));
            }
            if (images.isEmpty()) {
                throw new IllegalStateException("MANIFEST.tsv lists no images");
            }
            return images;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Decompresses {@code image} into {@code dir} as a sparse file (zero runs are skipped, not written). */
    public static Path decompress(Image image, Path dir) throws IOException {
        return decompress(image.file(), dir.resolve(image.name() + ".vhdx"));
    }

    /** Decompresses the corpus file {@code file} (a MANIFEST.tsv path) into the sparse file {@code out}. */
    public static Path decompress(String file, Path out) throws IOException {
        try (InputStream in = new GZIPInputStream(Files.newInputStream(root().resolve(file)), 1 << 16);
                FileChannel ch = FileChannel.open(out, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            byte[] buf = new byte[1 << 16];
            long position = 0;
            int n;
            while ((n = in.readNBytes(buf, 0, buf.length)) > 0) {
                if (!allZero(buf, n)) {
                    ch.write(ByteBuffer.wrap(buf, 0, n), position);
                }
                position += n;
            }
            ch.truncate(position);
            if (ch.size() < position) {
                ch.write(ByteBuffer.allocate(1), position - 1);
            }
        }
        return out;
    }

    private static boolean allZero(byte[] b, int n) {
        for (int i = 0; i < n; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return true;
    }
}
