package dev.vhdxmount.mount.fuse.libfuse3;

import static dev.vhdxmount.mount.fuse.libfuse3.Fuse3Layout.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import com.kenai.jffi.MemoryIO;

import dev.vhdxmount.mount.fuse.DiskFileSystem;
import dev.vhdxmount.mount.fuse.FakeDisk;
import dev.vhdxmount.mount.fuse.ImageTimes;
import dev.vhdxmount.mount.fuse.MountOptions;
import dev.vhdxmount.mount.fuse.Ownership;
import dev.vhdxmount.mount.overlay.OverlayDisk;
import dev.vhdxmount.vhdx.io.FileOpener;
import jnr.constants.platform.Errno;
import jnr.constants.platform.OpenFlags;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

/**
 * libfuse 3's callbacks without the kernel: each is called as libfuse would call it, and a stand-in libfuse records
 * the one reply it sends (decoding the structures the binding filled in), for every call the model answers, and for
 * what it refuses.
 */
class Libfuse3ServerTest {
    private static final MemoryIO MEMORY = MemoryIO.getInstance();
    private static final Runtime RUNTIME = Runtime.getSystemRuntime();
    private static final long SIZE = 3 * 1024 * 1024 + 1234;
    private static final FileTime MTIME = FileTime.fromMillis(1_700_000_000_123L);
    private static final long ROOT = DiskFileSystem.ROOT;
    private static final long DISK = ROOT + 1;

    /** One reply: what libfuse was asked to send, and its decoded content. */
    record Reply(String call, long req, Object value) {}

    /** The attributes a reply carried, read back from its struct stat. */
    record Stat(long ino, int mode, long nlink, long size, long blocks, int uid, int gid, long blksize,
            long mtimeSeconds, long mtimeNanos) {}

    private final List<Reply> replies = new ArrayList<>();
    private final List<Pointer> memory = new ArrayList<>();
    private String release = "3.14.0";
    private FakeDisk disk = new FakeDisk(SIZE, 512);
    private Libfuse3Server server;
    private DiskFileSystem fs;
    /** The attribute timeout of the last entry or attr reply. */
    private double attributesValidFor;

    @AfterEach
    void reset() {
        replies.clear();
    }

    private Libfuse3Server server() throws Exception {
        fs = DiskFileSystem.of(disk, new ImageTimes(MTIME, MTIME, MTIME), new Ownership(1000, 1001, 0));
        server = new Libfuse3Server(fakeFuse(), fs, null);
        return server;
    }

    private static Stat stat(long st) {
        return new Stat(MEMORY.getLong(st + STAT_INO), MEMORY.getInt(st + STAT_MODE), MEMORY.getLong(st + STAT_NLINK),
                MEMORY.getLong(st + STAT_SIZE), MEMORY.getLong(st + STAT_BLOCKS), MEMORY.getInt(st + STAT_UID),
                MEMORY.getInt(st + STAT_GID), MEMORY.getLong(st + STAT_BLKSIZE), MEMORY.getLong(st + STAT_MTIME),
                MEMORY.getLong(st + STAT_MTIME + TIMESPEC_NSEC));
    }

    /** libfuse, as far as the callbacks use it: each reply is recorded, decoded. */
    private Fuse3Library fakeFuse() {
        return (Fuse3Library) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Fuse3Library.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "fuse_pkgversion" -> release;
                    case "fuse_reply_err" -> record("err", args, args[1]);
                    case "fuse_reply_none" -> record("none", args, null);
                    case "fuse_reply_entry" -> {
                        long e = (long) args[1];
                        assertEquals(DiskFileSystem.CACHE_SECONDS, MEMORY.getDouble(e + ENTRY_ENTRY_TIMEOUT));
                        attributesValidFor = MEMORY.getDouble(e + ENTRY_ATTR_TIMEOUT);
                        assertEquals(MEMORY.getLong(e + ENTRY_INO), stat(e + ENTRY_ATTR).ino());
                        yield record("entry", args, stat(e + ENTRY_ATTR));
                    }
                    case "fuse_reply_attr" -> {
                        attributesValidFor = (double) args[2];
                        yield record("attr", args, stat((long) args[1]));
                    }
                    case "fuse_reply_lseek" -> record("lseek", args, args[1]);
                    case "fuse_reply_write" -> record("write", args, args[1]);
                    case "fuse_reply_open" -> record("open", args, MEMORY.getInt((long) args[1] + FI_BITS));
                    case "fuse_reply_buf" -> {
                        byte[] b = new byte[(int) (long) args[2]];
                        MEMORY.getByteArray((long) args[1], b, 0, b.length);
                        yield record("buf", args, b);
                    }
                    case "fuse_reply_statfs" -> {
                        long v = (long) args[1];
                        yield record("statfs", args, List.of(MEMORY.getLong(v + STATVFS_BSIZE),
                                MEMORY.getLong(v + STATVFS_BLOCKS), MEMORY.getLong(v + STATVFS_FILES),
                                MEMORY.getLong(v + STATVFS_FLAG), MEMORY.getLong(v + STATVFS_NAMEMAX)));
                    }
                    case "fuse_add_direntry" -> addDirectoryEntry((long) args[1], (long) args[2], (String) args[3],
                            (long) args[4], (long) args[5]);
                    default -> throw new AssertionError("a callback called " + method.getName());
                });
    }

    private int record(String call, Object[] args, Object value) {
        replies.add(new Reply(call, (long) args[0], value));
        return 0;
    }

    /** What libfuse's fuse_add_direntry does: a struct fuse_dirent, 8-byte aligned, if it fits. */
    private static long addDirectoryEntry(long buf, long room, String name, long stat, long next) {
        byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
        long size = (24 + bytes.length + 7) & ~7L;
        if (size <= room) {
            MEMORY.putLong(buf, MEMORY.getLong(stat + STAT_INO));
            MEMORY.putLong(buf + 8, next);
            MEMORY.putInt(buf + 16, bytes.length);
            MEMORY.putInt(buf + 20, MEMORY.getInt(stat + STAT_MODE) >>> 12);
            MEMORY.putByteArray(buf + 24, bytes, 0, bytes.length);
        }
        return size;
    }

    /** Names and resume offsets of a readdir reply's entries. */
    private static List<String> entries(byte[] reply) {
        List<String> out = new ArrayList<>();
        for (int at = 0; at < reply.length; ) {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(reply).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            long ino = b.getLong(at);
            long next = b.getLong(at + 8);
            int length = b.getInt(at + 16);
            out.add(new String(reply, at + 24, length, StandardCharsets.UTF_8) + " " + ino + " " + next);
            at += (24 + length + 7) & ~7;
        }
        return out;
    }

    private Reply only() {
        assertEquals(1, replies.size(), "one reply: " + replies);
        Reply r = replies.get(0);
        replies.clear();
        return r;
    }

    private long fileInfo(int flags) {
        Pointer fi = Memory.allocateDirect(RUNTIME, 64, true);
        memory.add(fi);
        fi.putInt(FI_FLAGS, flags);
        return fi.address();
    }

    private Pointer name(String name) {
        byte[] bytes = (name + '\0').getBytes(StandardCharsets.UTF_8);
        Pointer p = Memory.allocateDirect(RUNTIME, 256, true); // the callback reads up to 256 bytes, as NAME_MAX
        p.put(0, bytes, 0, bytes.length);
        memory.add(p);
        return p;
    }

    @Test
    void initAsksForSplicedRepliesAndTheReadSizeAndSaysReady() throws Exception {
        Libfuse3Server s = server();
        int[] ready = {0};
        java.lang.reflect.Field onReady = Libfuse3Server.class.getDeclaredField("onReady");
        onReady.setAccessible(true);
        onReady.set(s, (Runnable) () -> ready[0]++);
        Pointer conn = Memory.allocateDirect(RUNTIME, 256, true);
        conn.putInt(CONN_CAPABLE, CAP_SPLICE_WRITE | 1);
        conn.putInt(CONN_WANT, 1);
        s.init(0, conn.address());
        assertEquals(Libfuse3Server.MAX_READ, conn.getInt(CONN_MAX_READ));
        assertEquals(Libfuse3Server.MAX_BACKGROUND, conn.getInt(CONN_MAX_BACKGROUND), "many reads in flight");
        assertTrue(conn.getInt(CONN_CONGESTION_THRESHOLD) < Libfuse3Server.MAX_BACKGROUND);
        assertEquals(1 | CAP_SPLICE_WRITE, conn.getInt(CONN_WANT), "splice asked for, the rest kept");
        assertEquals(1, ready[0]);
        conn.putInt(CONN_CAPABLE, 0);
        conn.putInt(CONN_WANT, 0);
        s.init(0, conn.address());
        assertEquals(0, conn.getInt(CONN_WANT), "not asked for where the kernel cannot");
    }

    @Test
    void lookupAndGetattrDescribeTheRootAndDiskRaw() throws Exception {
        Libfuse3Server s = server();
        s.lookup(11, ROOT, name("disk.raw"));
        Reply entry = only();
        assertEquals("entry", entry.call());
        assertEquals(11, entry.req());
        assertEquals(new Stat(DISK, DiskFileSystem.S_IFREG | 0444, 1, SIZE, (SIZE + 511) / 512, 1000, 1001, 4096,
                1_700_000_000L, 123_000_000L), entry.value());
        assertEquals(DiskFileSystem.PROVISIONAL_SECONDS, attributesValidFor, "st_blocks not counted yet");
        s.getattr(12, ROOT, 0);
        Stat root = (Stat) only().value();
        assertEquals(DiskFileSystem.S_IFDIR | 0555, root.mode());
        assertEquals(2, root.nlink());
        assertEquals(DiskFileSystem.CACHE_SECONDS, attributesValidFor);
        s.getattr(13, DISK, 0);
        assertEquals(entry.value(), only().value());
        fs.countAllocatedBlocks();
        s.getattr(14, DISK, 0);
        assertEquals(entry.value(), only().value(), "every byte of the fake disk is data");
        assertEquals(DiskFileSystem.CACHE_SECONDS, attributesValidFor, "counted: trusted for a day");
    }

    @Test
    void lseekAnswersTheModelsDataAndHolesAndItsErrors() throws Exception {
        Libfuse3Server s = server();
        s.lseek(21, DISK, 4096, DiskFileSystem.SEEK_DATA, 0);
        assertEquals(new Reply("lseek", 21, 4096L), only(), "the fake disk is all data");
        s.lseek(22, DISK, 4096, DiskFileSystem.SEEK_HOLE, 0);
        assertEquals(new Reply("lseek", 22, SIZE), only(), "its only hole is its end");
        s.lseek(23, DISK, SIZE, DiskFileSystem.SEEK_DATA, 0);
        assertEquals(new Reply("err", 23, Errno.ENXIO.intValue()), only());
        s.lseek(24, ROOT, 0, DiskFileSystem.SEEK_DATA, 0);
        assertEquals(new Reply("err", 24, Errno.EISDIR.intValue()), only());
    }

    @ParameterizedTest
    @CsvSource({"1,other,ENOENT", "2,x,ENOTDIR", "9,x,ENOENT"})
    void lookupsOfAnythingElseAnswerTheirErrno(long parent, String name, String errno) throws Exception {
        server().lookup(7, parent, name(name));
        assertEquals(new Reply("err", 7, Errno.valueOf(errno).intValue()), only());
    }

    @Test
    void getattrOfAnUnknownInode() throws Exception {
        server().getattr(7, 42, 0);
        assertEquals(new Reply("err", 7, Errno.ENOENT.intValue()), only());
    }

    @Test
    void openKeepsTheCacheInTheLoadedReleasesBitsAndRefusesWriting() throws Exception {
        for (String r : new String[] {"3.14.0", "3.14.1", "3.17.2"}) {
            release = r;
            Libfuse3Server s = server();
            s.open(7, DISK, fileInfo(OpenFlags.O_RDONLY.intValue()));
            Fuse3Abi abi = Fuse3Abi.of(Fuse3Abi.Release.parse(r));
            assertEquals(new Reply("open", 7, FI_KEEP_CACHE | abi.fiNoflush), only(), "libfuse " + r);
        }
        Libfuse3Server s = server();
        for (int flags : new int[] {OpenFlags.O_WRONLY.intValue(), OpenFlags.O_RDWR.intValue(),
                OpenFlags.O_RDONLY.intValue() | OpenFlags.O_TRUNC.intValue()}) {
            s.open(7, DISK, fileInfo(flags));
            assertEquals(new Reply("err", 7, Errno.EROFS.intValue()), only());
        }
        s.open(7, ROOT, fileInfo(0));
        assertEquals(new Reply("err", 7, Errno.EISDIR.intValue()), only());
        s.opendir(8, ROOT, fileInfo(0));
        assertEquals("open", only().call());
        s.opendir(8, DISK, fileInfo(0));
        assertEquals(new Reply("err", 8, Errno.ENOTDIR.intValue()), only());
        s.release(9, DISK, fileInfo(0));
        assertEquals(new Reply("err", 9, 0), only(), "release answers success");
    }

    /** A writable mount's server: its disk.raw over an overlay of the fake disk, bounded to two chunks. */
    private Libfuse3Server writableServer(java.nio.file.Path tmp) throws Exception {
        OverlayDisk overlay = OverlayDisk.create(disk, tmp, 2L * OverlayDisk.CHUNK_SIZE, FileOpener.DEFAULT);
        fs = DiskFileSystem.of(overlay, new ImageTimes(MTIME, MTIME, MTIME), new Ownership(1000, 1001, 0));
        server = new Libfuse3Server(fakeFuse(), fs, null);
        return server;
    }

    private Pointer bytes(byte[] data) {
        Pointer p = Memory.allocateDirect(RUNTIME, Math.max(1, data.length), true);
        p.put(0, data, 0, data.length);
        memory.add(p);
        return p;
    }

    private long statOfSize(long size) {
        Pointer st = Memory.allocateDirect(RUNTIME, STAT_SIZEOF, true);
        st.putLong(STAT_SIZE, size);
        memory.add(st);
        return st.address();
    }

    @Test
    void aWritableMountTakesWritesFlushFsyncAndTheSameSizeAndServesWithoutThePageCache(@TempDir java.nio.file.Path tmp)
            throws Exception {
        Libfuse3Server s = writableServer(tmp);
        s.open(7, DISK, fileInfo(OpenFlags.O_RDWR.intValue()));
        assertEquals(new Reply("open", 7, FI_DIRECT_IO | Fuse3Abi.of(Fuse3Abi.Release.parse(release)).fiNoflush),
                only(), "direct I/O: disk.raw's pages must not outlive a write through another file");
        byte[] data = new byte[5000];
        java.util.Arrays.fill(data, (byte) 0x5a);
        s.write(8, DISK, bytes(data), data.length, 100, 0);
        assertEquals(new Reply("write", 8, 5000L), only());
        s.read(9, DISK, 5200, 0, 0);
        byte[] got = (byte[]) only().value();
        for (int i = 0; i < got.length; i++) {
            assertEquals(i >= 100 && i < 5100 ? 0x5a : FakeDisk.byteAt(i), got[i], "byte " + i);
        }
        s.write(10, DISK, bytes(data), data.length, SIZE - 10, 0);
        assertEquals(new Reply("err", 10, Errno.EFBIG.intValue()), only(), "past the end");
        s.write(11, DISK, bytes(data), 10, 5L * OverlayDisk.CHUNK_SIZE, 0);
        s.write(11, DISK, bytes(data), 10, 6L * OverlayDisk.CHUNK_SIZE, 0);
        assertEquals(new Reply("err", 11, Errno.ENOSPC.intValue()), replies.get(1), "past the bound of two chunks");
        replies.clear();
        s.setattr(12, DISK, statOfSize(SIZE), SET_ATTR_SIZE, 0);
        assertEquals(SIZE, ((Stat) only().value()).size(), "the same size: the attributes as they are");
        s.setattr(13, DISK, statOfSize(0), SET_ATTR_SIZE, 0);
        assertEquals(new Reply("err", 13, Errno.EINVAL.intValue()), only());
        s.setattr(14, DISK, statOfSize(SIZE + 1), SET_ATTR_SIZE, 0);
        assertEquals(new Reply("err", 14, Errno.EFBIG.intValue()), only());
        s.setattr(15, DISK, statOfSize(0), SET_ATTR_MODE, 0);
        assertEquals(new Reply("err", 15, Errno.EPERM.intValue()), only());
        s.flush(16, DISK, 0);
        assertEquals(new Reply("err", 16, 0), only());
        s.fsync(17, DISK, 1, 0);
        assertEquals(new Reply("err", 17, 0), only());
        s.getattr(18, DISK, 0);
        assertEquals(DiskFileSystem.S_IFREG | 0644, ((Stat) only().value()).mode());
        s.statfs(19, ROOT);
        assertEquals(ST_NOSUID | ST_NODEV, ((List<?>) only().value()).get(3), "not ST_RDONLY");
    }

    @Test
    void aReadOnlyMountRefusesWritesAndSizesWithErofs() throws Exception {
        Libfuse3Server s = server();
        s.write(7, DISK, bytes(new byte[10]), 10, 0, 0);
        assertEquals(new Reply("err", 7, Errno.EROFS.intValue()), only());
        s.setattr(8, DISK, statOfSize(SIZE), SET_ATTR_SIZE, 0);
        assertEquals(new Reply("err", 8, Errno.EROFS.intValue()), only());
        s.fsync(9, DISK, 0, 0);
        assertEquals(new Reply("err", 9, 0), only(), "nothing to make durable");
    }

    @Test
    void readdirListsInPiecesThatResume() throws Exception {
        Libfuse3Server s = server();
        s.readdir(7, ROOT, 4096, 0, 0);
        assertEquals(List.of(". 1 1", ".. 1 2", "disk.raw 2 3"), entries((byte[]) only().value()));
        s.readdir(7, ROOT, 60, 0, 0); // room for one entry of 32 bytes, not two
        List<String> first = entries((byte[]) only().value());
        assertEquals(List.of(". 1 1"), first);
        s.readdir(7, ROOT, 4096, 1, 0);
        assertEquals(List.of(".. 1 2", "disk.raw 2 3"), entries((byte[]) only().value()));
        s.readdir(7, ROOT, 4096, 3, 0);
        assertArrayEquals(new byte[0], (byte[]) only().value(), "past the end: an empty listing");
        s.readdir(7, DISK, 4096, 0, 0);
        assertEquals(new Reply("err", 7, Errno.ENOTDIR.intValue()), only());
    }

    @Test
    void readsAreCutAtTheEndAndFailuresAnswerEio() throws Exception {
        Libfuse3Server s = server();
        s.read(7, DISK, 4096, 12345, 0);
        byte[] got = (byte[]) only().value();
        assertEquals(4096, got.length);
        for (int i = 0; i < got.length; i++) {
            assertEquals(FakeDisk.byteAt(12345 + i), got[i]);
        }
        s.read(7, DISK, 4096, SIZE - 10, 0);
        assertEquals(10, ((byte[]) only().value()).length, "cut at the end of the file");
        s.read(7, DISK, 4096, SIZE, 0);
        assertEquals(0, ((byte[]) only().value()).length, "the end of the file");
        s.read(7, DISK, 4096, -1, 0);
        assertEquals(new Reply("err", 7, Errno.EINVAL.intValue()), only());
        s.read(7, ROOT, 4096, 0, 0);
        assertEquals(new Reply("err", 7, Errno.EISDIR.intValue()), only());

        disk = new FakeDisk(SIZE, 512).failFrom(2_000_000, new IOException("disk gone"));
        Libfuse3Server failing = server();
        failing.read(7, DISK, 4096, 1_999_000, 0);
        assertEquals(new Reply("err", 7, Errno.EIO.intValue()), only(), "never a short reply");
        failing.read(7, DISK, 4096, 1_000_000, 0);
        assertEquals(4096, ((byte[]) only().value()).length, "the rest still reads");
    }

    /** The same reads as the kernel sends them, answered without libfuse: the same bytes, cuts and errors. */
    @Test
    void smallReadsAreAnsweredWithoutLibfuseAndEverythingElseIsLeftToIt() throws Exception {
        Libfuse3Server s = server();
        try (KernelPipe kernel = new KernelPipe()) {
            KernelReads reads = kernel.kernelReads();
            assertTrue(s.readDirectly(reads, kernel.read(10, DISK, 12345, 4096)));
            KernelPipe.Reply r = kernel.next();
            assertEquals(10, r.unique());
            assertEquals(0, r.error());
            assertEquals(4096, r.bytes().length);
            for (int i = 0; i < r.bytes().length; i++) {
                assertEquals(FakeDisk.byteAt(12345 + i), r.bytes()[i]);
            }
            assertTrue(s.readDirectly(reads, kernel.read(12, DISK, SIZE - 10, 4096)));
            assertEquals(10, kernel.next().bytes().length, "cut at the end of the file");
            assertTrue(s.readDirectly(reads, kernel.read(14, DISK, SIZE, 4096)));
            r = kernel.next();
            assertEquals(List.of(14L, 0, 0), List.of(r.unique(), r.error(), r.bytes().length), "the end of the file");
            assertTrue(s.readDirectly(reads, kernel.read(16, DISK, -1, 4096)));
            assertEquals(-Errno.EINVAL.intValue(), kernel.next().error());
            assertTrue(s.readDirectly(reads, kernel.read(18, ROOT, 0, 4096)));
            assertEquals(-Errno.EISDIR.intValue(), kernel.next().error());

            assertFalse(s.readDirectly(reads, kernel.read(20, DISK, 0, 65536)), "a read that may be spliced");
            assertFalse(s.readDirectly(reads, kernel.request(3, 22, DISK, 0, 0, 80, 80)), "FUSE_GETATTR");
            assertTrue(kernel.empty(), "nothing answered for libfuse's requests");
            assertEquals(List.of(), replies, "and nothing through libfuse for any");

            disk = new FakeDisk(SIZE, 512).failFrom(2_000_000, new IOException("disk gone"));
            Libfuse3Server failing = server();
            assertTrue(failing.readDirectly(reads, kernel.read(24, DISK, 1_999_000, 4096)));
            r = kernel.next();
            assertEquals(List.of(24L, -Errno.EIO.intValue(), 0), List.of(r.unique(), r.error(), r.bytes().length),
                    "never a short reply");
            assertTrue(failing.readDirectly(reads, kernel.read(26, DISK, 1_000_000, 4096)));
            assertEquals(4096, kernel.next().bytes().length, "the rest still reads");
        }
    }

    @Test
    void statfsDescribesAFullReadOnlyFileSystem() throws Exception {
        server().statfs(7, ROOT);
        assertEquals(new Reply("statfs", 7, List.of(4096L, (SIZE + 4095) / 4096, 2L, ST_RDONLY | ST_NOSUID | ST_NODEV,
                255L)), only());
    }

    @Test
    void anExceptionInACallbackIsEioNotADeadMount() throws Exception {
        Libfuse3Server s = server();
        s.lookup(7, ROOT, null); // a null name makes the callback throw
        assertEquals(new Reply("err", 7, Errno.EIO.intValue()), only());
    }

    @Test
    void libfuse3GetsItsOwnWordsForTheOptions() {
        MountOptions options = MountOptions.parse("/images/a.vhdx", List.of("allow_other,nonempty"));
        assertEquals(List.of("vhdx-mount", "-o", "max_read=524288", "-o", "ro", "-o", "default_permissions", "-o",
                "subtype=vhdx-mount", "-o", "fsname=/images/a.vhdx", "-o", "allow_other"), Libfuse3Server.arguments(options),
                "nonempty is not passed: libfuse 3 refuses it");
    }
}
