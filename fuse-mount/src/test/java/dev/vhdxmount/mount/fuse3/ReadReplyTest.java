package dev.vhdxmount.mount.fuse3;

import static dev.vhdxmount.mount.fuse3.Fuse3Layout.BUFVEC_BUF;
import static dev.vhdxmount.mount.fuse3.Fuse3Layout.BUFVEC_COUNT;
import static dev.vhdxmount.mount.fuse3.Fuse3Layout.BUF_FD;
import static dev.vhdxmount.mount.fuse3.Fuse3Layout.BUF_FLAGS;
import static dev.vhdxmount.mount.fuse3.Fuse3Layout.BUF_IS_FD;
import static dev.vhdxmount.mount.fuse3.Fuse3Layout.BUF_MEM;
import static dev.vhdxmount.mount.fuse3.Fuse3Layout.BUF_POS;
import static dev.vhdxmount.mount.fuse3.Fuse3Layout.BUF_SIZE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.RandomAccessFile;
import java.lang.reflect.Proxy;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.io.TempDir;

import com.kenai.jffi.MemoryIO;

import dev.vhdxmount.vhdx.OpenOptions;
import dev.vhdxmount.vhdx.VhdxDisk;
import dev.vhdxmount.vhdx.VhdxFormatException;
import dev.vhdxmount.vhdx.VhdxImage;
import dev.vhdxmount.vhdx.testkit.BuiltImage;
import dev.vhdxmount.vhdx.testkit.ExpectedDisk;
import dev.vhdxmount.vhdx.testkit.VhdxBuilder;

/**
 * Read replies without the kernel: libfuse is a fake that takes each reply as libfuse would (a buffer, or a
 * fuse_bufvec of descriptor ranges and memory) and assembles the bytes the kernel would get, reading descriptor
 * ranges itself. Images come from the test-only builder, opened with real descriptors ({@link DescriptorOpener}).
 */
class ReadReplyTest {
    private static final int MIB = 1 << 20;
    private static final MemoryIO MEMORY = MemoryIO.getInstance();

    @TempDir
    Path tmp;

    /** One reply as the kernel would see it. */
    record Reply(String call, byte[] bytes, List<String> segments) {}

    private final List<Reply> replies = new ArrayList<>();
    /** The libfuse release whose layout the replies are built in, and read back in. */
    private Fuse3Abi abi;
    private final List<AutoCloseable> open = new ArrayList<>();

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
                            replies.add(new Reply("buf", b, List.of("memory " + b.length)));
                            return 0;
                        }
                        case "fuse_reply_data" -> {
                            replies.add(assemble((long) args[1]));
                            return 0;
                        }
                        default -> throw new AssertionError("a read called " + method.getName());
                    }
                });
    }

    /** What libfuse would send for a bufvec: each buffer's bytes, from memory or read from its descriptor. */
    private Reply assemble(long bufvec) throws Exception {
        long count = MEMORY.getLong(bufvec + BUFVEC_COUNT);
        ByteBuffer out = ByteBuffer.allocate(4 * MIB);
        List<String> segments = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            long buf = bufvec + BUFVEC_BUF + (long) i * abi.bufSizeof;
            int size = (int) MEMORY.getLong(buf + BUF_SIZE);
            if ((MEMORY.getInt(buf + BUF_FLAGS) & BUF_IS_FD) != 0) {
                int fd = MEMORY.getInt(buf + BUF_FD);
                long pos = MEMORY.getLong(buf + BUF_POS);
                try (FileChannel ch = FileChannel.open(Path.of("/proc/self/fd/" + fd), StandardOpenOption.READ)) {
                    ByteBuffer part = out.slice(out.position(), size);
                    while (part.hasRemaining() && ch.read(part, pos + part.position()) > 0) {
                        // until full
                    }
                    assertEquals(size, part.position(), "descriptor " + fd + " holds " + size + " bytes at " + pos);
                }
                segments.add("file " + size);
            } else {
                byte[] b = new byte[size];
                MEMORY.getByteArray(MEMORY.getAddress(buf + BUF_MEM), b, 0, size);
                out.put(out.position(), b);
                segments.add("memory " + size);
            }
            out.position(out.position() + size);
        }
        byte[] bytes = new byte[out.position()];
        out.get(0, bytes);
        return new Reply("data", bytes, segments);
    }

    private VhdxDisk open(BuiltImage image) throws Exception {
        VhdxDisk disk = VhdxImage.open(image.path(), OpenOptions.DEFAULTS.withFileOpener(new DescriptorOpener()));
        open.add(disk);
        return disk;
    }

    private Reply reply(ReadReply reads, long offset, int length) throws Exception {
        replies.clear();
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
        ReadReply reads = new ReadReply(fakeFuse(), abi, open(image));
        try {
            Reply inBlock = reply(reads, 4096, 128 * 1024);
            assertEquals(List.of("file 131072"), inBlock.segments(), "one range of the image");
            assertArrayEquals(want.read(4096, 128 * 1024), inBlock.bytes());

            assertEquals(image.layout().blockOffset(0) + MIB, image.layout().blockOffset(1), "blocks 0, 1 adjacent");
            Reply across = reply(reads, MIB - 1000, ReadReply.MAX_READ);
            assertArrayEquals(want.read(MIB - 1000, ReadReply.MAX_READ), across.bytes());
            assertEquals(List.of("file " + ReadReply.MAX_READ), across.segments(), "two blocks, one range");

            Reply dataThenZeros = reply(reads, 3L * MIB - 1000, 2000 + 2 * MIB / 4);
            assertArrayEquals(want.read(3L * MIB - 1000, 2000 + 2 * MIB / 4), dataThenZeros.bytes());
            assertEquals(List.of("file 1000", "memory " + (1000 + 2 * MIB / 4)), dataThenZeros.segments());

            Reply larger = reply(reads, 0, 3 * MIB);
            assertEquals("buf", larger.call(), "larger than libfuse asks for: copied");
            assertArrayEquals(want.read(0, 3 * MIB), larger.bytes());

            Reply zeros = reply(reads, 10L * MIB, MIB);
            assertEquals("buf", zeros.call(), "zeros alone go as one buffer");
            assertArrayEquals(new byte[MIB], zeros.bytes());
        } finally {
            reads.free();
        }
    }

    @ParameterizedTest
    @EnumSource(Fuse3Abi.class)
    void aDirtyLogsBytesAreReadHereAndTheRestSpliced(Fuse3Abi abi) throws Exception {
        this.abi = abi;
        VhdxBuilder b = VhdxBuilder.dynamic(8L * MIB).blockSize(MIB);
        b.write(0, VhdxBuilder.pattern(2 * MIB, 3));
        b.log().entry().payload(MIB + 512, 4096); // the log rewrites 4 KiB of block 1
        BuiltImage image = b.build(tmp.resolve("dirty.vhdx"));
        ExpectedDisk want = b.expected();
        ReadReply reads = new ReadReply(fakeFuse(), abi, open(image));
        try {
            Reply r = reply(reads, MIB - 4096, 64 * 1024);
            assertArrayEquals(want.read(MIB - 4096, 64 * 1024), r.bytes());
            // block 0 from the file; the piece of block 1 that the log touched is read whole, through the overlay
            assertEquals(List.of("file 4096", "memory 61440"), r.segments());
            Reply untouched = reply(reads, 0, 64 * 1024);
            assertArrayEquals(want.read(0, 64 * 1024), untouched.bytes());
            assertEquals(List.of("file 65536"), untouched.segments());
        } finally {
            reads.free();
        }
    }

    @ParameterizedTest
    @EnumSource(Fuse3Abi.class)
    void aBitmapAlternatingEverySectorIsCopiedWholeAndAChainReadsFromEachFile(Fuse3Abi abi) throws Exception {
        this.abi = abi;
        VhdxBuilder base = VhdxBuilder.dynamic(8L * MIB).blockSize(MIB);
        base.write(0, VhdxBuilder.pattern(2 * MIB, 4));
        base.build(tmp.resolve("base.vhdx"));
        VhdxBuilder child = VhdxBuilder.differencing(8L * MIB).blockSize(MIB).parent(base, "base.vhdx");
        for (int sector = 0; sector < 400; sector += 2) {
            child.write(sector * 512L, VhdxBuilder.pattern(512, 100 + sector)); // every other sector
        }
        child.write(MIB + 64 * 1024, VhdxBuilder.pattern(4096, 5));
        BuiltImage image = child.build(tmp.resolve("child.vhdx"));
        ExpectedDisk want = child.expected(base.expected());
        ReadReply reads = new ReadReply(fakeFuse(), abi, open(image));
        try {
            Reply alternating = reply(reads, 0, 128 * 1024);
            assertEquals("buf", alternating.call(), "more pieces than one reply holds: copied");
            assertArrayEquals(want.read(0, 128 * 1024), alternating.bytes());

            Reply chain = reply(reads, MIB, 128 * 1024);
            assertArrayEquals(want.read(MIB, 128 * 1024), chain.bytes());
            assertEquals(List.of("file 65536", "file 4096", "file 61440"), chain.segments(),
                    "parent, child, parent");

            Random random = new Random(9);
            for (int i = 0; i < 200; i++) {
                long offset = random.nextInt(8 * MIB - 1);
                int length = 1 + random.nextInt(Math.min(MIB, (int) (8L * MIB - offset)));
                assertArrayEquals(want.read(offset, length), reply(reads, offset, length).bytes(),
                        "at " + offset + " + " + length);
            }
        } finally {
            reads.free();
        }
    }

    @ParameterizedTest
    @EnumSource(Fuse3Abi.class)
    void aFileCutShortUnderTheMountIsNeverSplicedShort(Fuse3Abi abi) throws Exception {
        this.abi = abi;
        VhdxBuilder b = VhdxBuilder.dynamic(8L * MIB).blockSize(MIB);
        b.write(0, VhdxBuilder.pattern(4 * MIB, 6));
        BuiltImage image = b.build(tmp.resolve("cut.vhdx"));
        ReadReply reads = new ReadReply(fakeFuse(), abi, open(image));
        try {
            assertArrayEquals(b.expected().read(3L * MIB, 4096), reply(reads, 3L * MIB, 4096).bytes());
            try (RandomAccessFile f = new RandomAccessFile(image.path().toFile(), "rw")) {
                f.setLength(image.layout().blockOffset(3) + 100);
            }
            replies.clear();
            VhdxFormatException.Truncated e = assertThrows(VhdxFormatException.Truncated.class,
                    () -> reads.reply(7, 3L * MIB, 4096));
            assertTrue(e.getMessage().contains("payload block 3 ") && e.getMessage().contains("past the end"),
                    e.getMessage());
            assertEquals(List.of(), replies, "nothing replied: the caller answers EIO");
            assertArrayEquals(b.expected().read(0, 4096), reply(reads, 0, 4096).bytes(), "the rest still reads");
        } finally {
            reads.free();
        }
    }
}
