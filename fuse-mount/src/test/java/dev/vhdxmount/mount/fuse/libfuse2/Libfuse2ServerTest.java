package dev.vhdxmount.mount.fuse.libfuse2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.vhdxmount.mount.fuse.DiskFileSystem;
import dev.vhdxmount.mount.fuse.FakeDisk;
import dev.vhdxmount.mount.fuse.ImageTimes;
import dev.vhdxmount.mount.fuse.MountOptions;
import dev.vhdxmount.mount.fuse.Ownership;
import dev.vhdxmount.mount.overlay.OverlayDisk;
import dev.vhdxmount.vhdx.error.VhdxFormatException;
import dev.vhdxmount.vhdx.io.FileOpener;
import jnr.constants.platform.OpenFlags;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import ru.serce.jnrfuse.ErrorCodes;
import ru.serce.jnrfuse.FuseFillDir;
import ru.serce.jnrfuse.flags.AccessConstants;
import ru.serce.jnrfuse.struct.FileStat;
import ru.serce.jnrfuse.struct.FuseFileInfo;
import ru.serce.jnrfuse.struct.Statvfs;

/** The FUSE adapter against a fake disk, calling the callbacks as libfuse would, without the kernel. */
class Libfuse2ServerTest {
    private static final Runtime RUNTIME = Runtime.getSystemRuntime();
    private static final long SIZE = 3 * 1024 * 1024 + 1234; // not a multiple of anything the kernel asks for
    private static final FileTime MTIME = FileTime.fromMillis(1_700_000_000_123L);
    private static final ImageTimes TIMES = new ImageTimes(FileTime.fromMillis(1_700_000_100_000L), MTIME,
            FileTime.fromMillis(1_700_000_200_000L));

    private static Libfuse2Server fs(FakeDisk disk) {
        return new Libfuse2Server(DiskFileSystem.of(disk, TIMES, new Ownership(1000, 1001, 0)));
    }

    private static final Libfuse2Server FS = fs(new FakeDisk(SIZE, 512));

    private static FileStat stat() {
        return FileStat.of(Memory.allocateDirect(RUNTIME, 512, true));
    }

    private static FuseFileInfo fileInfo(int flags) {
        FuseFileInfo fi = FuseFileInfo.of(Memory.allocateDirect(RUNTIME, 128, true));
        fi.flags.set(flags);
        return fi;
    }

    @Test
    void rootIsAReadOnlyDirectory() {
        FileStat stat = stat();
        assertEquals(0, FS.getattr("/", stat));
        assertEquals(FileStat.S_IFDIR | 0555, stat.st_mode.intValue());
        assertEquals(1000, stat.st_uid.intValue());
        assertEquals(1001, stat.st_gid.intValue());
    }

    @Test
    void diskRawIsAReadOnlyFileOfTheVirtualSizeWithTheImagesTimes() {
        FileStat stat = stat();
        assertEquals(0, FS.getattr("/disk.raw", stat));
        assertEquals(FileStat.S_IFREG | 0444, stat.st_mode.intValue());
        assertEquals(SIZE, stat.st_size.longValue());
        assertEquals(1, stat.st_nlink.intValue());
        assertEquals(MTIME.toMillis() / 1000, stat.st_mtim.tv_sec.longValue());
        assertEquals((MTIME.toMillis() % 1000) * 1_000_000, stat.st_mtim.tv_nsec.longValue());
        assertEquals(1_700_000_100L, stat.st_atim.tv_sec.longValue());
        assertEquals(1_700_000_200L, stat.st_ctim.tv_sec.longValue());
    }

    @Test
    void anythingElseDoesNotExist() {
        assertEquals(-ErrorCodes.ENOENT(), FS.getattr("/other", stat()));
        assertEquals(-ErrorCodes.ENOENT(), FS.getattr("/disk.raw/x", stat()));
        assertEquals(-ErrorCodes.ENOENT(), FS.open("/other", fileInfo(OpenFlags.O_RDONLY.intValue())));
        assertEquals(-ErrorCodes.ENOENT(), FS.opendir("/other", fileInfo(0)));
        assertEquals(-ErrorCodes.ENOENT(), FS.access("/other", AccessConstants.R_OK));
    }

    @Test
    void listingTheRootShowsExactlyDiskRaw() {
        List<String> names = new ArrayList<>();
        FuseFillDir filler = (buf, name, stbuf, off) -> {
            byte[] bytes = new byte[name.remaining()];
            name.get(bytes);
            String s = new String(bytes, StandardCharsets.UTF_8);
            assertTrue(s.endsWith("\0"), "names are NUL-terminated for libfuse");
            names.add(s.substring(0, s.length() - 1));
            return 0;
        };
        assertEquals(0, FS.opendir("/", fileInfo(0)));
        assertEquals(0, FS.readdir("/", null, filler, 0, fileInfo(0)));
        assertEquals(List.of(".", "..", "disk.raw"), names);
        assertEquals(-ErrorCodes.ENOTDIR(), FS.readdir("/disk.raw", null, filler, 0, fileInfo(0)));
        assertEquals(-ErrorCodes.ENOTDIR(), FS.opendir("/disk.raw", fileInfo(0)));
    }

    @Test
    void openingForReadingWorksAndForWritingIsReadOnly() {
        assertEquals(0, FS.open("/disk.raw", fileInfo(OpenFlags.O_RDONLY.intValue())));
        assertEquals(-ErrorCodes.EROFS(), FS.open("/disk.raw", fileInfo(OpenFlags.O_WRONLY.intValue())));
        assertEquals(-ErrorCodes.EROFS(), FS.open("/disk.raw", fileInfo(OpenFlags.O_RDWR.intValue())));
        assertEquals(-ErrorCodes.EROFS(),
                FS.open("/disk.raw", fileInfo(OpenFlags.O_RDONLY.intValue() | OpenFlags.O_TRUNC.intValue())));
        assertEquals(-ErrorCodes.EISDIR(), FS.open("/", fileInfo(OpenFlags.O_RDONLY.intValue())));
    }

    @Test
    void accessAllowsReadingOnly() {
        assertEquals(0, FS.access("/disk.raw", AccessConstants.R_OK));
        assertEquals(0, FS.access("/", AccessConstants.R_OK | AccessConstants.X_OK));
        assertEquals(-ErrorCodes.EROFS(), FS.access("/disk.raw", AccessConstants.W_OK));
        assertEquals(-ErrorCodes.EACCES(), FS.access("/disk.raw", AccessConstants.X_OK));
    }

    /**
     * Nothing that makes, removes or renames nodes, or changes modes and owners, is implemented, so jnr-fuse does not
     * register it: libfuse answers ENOSYS. Writes, truncate, flush and fsync are, for a writable mount.
     */
    @Test
    void noOperationThatChangesTheTreeIsImplemented() {
        for (String op : List.of("create", "mknod", "mkdir", "unlink", "rmdir", "symlink", "link", "rename", "chmod",
                "chown", "setxattr", "removexattr", "fallocate")) {
            assertTrue(Arrays.stream(Libfuse2Server.class.getDeclaredMethods()).noneMatch(m -> m.getName()
                    .equals(op)), op + " is not implemented");
        }
    }

    @Test
    void libfuse2GetsItsOwnWordsForTheOptions() {
        MountOptions options = MountOptions.parse("/images/a,b.vhdx", List.of("allow_other,nonempty", "debug"));
        assertEquals(List.of("vhdx-mount", "-f", "-s", "-o", "kernel_cache", "-o", "attr_timeout=0", "-o", "ro",
                "-o", "default_permissions", "-o", "subtype=vhdx-mount", "-o", "fsname=/images/a\\,b.vhdx", "-o",
                "allow_other", "-o", "debug", "-o", "nonempty", "/mnt"), Libfuse2Server.arguments(Path.of("/mnt"),
                options));
    }

    @Test
    void aWritableMountIsRwWithDirectIoAndBigWritesInsteadOfKernelCache() {
        MountOptions options = MountOptions.parse("/images/a.vhdx", List.of("overlay"));
        assertEquals(List.of("vhdx-mount", "-f", "-s", "-o", "direct_io,big_writes", "-o", "attr_timeout=0", "-o",
                "rw", "-o", "default_permissions", "-o", "subtype=vhdx-mount", "-o", "fsname=/images/a.vhdx", "/mnt"),
                Libfuse2Server.arguments(Path.of("/mnt"), options));
    }

    @Test
    void aWritableMountTakesWritesTheSameSizeFlushAndFsync(@TempDir Path tmp) throws Exception {
        try (OverlayDisk overlay = OverlayDisk.create(new FakeDisk(SIZE, 512), tmp, 2L * OverlayDisk.CHUNK_SIZE,
                FileOpener.DEFAULT)) {
            Libfuse2Server fs = new Libfuse2Server(DiskFileSystem.of(overlay, TIMES, new Ownership(1000, 1001, 0)));
            assertEquals(0, fs.open("/disk.raw", fileInfo(OpenFlags.O_RDWR.intValue())));
            Pointer data = Memory.allocateDirect(RUNTIME, 5000, true);
            for (int i = 0; i < 5000; i++) {
                data.putByte(i, (byte) 0x5a);
            }
            assertEquals(5000, fs.write("/disk.raw", data, 5000, 100, fileInfo(0)));
            Pointer heap = Memory.allocate(RUNTIME, 10);
            heap.put(0, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 0, 10);
            assertEquals(10, fs.write("/disk.raw", heap, 10, 20000, fileInfo(0)), "a buffer not direct");
            Pointer buf = Memory.allocateDirect(RUNTIME, 5200, true);
            assertEquals(5200, fs.read("/disk.raw", buf, 5200, 0, fileInfo(0)));
            for (int i = 0; i < 5200; i++) {
                assertEquals(i >= 100 && i < 5100 ? 0x5a : FakeDisk.byteAt(i), buf.getByte(i), "byte " + i);
            }
            assertEquals(-ErrorCodes.EFBIG(), fs.write("/disk.raw", data, 5000, SIZE - 10, fileInfo(0)));
            assertEquals(10, fs.write("/disk.raw", data, 10, 5L * OverlayDisk.CHUNK_SIZE, fileInfo(0)));
            assertEquals(-ErrorCodes.ENOSPC(), fs.write("/disk.raw", data, 10, 7L * OverlayDisk.CHUNK_SIZE,
                    fileInfo(0)), "past the bound of two chunks");
            assertEquals(0, fs.truncate("/disk.raw", SIZE));
            assertEquals(-ErrorCodes.EINVAL(), fs.truncate("/disk.raw", 0));
            assertEquals(-ErrorCodes.EFBIG(), fs.ftruncate("/disk.raw", SIZE + 1, fileInfo(0)));
            assertEquals(0, fs.flush("/disk.raw", fileInfo(0)));
            assertEquals(0, fs.fsync("/disk.raw", 1, fileInfo(0)));
            assertEquals(0, fs.access("/disk.raw", AccessConstants.W_OK));
            FileStat stat = stat();
            assertEquals(0, fs.getattr("/disk.raw", stat));
            assertEquals(FileStat.S_IFREG | 0644, stat.st_mode.intValue());
            Statvfs st = Statvfs.of(Memory.allocateDirect(RUNTIME, 256, true));
            assertEquals(0, fs.statfs("/", st));
            assertEquals(0, st.f_flag.longValue() & Statvfs.ST_RDONLY);
        }
    }

    @Test
    void aReadOnlyMountRefusesWritesAndTruncateWithErofs() {
        Pointer data = Memory.allocateDirect(RUNTIME, 10, true);
        assertEquals(-ErrorCodes.EROFS(), FS.write("/disk.raw", data, 10, 0, fileInfo(0)));
        assertEquals(-ErrorCodes.EROFS(), FS.truncate("/disk.raw", SIZE));
        assertEquals(0, FS.fsync("/disk.raw", 0, fileInfo(0)));
        assertEquals(-ErrorCodes.ENOENT(), FS.write("/other", data, 10, 0, fileInfo(0)));
    }

    @Test
    void statfsDescribesAFullReadOnlyFileSystem() {
        Statvfs st = Statvfs.of(Memory.allocateDirect(RUNTIME, 256, true));
        assertEquals(0, FS.statfs("/", st));
        assertEquals(4096, st.f_bsize.longValue());
        assertEquals((SIZE + 4095) / 4096, st.f_blocks.longValue());
        assertEquals(0, st.f_bfree.longValue());
        assertEquals(0, st.f_bavail.longValue());
        assertEquals(255, st.f_namemax.longValue());
    }

    /** offset, length: at the start, inside, across a 128 KiB boundary, ending exactly at, crossing and past EOF. */
    @ParameterizedTest
    @CsvSource({"0,4096", "0,131072", "12345,131072", "1,1", "131071,2", "3145728,1234", "3145000,131072",
            "3146961,1", "3146962,4096", "3146962,0", "9999999,4096"})
    void readsHonourTheOffsetAndAreShortOnlyAtTheEnd(long offset, int length) {
        for (boolean direct : new boolean[] {true, false}) {
            for (int chunk : new int[] {Integer.MAX_VALUE, 1000}) {
                Libfuse2Server fs = fs(new FakeDisk(SIZE, 512).maxChunk(chunk));
                Pointer buf = direct ? Memory.allocateDirect(RUNTIME, Math.max(length, 1), true)
                        : Memory.allocate(RUNTIME, Math.max(length, 1));
                int n = fs.read("/disk.raw", buf, length, offset, fileInfo(0));
                int expected = (int) Math.max(0, Math.min(length, SIZE - offset));
                assertEquals(expected, n, "bytes read at " + offset + " (direct " + direct + ", chunk " + chunk + ")");
                byte[] got = new byte[n];
                buf.get(0, got, 0, n);
                for (int i = 0; i < n; i++) {
                    assertEquals(FakeDisk.byteAt(offset + i), got[i], "byte at " + (offset + i));
                }
            }
        }
    }

    @Test
    void aFailingReadIsAnIoErrorAndTheNextReadStillWorks() {
        Libfuse2Server fs = fs(new FakeDisk(SIZE, 512).failFrom(1_000_000,
                new VhdxFormatException("BAT entry 3 at 0x300018: payload block past the end of the file")));
        Pointer buf = Memory.allocateDirect(RUNTIME, 131072, true);
        assertEquals(-ErrorCodes.EIO(), fs.read("/disk.raw", buf, 131072, 999_000, fileInfo(0)));
        assertEquals(131072, fs.read("/disk.raw", buf, 131072, 0, fileInfo(0)));
    }

    @Test
    void anyExceptionInARead() {
        Pointer buf = Memory.allocateDirect(RUNTIME, 4096, true);
        assertEquals(-ErrorCodes.EIO(), fs(new FakeDisk(SIZE, 512).failFrom(0, new IOException("disk gone")))
                .read("/disk.raw", buf, 4096, 0, fileInfo(0)));
        assertEquals(-ErrorCodes.EIO(), fs(new FakeDisk(SIZE, 512).failFrom(0, new IllegalStateException("bug")))
                .read("/disk.raw", buf, 4096, 0, fileInfo(0)));
    }

    @Test
    void aReaderThatStopsEarlyIsAnErrorNotAShortRead() {
        Pointer buf = Memory.allocateDirect(RUNTIME, 4096, true);
        assertEquals(-ErrorCodes.EIO(), fs(new FakeDisk(SIZE, 512).stall()).read("/disk.raw", buf, 4096, 0,
                fileInfo(0)));
    }

    @Test
    void readingSomethingElse() {
        Pointer buf = Memory.allocateDirect(RUNTIME, 16, true);
        assertEquals(-ErrorCodes.EISDIR(), FS.read("/", buf, 16, 0, fileInfo(0)));
        assertEquals(-ErrorCodes.ENOENT(), FS.read("/other", buf, 16, 0, fileInfo(0)));
        assertEquals(-ErrorCodes.EINVAL(), FS.read("/disk.raw", buf, 16, -1, fileInfo(0)));
    }

    @Test
    void anExceptionInAnyOtherCallbackIsAnIoError() {
        // a null FileStat makes getattr throw inside the callback
        assertEquals(-ErrorCodes.EIO(), FS.getattr("/disk.raw", null));
        assertEquals(-ErrorCodes.EIO(), FS.statfs("/", null));
        assertEquals(-ErrorCodes.EIO(), FS.open("/disk.raw", null));
        assertEquals(-ErrorCodes.EIO(), FS.readdir("/", null, null, 0, null));
    }
}
