package dev.vhdxmount.bench;

import dev.vhdxmount.vhdx.VhdxImage;
import dev.vhdxmount.vhdx.VirtualDisk;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The images a benchmark reads: {@code DIR/NAME.vhdx} and {@code DIR/NAME.raw}, the same virtual disk as a dynamic
 * VHDX and as a plain file. scripts/jmh.sh makes them with qemu-img and reads both into the page cache first.
 */
final class Images {
    private Images() {}

    static Path path(String dir, String name, String extension) {
        Path path = Path.of(dir.isEmpty() ? System.getProperty("vhdx.bench.dir", "/var/tmp/vhdx-bench") : dir,
                name + extension);
        if (!Files.isRegularFile(path)) {
            throw new IllegalStateException(path + " is missing: run scripts/jmh.sh, which makes the images");
        }
        return path;
    }

    static VirtualDisk vhdx(String dir, String name) throws IOException {
        return VhdxImage.open(path(dir, name, ".vhdx"));
    }

    static FileChannel raw(String dir, String name) throws IOException {
        return FileChannel.open(path(dir, name, ".raw"), StandardOpenOption.READ);
    }
}
