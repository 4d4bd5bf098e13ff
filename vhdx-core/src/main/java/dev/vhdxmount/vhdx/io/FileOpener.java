package dev.vhdxmount.vhdx.io;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Opens the files of a disk for reading: the image and, for a differencing disk, each parent it tries. The default
 * opens a {@code FileChannel}; a FUSE server that splices file ranges supplies one that also knows each file's OS
 * descriptor ({@link FileByteSource#descriptor()}).
 */
@FunctionalInterface
public interface FileOpener {
    FileOpener DEFAULT = FileByteSource::open;

    /** Opens {@code path} read-only (never for writing). */
    FileByteSource open(Path path) throws IOException;
}
