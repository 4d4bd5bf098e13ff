package dev.vhdxmount.mount.fuse.libfuse3;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.vhdxmount.mount.os.LibC;
import dev.vhdxmount.vhdx.io.FileByteSource;
import dev.vhdxmount.vhdx.io.FileOpener;
import jnr.constants.platform.Errno;
import jnr.constants.platform.OpenFlags;
import jnr.ffi.LastError;

/**
 * Opens the image files so that libfuse can splice from them: {@code open(2)} read-only gives the descriptor, and
 * the core reads through a channel over {@code /proc/self/fd/N}, the same open file, so both see one file whatever
 * happens to its path. Without /proc the file is opened the ordinary way, and its reads are copied instead.
 */
final class DescriptorOpener implements FileOpener {
    private static final Logger log = LoggerFactory.getLogger(DescriptorOpener.class);
    private static final int FLAGS = OpenFlags.O_RDONLY.intValue() | OpenFlags.O_CLOEXEC.intValue()
            | OpenFlags.O_NOCTTY.intValue();

    private final LibC libc = LibC.load();

    @Override
    public FileByteSource open(Path path) throws IOException {
        int fd = libc.open(path.toString(), FLAGS, 0);
        if (fd < 0) {
            throw failure(path, LastError.getLastError(jnr.ffi.Runtime.getRuntime(libc)));
        }
        FileChannel channel;
        try {
            channel = FileChannel.open(Path.of("/proc/self/fd/" + fd), StandardOpenOption.READ);
        } catch (IOException | RuntimeException e) {
            libc.close(fd);
            log.debug("{}: no channel over /proc/self/fd/{} ({}): its reads are copied, not spliced", path, fd,
                    e.toString());
            return FileByteSource.open(path);
        }
        return FileByteSource.of(path, channel, fd, () -> libc.close(fd));
    }

    /** The JDK's exception for what open(2) said, as FileChannel.open would have thrown it. */
    private static IOException failure(Path path, int errno) {
        if (errno == Errno.ENOENT.intValue()) {
            return new NoSuchFileException(path.toString());
        }
        if (errno == Errno.EACCES.intValue() || errno == Errno.EPERM.intValue()) {
            return new AccessDeniedException(path.toString());
        }
        return new FileSystemException(path.toString(), null, Errno.valueOf(errno).description());
    }
}
