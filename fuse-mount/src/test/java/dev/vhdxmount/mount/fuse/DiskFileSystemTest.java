package dev.vhdxmount.mount.fuse;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.attribute.FileTime;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.vhdxmount.mount.fuse.DiskFileSystem.FileError;
import jnr.constants.platform.Errno;
import jnr.constants.platform.OpenFlags;

/** The model both bindings serve: what each node is, which calls succeed, and what every other one answers. */
class DiskFileSystemTest {
    private static final long SIZE = 3 * 1024 * 1024 + 1234;
    private static final ImageTimes TIMES = new ImageTimes(FileTime.fromMillis(1_700_000_100_000L),
            FileTime.fromMillis(1_700_000_000_123L), FileTime.fromMillis(1_700_000_200_000L));
    private static final DiskFileSystem FS = DiskFileSystem.of(new FakeDisk(SIZE, 512), TIMES,
            new Ownership(1000, 1001, 0));
    private static final long DISK = DiskFileSystem.ROOT + 1;

    private static int errno(Executable call) {
        return assertThrows(FileError.class, call).errno();
    }

    @Test
    void theRootHoldsDiskRawOfTheVirtualSize() throws FileError {
        assertEquals(List.of("disk.raw"), FS.files().stream().map(DiskFileSystem.File::name).toList());
        assertEquals(DISK, FS.lookup(DiskFileSystem.ROOT, "disk.raw").inode());
        assertEquals(DISK, FS.inodeOf("/disk.raw"));
        assertEquals(DiskFileSystem.ROOT, FS.inodeOf("/"));
        DiskFileSystem.Attributes root = FS.attributes(DiskFileSystem.ROOT);
        assertEquals(DiskFileSystem.S_IFDIR | 0555, root.mode());
        assertEquals(2, root.links());
        assertTrue(root.isDirectory());
        DiskFileSystem.Attributes disk = FS.attributes(DISK);
        assertEquals(DiskFileSystem.S_IFREG | 0444, disk.mode());
        assertFalse(disk.isDirectory());
        assertEquals(SIZE, disk.size());
        assertEquals((SIZE + 511) / 512, disk.blocks());
        assertEquals(1, disk.links());
        assertEquals(1000, disk.uid());
        assertEquals(1001, disk.gid());
        assertEquals(TIMES.mtime(), disk.mtime());
        assertEquals(TIMES.atime(), root.atime());
        assertEquals(TIMES.ctime(), disk.ctime());
    }

    @Test
    void nothingElseExists() {
        int enoent = Errno.ENOENT.intValue();
        assertEquals(enoent, errno(() -> FS.lookup(DiskFileSystem.ROOT, "other")));
        assertEquals(enoent, errno(() -> FS.inodeOf("/other")));
        assertEquals(enoent, errno(() -> FS.inodeOf("disk.raw")));
        assertEquals(enoent, errno(() -> FS.inodeOf(null)));
        assertEquals(enoent, errno(() -> FS.attributes(99)));
        assertEquals(enoent, errno(() -> FS.attributes(0)));
        assertEquals(Errno.ENOTDIR.intValue(), errno(() -> FS.lookup(DISK, "x")));
        assertEquals(enoent, errno(() -> FS.inodeOf("/disk.raw/x")), "no file has a slash in its name");
        assertEquals(enoent, errno(() -> FS.lookup(99, "x")));
    }

    @Test
    void ownershipAndUmaskFromTheOptions() throws FileError {
        DiskFileSystem fs = DiskFileSystem.of(new FakeDisk(SIZE, 512), TIMES,
                MountOptions.parse("img", List.of("uid=7,gid=8", "umask=027")).ownership(new Ownership(0, 0, 0)));
        assertEquals(DiskFileSystem.S_IFREG | 0440, fs.attributes(DISK).mode());
        assertEquals(DiskFileSystem.S_IFDIR | 0550, fs.attributes(DiskFileSystem.ROOT).mode());
        assertEquals(7, fs.attributes(DISK).uid());
        assertEquals(8, fs.attributes(DiskFileSystem.ROOT).gid());
    }

    @Test
    void filesOpenForReadingOnly() throws FileError {
        FS.open(DISK, OpenFlags.O_RDONLY.intValue());
        int erofs = Errno.EROFS.intValue();
        assertEquals(erofs, errno(() -> FS.open(DISK, OpenFlags.O_WRONLY.intValue())));
        assertEquals(erofs, errno(() -> FS.open(DISK, OpenFlags.O_RDWR.intValue())));
        assertEquals(erofs, errno(() -> FS.open(DISK, OpenFlags.O_RDONLY.intValue() | OpenFlags.O_TRUNC.intValue())));
        assertEquals(Errno.EISDIR.intValue(), errno(() -> FS.open(DiskFileSystem.ROOT, 0)));
        assertEquals(Errno.ENOENT.intValue(), errno(() -> FS.open(99, 0)));
        FS.openDirectory(DiskFileSystem.ROOT);
        assertEquals(Errno.ENOTDIR.intValue(), errno(() -> FS.openDirectory(DISK)));
    }

    @Test
    void accessAllowsReadingAndListingOnly() throws FileError {
        FS.access(DISK, 4);
        FS.access(DiskFileSystem.ROOT, 4 | 1);
        assertEquals(Errno.EROFS.intValue(), errno(() -> FS.access(DISK, 2)));
        assertEquals(Errno.EACCES.intValue(), errno(() -> FS.access(DISK, 1)));
        assertEquals(Errno.ENOENT.intValue(), errno(() -> FS.access(99, 4)));
    }

    @Test
    void theListingResumesWhereItWasCut() throws FileError {
        List<DiskFileSystem.DirectoryEntry> all = FS.list(DiskFileSystem.ROOT, 0);
        assertEquals(List.of(".", "..", "disk.raw"), all.stream().map(DiskFileSystem.DirectoryEntry::name).toList());
        assertEquals(List.of(1L, 2L, 3L), all.stream().map(DiskFileSystem.DirectoryEntry::next).toList());
        assertEquals(DISK, all.get(2).inode());
        assertEquals(all.subList(2, 3), FS.list(DiskFileSystem.ROOT, 2));
        assertEquals(List.of(), FS.list(DiskFileSystem.ROOT, 3));
        assertEquals(Errno.ENOTDIR.intValue(), errno(() -> FS.list(DISK, 0)));
    }

    /** offset, size, the length the read gets: cut only at the end of the file. */
    @ParameterizedTest
    @CsvSource({"0,4096,4096", "3146961,1,1", "3146961,4096,1", "3146962,4096,0", "3146962,0,0", "9999999,4096,0",
            "5,0,0", "0,9999999999,3146962"})
    void readsAreCutAtTheEndOfTheFileOnly(long offset, long size, int length) throws FileError {
        DiskFileSystem.Read read = FS.read(DISK, offset, size);
        assertEquals(offset, read.offset());
        assertEquals(length, read.length());
    }

    @Test
    void readsOfAnythingElse() {
        assertEquals(Errno.EISDIR.intValue(), errno(() -> FS.read(DiskFileSystem.ROOT, 0, 16)));
        assertEquals(Errno.ENOENT.intValue(), errno(() -> FS.read(99, 0, 16)));
        assertEquals(Errno.EINVAL.intValue(), errno(() -> FS.read(DISK, -1, 16)));
        assertEquals(Errno.EINVAL.intValue(), errno(() -> FS.read(DISK, 0, -16)));
    }

    @Test
    void readFullyGathersShortReadsAndRefusesAReaderThatStops() throws Exception {
        DiskFileSystem.Read read = new DiskFileSystem.Read(new FakeDisk(SIZE, 512).maxChunk(1000), 12345, 70_000);
        ByteBuffer dst = ByteBuffer.allocate(70_010).position(10);
        DiskFileSystem.readFully(read, dst);
        assertEquals(70_010, dst.position());
        byte[] want = new byte[70_000];
        for (int i = 0; i < want.length; i++) {
            want[i] = FakeDisk.byteAt(12345 + i);
        }
        byte[] got = new byte[70_000];
        dst.get(10, got);
        assertArrayEquals(want, got);
        IOException e = assertThrows(IOException.class, () -> DiskFileSystem.readFully(
                new DiskFileSystem.Read(new FakeDisk(SIZE, 512).stall(), 0, 4096), ByteBuffer.allocate(4096)));
        assertTrue(e.getMessage().contains("returned no data at offset 0 before its end"), e.getMessage());
    }

    @Test
    void aFailedReadAnswersEio() {
        assertEquals(Errno.EIO.intValue(), FS.readFailed(new IOException("disk gone"), "disk.raw", 4096, 0));
        assertEquals(Errno.EIO.intValue(), FS.readFailed(new IllegalStateException("a bug"), "disk.raw", 4096, 0));
    }

    @Test
    void statisticsCountBlocksOfTheFilesAndTheNodes() {
        assertEquals(new DiskFileSystem.Statistics((SIZE + 4095) / 4096, 2), FS.statistics());
    }
}
