package dev.vhdxmount.mount.fuse.libfuse3;

import static dev.vhdxmount.mount.fuse.libfuse3.Fuse3Layout.BUFVEC_BUF;
import static dev.vhdxmount.mount.fuse.libfuse3.Fuse3Layout.BUFVEC_COUNT;
import static dev.vhdxmount.mount.fuse.libfuse3.Fuse3Layout.BUF_FD;
import static dev.vhdxmount.mount.fuse.libfuse3.Fuse3Layout.BUF_FD_SEEK;
import static dev.vhdxmount.mount.fuse.libfuse3.Fuse3Layout.BUF_FLAGS;
import static dev.vhdxmount.mount.fuse.libfuse3.Fuse3Layout.BUF_IS_FD;
import static dev.vhdxmount.mount.fuse.libfuse3.Fuse3Layout.BUF_SIZE;
import static dev.vhdxmount.vhdx.testkit.Sizes.KIB;
import static dev.vhdxmount.vhdx.testkit.Sizes.MIB;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.RandomAccessFile;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import com.kenai.jffi.MemoryIO;

import dev.vhdxmount.mount.fuse.DiskFileSystem;
import dev.vhdxmount.mount.os.LibC;
import dev.vhdxmount.vhdx.OpenOptions;
import dev.vhdxmount.vhdx.VhdxImage;
import dev.vhdxmount.vhdx.VirtualDisk;
import dev.vhdxmount.vhdx.error.VhdxFormatException;
import dev.vhdxmount.vhdx.testkit.BuiltImage;
import dev.vhdxmount.vhdx.testkit.ExpectedDisk;
import dev.vhdxmount.vhdx.testkit.VhdxBuilder;

/**
 * Read replies without the kernel: libfuse is a fake that takes each reply as libfuse would (a buffer, or a
 * fuse_bufvec whose one buffer is the reply pipe) and reads the bytes the kernel would get; libc is the real one,
 * watched, so that each reply says how it was built (a splice from an image file, a mapping of memory). Images come
 * from the test-only builder, opened with real descriptors ({@link DescriptorOpener}).
 */
class ReadReplyTest {
    private static final MemoryIO MEMORY = MemoryIO.getInstance();
    /** Shared by every reply maker, as the server's threads share it. */
    private static final long ZEROS = ReadReply.allocateZeros();

    @TempDir
    Path tmp;

    /** One reply as the kernel would see it, and the pieces it was built from ("file N", "memory N"). */
    record Reply(String call, byte[] bytes, List<String> pieces) {}

    private final List<Reply> replies = new ArrayList<>();
    /** Times a reply handed its thread's turn to receive to another, before it might wait for the storage. */
    private final java.util.concurrent.atomic.AtomicInteger handOffs = new java.util.concurrent.atomic.AtomicInteger();
    private final List<String> pieces = new ArrayList<>();
    /** The file offsets of the bytes asked of the page cache before a splice. */
    private final List<Long> probes = new ArrayList<>();
    private final List<AutoCloseable> open = new ArrayList<>();
    private final LibC libc = LibC.load();
    /** The libfuse release whose layout the replies are built in. */
    private Fuse3Abi abi = Fuse3Abi.V3_17;
    /** The next fuse_reply_data is refused (as for an interrupted request) without reading the pipe. */
    private boolean refuseNext;

    /** What the watched libc's preadv2 with RWF_NOWAIT does: the real call, or storage that refuses or lacks it. */
    private enum PageCache { REAL, REFUSED, EMPTY }

    private PageCache pageCache = PageCache.REAL;

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
    }

    /** The fake: only the two replies a read uses; anything else is a test failure. */
    private Fuse3Library fakeFuse() {
        return (Fuse3Library) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Fuse3Library.class},
                (proxy, method, args) -> {
                    switch (method.getName()) {
                        case "fuse_reply_buf" -> {
                            byte[] b = new byte[(int) (long) args[2]];
                            MEMORY.getByteArray((long) args[1], b, 0, b.length);
                            replies.add(new Reply("buf", b, List.copyOf(pieces)));
                            return 0;
                        }
                        case "fuse_reply_data" -> {
                            if (refuseNext) {
                                refuseNext = false;
                                return -2;
                            }
                            replies.add(new Reply("data", assemble((long) args[1]), List.copyOf(pieces)));
                            return 0;
                        }
                        default -> throw new AssertionError("a read called " + method.getName());
                    }
                });
    }

    /** libc, with each splice into the pipe and each mapping of memory noted as a piece. */
    private LibC watchedLibc() {
        return (LibC) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {LibC.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("splice")) {
                        pieces.add("file " + args[4]);
                    } else if (method.getName().equals("vmsplice")) {
                        pieces.add("memory " + MEMORY.getLong((long) args[1] + 8));
                    } else if (method.getName().equals("preadv2")) {
                        long length = MEMORY.getLong((long) args[1] + 8);
                        if (length == 1) {
                            probes.add((Long) args[3]); // is this byte of a spliced piece in the page cache?
                        } else {
                            pieces.add("cached " + length);
                        }
                        if (pageCache == PageCache.REFUSED) {
                            // a flag no kernel knows: EOPNOTSUPP, as FUSE storage answers RWF_NOWAIT
                            args[4] = 0x40000000;
                        } else if (pageCache == PageCache.EMPTY) {
                            // EAGAIN from a real call, so that errno says it: an empty pipe read without waiting
                            try (ReplyPipe empty = ReplyPipe.open(libc, 4096)) {
                                assertEquals(-1L, libc.read(empty.readDescriptor(), ZEROS, 1));
                            }
                            return -1L;
                        }
                    }
                    try {
                        return method.invoke(libc, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    /** What libfuse would send for a bufvec of one pipe buffer: that many bytes read from the pipe. */
    private byte[] assemble(long bufvec) {
        assertEquals(1, MEMORY.getLong(bufvec + BUFVEC_COUNT), "one buffer: the pipe");
        long buf = bufvec + BUFVEC_BUF;
        int flags = MEMORY.getInt(buf + BUF_FLAGS);
        assertEquals(BUF_IS_FD, flags & (BUF_IS_FD | BUF_FD_SEEK), "a descriptor read from its current position");
        int size = (int) MEMORY.getLong(buf + BUF_SIZE);
        if (abi.bufSizeof > 40) {
            assertEquals(0, MEMORY.getLong(buf + 40), "3.17's mem_size: 0");
        }
        long memory = MEMORY.allocateMemory(size, false);
        try {
            int got = 0;
            while (got < size) {
                long n = libc.read(MEMORY.getInt(buf + BUF_FD), memory + got, size - got);
                assertTrue(n > 0, "the pipe holds the whole reply: " + got + " of " + size);
                got += (int) n;
            }
            byte[] bytes = new byte[size];
            MEMORY.getByteArray(memory, bytes, 0, size);
            return bytes;
        } finally {
            MEMORY.freeMemory(memory);
        }
    }

    /** Replies for reads of {@code image}'s disk, built in {@link #abi}'s layout with a watched libc. */
    private Replier replier(BuiltImage image) throws Exception {
        return replier(image, watchedLibc());
    }

    private Replier replier(BuiltImage image, LibC libc) throws Exception {
        ReadReply reads = new ReadReply(fakeFuse(), abi, libc, ZEROS, handOffs::incrementAndGet);
        open.add(reads);
        return new Replier(reads, open(image));
    }

    /** A reply maker and the disk it reads. */
    private record Replier(ReadReply reads, VirtualDisk disk) {
        int reply(long req, long offset, int length) throws Exception {
            return reads.reply(req, new DiskFileSystem.Read(disk, offset, length), r -> true);
        }
    }

    private VirtualDisk open(BuiltImage image) throws Exception {
        VirtualDisk disk = VhdxImage.open(image.path(), OpenOptions.DEFAULTS.withFileOpener(new DescriptorOpener()));
        open.add(disk);
        return disk;
    }

    private Reply reply(Replier reads, long offset, int length) throws Exception {
        replies.clear();
        pieces.clear();
        assertEquals(0, reads.reply(7, offset, length));
        assertEquals(1, replies.size(), "one reply per read");
        return replies.get(0);
    }

    @ParameterizedTest
    @EnumSource(Fuse3Abi.class)
    void dataIsSplicedFromTheImageAndNeighboursMerge(Fuse3Abi abi) throws Exception {
        this.abi = abi;
        VhdxBuilder b = VhdxBuilder.dynamic(16L * MIB).blockSize(MIB);
        b.write(0, VhdxBuilder.pattern(3 * MIB, 1)); // blocks 0-2, next to each other in the file
        b.write(5L * MIB, VhdxBuilder.pattern(MIB, 2));
        BuiltImage image = b.build(tmp.resolve("d.vhdx"));
        ExpectedDisk want = b.expected();
        Replier reads = replier(image);

        Reply inBlock = reply(reads, 4096, 128 * KIB);
        assertEquals("data", inBlock.call());
        assertEquals(List.of("file 131072"), inBlock.pieces(), "one range of the image");
        assertArrayEquals(want.read(4096, 128 * KIB), inBlock.bytes());

        assertEquals(image.layout().blockOffset(0) + MIB, image.layout().blockOffset(1), "blocks 0, 1 adjacent");
        Reply across = reply(reads, MIB - 1000, 512 * KIB);
        assertArrayEquals(want.read(MIB - 1000, 512 * KIB), across.bytes());
        assertEquals(List.of("file 524288"), across.pieces(), "two blocks, one range");

        Reply dataThenZeros = reply(reads, 3L * MIB - 1000, 1000 + 256 * KIB);
        assertArrayEquals(want.read(3L * MIB - 1000, 1000 + 256 * KIB), dataThenZeros.bytes());
        assertEquals(List.of("file 1000", "memory " + 256 * KIB), dataThenZeros.pieces());

        Reply zeros = reply(reads, 10L * MIB, 512 * KIB);
        assertEquals(List.of("memory " + 512 * KIB), zeros.pieces(), "zeros, mapped once");
        assertArrayEquals(new byte[512 * KIB], zeros.bytes());

        Reply larger = reply(reads, 0, 3 * MIB);
        assertEquals("buf", larger.call(), "larger than the pipe takes: copied");
        assertArrayEquals(want.read(0, 3 * MIB), larger.bytes());

        Reply small = reply(reads, 5L * MIB + 10, 4000);
        assertEquals("buf", small.call(), "under two pages: copied, as libfuse would");
        assertEquals(List.of("cached 4000"), small.pieces(), "read from the page cache");
        assertArrayEquals(want.read(5L * MIB + 10, 4000), small.bytes());
    }

    @Test
    void aDirtyLogsBytesAreReadHereAndTheRestSpliced() throws Exception {
        VhdxBuilder b = VhdxBuilder.dynamic(8L * MIB).blockSize(MIB);
        b.write(0, VhdxBuilder.pattern(2 * MIB, 3));
        b.log().entry().payload(MIB + 512, 4096); // the log rewrites 4 KiB of block 1
        BuiltImage image = b.build(tmp.resolve("dirty.vhdx"));
        ExpectedDisk want = b.expected();
        Replier reads = replier(image);

        Reply r = reply(reads, MIB - 4096, 64 * KIB);
        assertArrayEquals(want.read(MIB - 4096, 64 * KIB), r.bytes());
        // block 0 from the file; the piece of block 1 that the log touched is read whole, through the overlay
        assertEquals(List.of("file 4096", "memory 61440"), r.pieces());
        Reply untouched = reply(reads, 0, 64 * KIB);
        assertArrayEquals(want.read(0, 64 * KIB), untouched.bytes());
        assertEquals(List.of("file 65536"), untouched.pieces());
    }

    @Test
    void aBitmapAlternatingEverySectorIsCopiedWholeAndAChainReadsFromEachFile() throws Exception {
        VhdxBuilder base = VhdxBuilder.dynamic(8L * MIB).blockSize(MIB);
        base.write(0, VhdxBuilder.pattern(2 * MIB, 4));
        base.build(tmp.resolve("base.vhdx"));
        VhdxBuilder child = VhdxBuilder.differencing(8L * MIB).blockSize(MIB).parent(base, "base.vhdx");
        for (int sector = 0; sector < 400; sector += 2) {
            child.write(sector * 512L, VhdxBuilder.pattern(512, 100 + sector)); // every other sector
        }
        child.write(MIB + 64 * KIB, VhdxBuilder.pattern(4096, 5));
        BuiltImage image = child.build(tmp.resolve("child.vhdx"));
        ExpectedDisk want = child.expected(base.expected());
        Replier reads = replier(image);

        Reply alternating = reply(reads, 0, 128 * KIB);
        assertEquals("buf", alternating.call(), "more pieces than a reply pipe holds well: copied");
        assertArrayEquals(want.read(0, 128 * KIB), alternating.bytes());

        Reply chain = reply(reads, MIB, 128 * KIB);
        assertArrayEquals(want.read(MIB, 128 * KIB), chain.bytes());
        assertEquals(List.of("file 65536", "file 4096", "file 61440"), chain.pieces(), "parent, child, parent");

        Random random = new Random(9);
        for (int i = 0; i < 200; i++) {
            long offset = random.nextInt(8 * MIB - 1);
            int length = 1 + random.nextInt(Math.min(MIB, (int) (8L * MIB - offset)));
            assertArrayEquals(want.read(offset, length), reply(reads, offset, length).bytes(),
                    "at " + offset + " + " + length);
        }
    }

    @Test
    void aFileCutShortUnderTheMountFailsTheReadInsteadOfAShortReply() throws Exception {
        VhdxBuilder b = VhdxBuilder.dynamic(8L * MIB).blockSize(MIB);
        b.write(0, VhdxBuilder.pattern(4 * MIB, 6));
        BuiltImage image = b.build(tmp.resolve("cut.vhdx"));
        Replier reads = replier(image);
        assertArrayEquals(b.expected().read(3L * MIB, 64 * KIB), reply(reads, 3L * MIB, 64 * KIB).bytes());
        try (RandomAccessFile f = new RandomAccessFile(image.path().toFile(), "rw")) {
            f.setLength(image.layout().blockOffset(3) + 100);
        }
        replies.clear();
        VhdxFormatException.Truncated e = assertThrows(VhdxFormatException.Truncated.class,
                () -> reads.reply(7, 3L * MIB, 64 * KIB));
        assertTrue(e.getMessage().contains("payload block 3 ") && e.getMessage().contains("past the end"),
                e.getMessage());
        assertEquals(List.of(), replies, "nothing replied: the caller answers EIO");
        assertArrayEquals(b.expected().read(0, 64 * KIB), reply(reads, 0, 64 * KIB).bytes(),
                "the rest still reads, with nothing of the failed reply left in the pipe");
    }

    @Test
    void aReplyLibfuseDidNotTakeLeavesNothingBehindForTheNext() throws Exception {
        VhdxBuilder b = VhdxBuilder.dynamic(8L * MIB).blockSize(MIB);
        b.write(0, VhdxBuilder.pattern(4 * MIB, 7));
        BuiltImage image = b.build(tmp.resolve("d.vhdx"));
        Replier reads = replier(image);
        refuseNext = true;
        assertEquals(-2, reads.reply(7, MIB, 128 * KIB), "libfuse's error is returned");
        assertArrayEquals(b.expected().read(2L * MIB, 128 * KIB), reply(reads, 2L * MIB, 128 * KIB).bytes());
    }

    /** The watchdog answered the read while it waited: the reply is not sent, and nothing is left in the pipe. */
    @Test
    void aReplyThatIsNoLongerOursIsNotSent() throws Exception {
        VhdxBuilder b = VhdxBuilder.dynamic(8L * MIB).blockSize(MIB);
        b.write(0, VhdxBuilder.pattern(4 * MIB, 9));
        BuiltImage image = b.build(tmp.resolve("d.vhdx"));
        Replier reads = replier(image);
        for (int length : new int[] {4096, 128 * KIB, 3 * MIB}) { // copied, spliced, copied through its own memory
            replies.clear();
            assertEquals(0, reads.reads().reply(7, new DiskFileSystem.Read(reads.disk(), MIB, length), r -> false));
            assertEquals(List.of(), replies, "no reply of " + length + " bytes");
        }
        assertArrayEquals(b.expected().read(0, 128 * KIB), reply(reads, 0, 128 * KIB).bytes(), "the next is whole");
    }

    /**
     * A small read takes what the page cache holds without waiting, and hands its thread's turn to receive to another
     * only when the storage may make it wait: the page cache lacks a byte of it, the storage cannot say (FUSE), or the
     * core has bytes of its own in it. A spliced reply asks for both ends of each piece.
     */
    @Test
    void onlyAReadThatMayWaitForTheStorageHandsOffItsTurnToReceive() throws Exception {
        VhdxBuilder b = VhdxBuilder.dynamic(8L * MIB).blockSize(MIB);
        b.write(0, VhdxBuilder.pattern(2 * MIB, 10));
        b.log().entry().payload(MIB + 512, 4096);
        BuiltImage image = b.build(tmp.resolve("d.vhdx"));
        ExpectedDisk want = b.expected();
        Replier reads = replier(image);

        Reply cached = reply(reads, 4096 - 100, 4000);
        assertEquals(List.of("cached 4000"), cached.pieces(), "from the page cache");
        assertArrayEquals(want.read(4096 - 100, 4000), cached.bytes());
        Reply zeros = reply(reads, 6L * MIB, 4096);
        assertArrayEquals(new byte[4096], zeros.bytes());
        Reply dataThenZeros = reply(reads, 2L * MIB - 1000, 2000);
        assertArrayEquals(want.read(2L * MIB - 1000, 2000), dataThenZeros.bytes());
        assertEquals(List.of("cached 1000"), dataThenZeros.pieces(), "and zeros from memory");
        assertEquals(0, handOffs.get(), "nothing waited: no other thread woken");

        Reply logged = reply(reads, MIB + 512, 4096);
        assertArrayEquals(want.read(MIB + 512, 4096), logged.bytes());
        assertEquals(1, handOffs.getAndSet(0), "the core reads a replayed log's bytes itself");

        probes.clear();
        Reply spliced = reply(reads, 0, 64 * KIB);
        assertEquals("data", spliced.call());
        long at = image.layout().blockOffset(0);
        assertEquals(List.of(at, at + 64 * KIB - 1), probes, "both ends of the spliced piece asked of the page cache");
        assertEquals(0, handOffs.get(), "a splice from the page cache does not wait");

        pageCache = PageCache.EMPTY;
        assertArrayEquals(want.read(64 * KIB, 64 * KIB), reply(reads, 64 * KIB, 64 * KIB).bytes());
        assertEquals(1, handOffs.getAndSet(0), "a splice the page cache cannot serve whole may wait");
        Reply uncached = reply(reads, 8192, 4096);
        assertEquals("buf", uncached.call());
        assertArrayEquals(want.read(8192, 4096), uncached.bytes(), "read by the core, waiting");
        assertEquals(1, handOffs.getAndSet(0));

        pageCache = PageCache.REFUSED;
        assertArrayEquals(want.read(12288, 4096), reply(reads, 12288, 4096).bytes());
        assertEquals(1, handOffs.getAndSet(0));
        Reply again = reply(reads, 16384, 4096);
        assertArrayEquals(want.read(16384, 4096), again.bytes());
        assertEquals(List.of(), again.pieces(), "storage that refused RWF_NOWAIT is not asked again");
        assertEquals(1, handOffs.getAndSet(0));
        probes.clear();
        assertArrayEquals(want.read(0, 64 * KIB), reply(reads, 0, 64 * KIB).bytes());
        assertEquals(List.of(), probes, "nor before a splice");
        assertEquals(1, handOffs.getAndSet(0));
    }

    @Test
    void withoutAPipeEveryReplyIsCopied() throws Exception {
        VhdxBuilder b = VhdxBuilder.dynamic(8L * MIB).blockSize(MIB);
        b.write(0, VhdxBuilder.pattern(2 * MIB, 8));
        BuiltImage image = b.build(tmp.resolve("d.vhdx"));
        Replier reads = replier(image, null);
        Reply r = reply(reads, MIB - 4096, 512 * KIB);
        assertEquals("buf", r.call());
        assertArrayEquals(b.expected().read(MIB - 4096, 512 * KIB), r.bytes());
    }
}
