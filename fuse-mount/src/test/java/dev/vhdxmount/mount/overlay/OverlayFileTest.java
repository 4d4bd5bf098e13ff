package dev.vhdxmount.mount.overlay;

import static dev.vhdxmount.vhdx.testkit.Sizes.KIB;
import static dev.vhdxmount.vhdx.testkit.Sizes.MIB;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.vhdxmount.mount.fuse.FakeDisk;
import dev.vhdxmount.vhdx.VhdxImage;
import dev.vhdxmount.vhdx.VirtualDisk;
import dev.vhdxmount.vhdx.io.FileOpener;
import dev.vhdxmount.vhdx.testkit.Hashes;
import dev.vhdxmount.vhdx.testkit.VhdxBuilder;

/**
 * The files: the image under the overlay is opened read-only and never changes, whatever is written; the overlay's
 * own file is nowhere in its folder from the moment the disk exists, is the owner's alone, and is closed (so freed)
 * with the disk; a full file system is an {@link OverlayFullException}.
 */
class OverlayFileTest {
    private static final int O_ACCMODE = 3;

    @TempDir
    Path tmp;

    @Test
    void theImageIsOpenedReadOnlyAndNeverWritten() throws IOException {
        VhdxBuilder b = VhdxBuilder.dynamic(8L * MIB).blockSize(MIB);
        b.write(MIB + 512, VhdxBuilder.pattern(300 * KIB, 1));
        Path image = b.build(tmp.resolve("base.vhdx")).path();
        FileTime longAgo = FileTime.from(Instant.parse("2020-01-02T03:04:05Z"));
        Files.setLastModifiedTime(image, longAgo);
        String hash = Hashes.sha256(image);
        byte[] original = b.expected().read(0, 8 * MIB);
        Path folder = Files.createDirectory(tmp.resolve("overlay"));

        try (VirtualDisk base = VhdxImage.open(image)) {
            List<Integer> descriptors = descriptorsOf(image.toString());
            assertFalse(descriptors.isEmpty(), "the image is open");
            for (int fd : descriptors) {
                assertEquals(0, accessMode(fd), "descriptor " + fd + " of the image is O_RDONLY");
            }
            byte[] model = original.clone();
            try (OverlayDisk disk = OverlayDisk.create(base, folder, OverlayDisk.UNBOUNDED, FileOpener.DEFAULT)) {
                SplittableRandom random = new SplittableRandom(5);
                for (int i = 0; i < 200; i++) {
                    int length = 1 + random.nextInt(200 * KIB);
                    long offset = random.nextLong(8L * MIB - length + 1);
                    byte[] data = new byte[length];
                    random.nextBytes(data);
                    disk.write(offset, ByteBuffer.wrap(data));
                    System.arraycopy(data, 0, model, (int) offset, length);
                }
                byte[] last = new byte[64 * KIB];
                disk.write(8L * MIB - last.length, ByteBuffer.wrap(last));
                System.arraycopy(last, 0, model, 8 * MIB - last.length, last.length);
                disk.flush();
                ByteBuffer all = ByteBuffer.allocate(8 * MIB);
                disk.read(0, all);
                assertArrayEquals(model, all.array(), "the overlay has the writes");
                assertEquals(descriptors, descriptorsOf(image.toString()), "the image was not opened again");
            }
            ByteBuffer all = ByteBuffer.allocate(8 * MIB);
            base.read(0, all);
            assertArrayEquals(original, all.array(), "the base disk reads as before");
        }
        assertEquals(hash, Hashes.sha256(image), "the image's bytes");
        assertEquals(longAgo, Files.getLastModifiedTime(image), "the image's mtime");
    }

    @Test
    void theOverlayFileIsUnlinkedAtOnceAndClosedWithTheDisk() throws IOException {
        Path folder = Files.createDirectory(tmp.resolve("overlay"));
        OverlayDisk disk = OverlayDisk.create(new FakeDisk(4L * MIB, 512), folder, OverlayDisk.UNBOUNDED,
                FileOpener.DEFAULT);
        try (disk) {
            Path file = disk.overlayFile();
            assertEquals(folder, file.getParent());
            assertTrue(file.getFileName().toString().startsWith("vhdx-mount-overlay-"), file.toString());
            assertEquals(List.of(), list(folder), "nothing in the folder once the disk exists");

            List<Integer> open = descriptorsOf(file.toString());
            assertEquals(2, open.size(), "open to write and to read: " + open);
            for (int fd : open) {
                assertTrue(Files.readSymbolicLink(fd(fd)).toString().endsWith(" (deleted)"), "unlinked");
                assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(fd(fd))));
            }
            disk.write(100, ByteBuffer.wrap(new byte[3 * KIB]));
            disk.flush();
            assertEquals(OverlayDisk.CHUNK_SIZE, disk.bytesInUse());
            assertEquals(List.of(), list(folder), "nor after a write");
        }
        assertEquals(List.of(), descriptorsOf(disk.overlayFile().toString()), "closed with the disk");
        assertThrows(IOException.class, () -> disk.write(0, ByteBuffer.wrap(new byte[1])), "closed");
        assertEquals(List.of(), list(folder));
    }

    @Test
    void aFullFileSystemIsAnOverlayFull() throws IOException {
        Path full = Path.of("/dev/full");
        Assumptions.assumeTrue(Files.isWritable(full), "no /dev/full");
        IOException noSpace;
        try (FileChannel channel = FileChannel.open(full, StandardOpenOption.WRITE)) {
            noSpace = assertThrows(IOException.class, () -> channel.write(ByteBuffer.allocate(10), 0),
                    "a write to /dev/full fails: ENOSPC, in the words the JDK gives");
        }
        IOException mapped = OverlayFile.asOverlayFull(noSpace, "writing");
        assertInstanceOf(OverlayFullException.class, mapped);
        assertSame(noSpace, mapped.getCause());

        assertTrue(OverlayFile.outOfSpace(new IOException("Disk quota exceeded")), "EDQUOT");
        assertTrue(OverlayFile.outOfSpace(new FileSystemException("/tmp/x", null, "No space left on device")));
        assertTrue(OverlayFile.outOfSpace(new IOException("writing failed", noSpace)), "as a cause");
        IOException other = new IOException("Input/output error");
        assertFalse(OverlayFile.outOfSpace(other));
        assertSame(other, OverlayFile.asOverlayFull(other, "writing"), "other failures stay as they are");
    }

    private static List<Path> list(Path folder) throws IOException {
        try (Stream<Path> entries = Files.list(folder)) {
            return entries.toList();
        }
    }

    /** The descriptors of this process that refer to {@code path} (unlinked or not). */
    private static List<Integer> descriptorsOf(String path) throws IOException {
        List<Integer> found = new ArrayList<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : fds.toList()) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.equals(path) || target.equals(path + " (deleted)")) {
                        found.add(Integer.parseInt(fd.getFileName().toString()));
                    }
                } catch (IOException gone) {
                    // closed meanwhile (the listing's own descriptor)
                }
            }
        }
        found.sort(null);
        return found;
    }

    private static Path fd(int fd) {
        return Path.of("/proc/self/fd/" + fd);
    }

    /** O_RDONLY (0), O_WRONLY or O_RDWR, from the flags (octal) in /proc/self/fdinfo. */
    private static int accessMode(int fd) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/fdinfo/" + fd))) {
            if (line.startsWith("flags:")) {
                return Integer.parseInt(line.substring("flags:".length()).trim(), 8) & O_ACCMODE;
            }
        }
        throw new AssertionError("no flags in /proc/self/fdinfo/" + fd);
    }
}
