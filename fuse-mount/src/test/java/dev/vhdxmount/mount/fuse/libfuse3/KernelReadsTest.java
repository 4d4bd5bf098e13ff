package dev.vhdxmount.mount.fuse.libfuse3;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;

import com.kenai.jffi.MemoryIO;

/** The kernel's read requests, parsed from their bytes, and the replies written for them, read back from a pipe. */
class KernelReadsTest {
    private static final MemoryIO MEMORY = MemoryIO.getInstance();

    private static KernelReads.Request parse(long fuseBuf) {
        return KernelReads.parse(MEMORY.getAddress(fuseBuf + Fuse3Layout.BUF_MEM),
                MEMORY.getLong(fuseBuf + Fuse3Layout.BUF_SIZE));
    }

    @Test
    void aSmallReadIsParsedFromTheKernelsLayoutAndAnythingElseIsLeftToLibfuse() {
        try (KernelPipe kernel = new KernelPipe()) {
            assertEquals(new KernelReads.Request(0x1234_5678_9AL, 2, 0x7_0000_1000L, 4096),
                    parse(kernel.read(0x1234_5678_9AL, 2, 0x7_0000_1000L, 4096)));
            assertEquals(new KernelReads.Request(8, 3, 0, ReadReply.SMALL - 1),
                    parse(kernel.read(8, 3, 0, ReadReply.SMALL - 1)));
            assertNull(parse(kernel.read(8, 2, 0, ReadReply.SMALL)), "a read that may be spliced: libfuse's");
            assertNull(parse(kernel.read(8, 2, 0, 1 << 20)));
            assertNull(parse(kernel.read(8, 2, 0, -1)), "a size beyond 2 GiB (unsigned)");
            assertNull(parse(kernel.request(16, 8, 2, 0, 4096, 80, 80)), "FUSE_WRITE (16)");
            assertNull(parse(kernel.request(14, 8, 2, 0, 4096, 80, 80)), "FUSE_OPEN (14)");
            assertNull(parse(kernel.request(Fuse3Layout.OPCODE_READ, 8, 2, 0, 4096, 80, 79)),
                    "fewer bytes received than the request says it has");
            assertNull(parse(kernel.request(Fuse3Layout.OPCODE_READ, 8, 2, 0, 4096, 79, 80)),
                    "a request too short for a read's arguments");
            assertNull(parse(kernel.request(Fuse3Layout.OPCODE_READ, 8, 2, 0, 4096, 80, 40)),
                    "only a header received");
            assertEquals(new KernelReads.Request(8, 2, 0, 4096),
                    parse(kernel.request(Fuse3Layout.OPCODE_READ, 8, 2, 0, 4096, 80, 4096)),
                    "a longer buffer than the request: its own length counts");
        }
    }

    @Test
    void aReplyIsTheKernelsHeaderAndTheBytesInOneWriteAndAnErrorIsTheHeaderAlone() {
        try (KernelPipe kernel = new KernelPipe()) {
            KernelReads reads = kernel.kernelReads();
            long tagged = KernelReads.tag(0x42);
            assertTrue(KernelReads.tagged(tagged));
            assertFalse(KernelReads.tagged(0x7f12_3456_7000L), "a libfuse request (a user-space address)");
            assertFalse(KernelReads.tagged(0));
            assertFalse(KernelReads.tagged(-1));

            byte[] data = new byte[3000];
            for (int i = 0; i < data.length; i++) {
                data[i] = (byte) (i * 7 + 1);
            }
            long address = MEMORY.allocateMemory(data.length, false);
            try {
                MEMORY.putByteArray(address, data, 0, data.length);
                assertEquals(0, reads.reply(tagged, address, data.length));
            } finally {
                MEMORY.freeMemory(address);
            }
            KernelPipe.Reply r = kernel.next();
            assertEquals(0x42, r.unique(), "the unique without its tag");
            assertEquals(0, r.error());
            assertArrayEquals(data, r.bytes());

            assertEquals(0, reads.reply(tagged, 0, 0));
            r = kernel.next();
            assertEquals(0x42, r.unique());
            assertEquals(0, r.error());
            assertEquals(0, r.bytes().length, "the end of the file: no bytes");

            assertEquals(0, reads.error(KernelReads.tag(0x44), 5));
            r = kernel.next();
            assertEquals(0x44, r.unique());
            assertEquals(-5, r.error(), "EIO, as the kernel takes it: negative");
            assertEquals(0, r.bytes().length);
            assertTrue(kernel.empty());
        }
    }

    @Test
    void aFailedWriteIsItsNegativeErrno() {
        KernelPipe kernel = new KernelPipe();
        KernelReads reads = kernel.kernelReads();
        kernel.close();
        assertEquals(-9, reads.error(KernelReads.tag(2), 5), "EBADF: the descriptor is gone");
    }

    /** Threads reply at once through one instance: each reply keeps its own header and bytes. */
    @Test
    void repliesFromManyThreadsEachStayWhole() throws Exception {
        int threads = 8;
        int each = 500;
        try (KernelPipe kernel = new KernelPipe()) {
            KernelReads reads = kernel.kernelReads();
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            Map<Long, byte[]> got = new HashMap<>();
            List<String> wrong = new ArrayList<>();
            Thread reader = new Thread(() -> {
                for (int i = 0; i < threads * each; i++) {
                    KernelPipe.Reply r = kernel.next();
                    got.put(r.unique(), r.bytes());
                    if (r.error() != (r.unique() % 3 == 0 ? -5 : 0) && wrong.size() < 10) {
                        wrong.add("error of " + r.unique());
                    }
                }
            });
            reader.start();
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int first = t * each;
                done.add(pool.submit(() -> {
                    long address = MEMORY.allocateMemory(2048, false);
                    try {
                        for (long u = first; u < first + each; u++) {
                            if (u % 3 == 0) {
                                assertEquals(0, reads.error(KernelReads.tag(u), 5));
                            } else {
                                int n = (int) (u % 2000) + 1;
                                MEMORY.putByteArray(address, expected(u), 0, n);
                                assertEquals(0, reads.reply(KernelReads.tag(u), address, n));
                            }
                        }
                    } finally {
                        MEMORY.freeMemory(address);
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
            pool.shutdown();
            reader.join(10_000);
            assertEquals(List.of(), wrong);
            assertEquals(threads * each, got.size(), "every unique answered once");
            for (Map.Entry<Long, byte[]> e : got.entrySet()) {
                long u = e.getKey();
                byte[] want = u % 3 == 0 ? new byte[0] : java.util.Arrays.copyOf(expected(u), (int) (u % 2000) + 1);
                assertArrayEquals(want, e.getValue(), "the bytes of " + u);
            }
        }
    }

    private static byte[] expected(long unique) {
        byte[] b = new byte[2000];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (unique * 13 + i);
        }
        return b;
    }
}
