package dev.vhdxmount.vhdx;

import java.io.IOException;
import java.nio.file.Path;

/** The one entry point: opens a VHDX file read-only and returns its virtual disk. */
public final class VhdxImage {
    private VhdxImage() {}

    public static VirtualDisk open(Path path) throws IOException {
        return open(path, OpenOptions.DEFAULTS);
    }

    public static VirtualDisk open(Path path, OpenOptions options) throws IOException {
        throw new VhdxFormatException.Unsupported("not implemented yet: " + path);
    }
}
