package dev.vhdxmount.vhdx.fuzz;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * A valid image the fuzzer starts from: one file, or a differencing chain (top first) whose files sit together in
 * {@code dir} under the names their parent locators use. Each file comes with its {@link ImageMap}.
 */
record SeedImage(String name, Path dir, List<File> files) {

    /** One file of the seed. */
    record File(String fileName, ImageMap map, BitSet nonZeroChunks) {}

    SeedImage {
        files = List.copyOf(files);
    }

    /** Reads a seed directory written by {@link SeedImages}: {@code chain.txt} lists the files, top first. */
    static SeedImage load(Path dir) throws IOException {
        List<File> files = new ArrayList<>();
        for (String line : Files.readAllLines(dir.resolve("chain.txt"))) {
            if (!line.isBlank()) {
                Path p = dir.resolve(line.trim());
                files.add(new File(line.trim(), ImageMap.of(p), WorkingFile.nonZeroChunks(p)));
            }
        }
        return new SeedImage(dir.getFileName().toString(), dir, files);
    }

    File top() {
        return files.get(0);
    }
}
