package dev.vhdxmount.mount;

import static dev.vhdxmount.vhdx.testkit.Sizes.GIB;
import static dev.vhdxmount.vhdx.testkit.Sizes.MIB;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.vhdxmount.mount.cli.ExitCode;
import dev.vhdxmount.vhdx.testkit.Corpus;
import dev.vhdxmount.vhdx.testkit.ExpectedDisk;
import dev.vhdxmount.vhdx.testkit.Hashes;
import dev.vhdxmount.vhdx.testkit.Tools;
import dev.vhdxmount.vhdx.testkit.VhdxBuilder;

/**
 * Cross-check with libvhdi's {@code vhdimount} on the same images: vhdx-mount must equal the builder's model
 * everywhere; vhdimount must agree with it wherever it has no known bug, and where it has one (docs/peer-bugs.md)
 * what it returns is only recorded (target/peer-report.txt), never asserted, so that this test fails for our
 * mistakes and not for a peer's.
 *
 * <p>libvhdi finds a parent only by the file name of absolute_win32_path beside the child, so these chains live in
 * one folder and their locators carry that entry too (as Hyper-V writes them).
 */
@Timeout(900)
class PeerCrossCheckIT extends MountTest {
    private static final Path REPORT = Path.of("target", "peer-report.txt");

    private Path peer;

    @BeforeAll
    static void freshReport() throws IOException {
        Files.createDirectories(REPORT.getParent());
        Files.deleteIfExists(REPORT);
    }

    @BeforeEach
    void peerMountPoint() throws IOException {
        Tools.require("vhdimount");
        peer = Files.createDirectory(dir.resolve("peer"));
    }

    @AfterEach
    void unmountPeer() {
        if (peer != null && MountIt.isMounted(peer)) {
            MountIt.sh("fusermount -u -z '" + peer + "'");
        }
    }

    /** A [start, end) range of the virtual disk where vhdimount is known to be wrong. */
    record Trap(String why, long start, long end) {}

    private static VhdxBuilder link(VhdxBuilder child, VhdxBuilder parent, String fileName) {
        Map<String, String> locator = new LinkedHashMap<>();
        locator.put("parent_linkage", "{" + parent.dataWriteGuid() + "}");
        locator.put("relative_path", ".\\" + fileName);
        locator.put("absolute_win32_path", "C:\\Hyper-V\\Virtual Hard Disks\\" + fileName);
        return child.parentLocator(locator);
    }

    @Test
    void aDynamicDiskPast4GiB() throws Exception {
        VhdxBuilder b = VhdxBuilder.dynamic(6 * GIB).blockSize(MIB); // 4096 blocks per chunk: chunk 1 from 4 GiB
        b.write(0, VhdxBuilder.pattern(MIB, 21));
        b.write(4 * GIB - 4096, VhdxBuilder.pattern(8192, 22)); // across the chunk edge
        b.write(5 * GIB + 3L * MIB, VhdxBuilder.pattern(2 * MIB, 23));
        Path image = b.build(dir.resolve("dynamic.vhdx")).path();
        crossCheck("dynamic 6 GiB, 1 MiB blocks", image, b.expected(), List.of());
    }

    @Test
    void aFixedDiskPast4GiB() throws Exception {
        VhdxBuilder b = VhdxBuilder.fixed(5 * GIB).blockSize(32 * MIB); // 128 blocks per chunk
        b.write(0, VhdxBuilder.pattern(MIB, 11));
        b.write(4 * GIB - MIB, VhdxBuilder.pattern(MIB, 12));
        b.write(4 * GIB + 100L * MIB, VhdxBuilder.pattern(MIB, 13));
        Path image = b.build(dir.resolve("fixed.vhdx")).path();
        // libvhdi does not skip the sector-bitmap entries of a fixed disk's BAT: past the first chunk every block
        // reads the previous block's data (zeros where that one is empty)
        crossCheck("fixed 5 GiB, 32 MiB blocks", image, b.expected(), List.of(new Trap("fixed disk past the first"
                + " chunk: BAT sector-bitmap entries not skipped", 4 * GIB, 5 * GIB)));
    }

    @Test
    void aThreeLevelChainPast4GiBWithZeroAndPartiallyPresentBlocksAndADirtyChild() throws Exception {
        long size = 4 * GIB + 64L * MIB;
        long far = size - 8L * MIB;
        VhdxBuilder base = VhdxBuilder.dynamic(size).blockSize(32 * MIB);
        base.write(0, VhdxBuilder.pattern(3 * MIB, 1));
        base.write(far, VhdxBuilder.pattern(2 * MIB, 2));
        base.write(64L * MIB, VhdxBuilder.pattern(MIB, 3));
        base.build(dir.resolve("base.vhdx"));
        VhdxBuilder mid = link(VhdxBuilder.differencing(size).blockSize(2 * MIB), base, "base.vhdx");
        mid.write(512 * 3, VhdxBuilder.pattern(512 * 5, 4));
        mid.write(far + MIB + 1024, VhdxBuilder.pattern(4096, 5));
        mid.blockState(32, VhdxBuilder.PAYLOAD_BLOCK_ZERO);
        mid.write(40L * MIB, VhdxBuilder.pattern(4096, 8)).blockState(20, VhdxBuilder.PAYLOAD_BLOCK_FULLY_PRESENT);
        mid.build(dir.resolve("mid.avhdx"));
        VhdxBuilder top = link(VhdxBuilder.differencing(size).blockSize(MIB), mid, "mid.avhdx");
        top.write(MIB + 100 * 512, VhdxBuilder.pattern(512, 6));
        top.write(far + 512, VhdxBuilder.pattern(1024, 7));
        top.log().entry().bat(1).sectorBitmap(1).payload(MIB + 100 * 512, 512);
        Path image = top.build(dir.resolve("top.avhdx")).path();
        ExpectedDisk want = top.expected(mid.expected(base.expected()));
        long midFar = (far + MIB) / (2 * MIB) * (2 * MIB);
        // libvhdi 20210425 reads every block of a differencing VHDX from its parent, whatever its state and bitmap
        String own = "a differencing disk's own data (PARTIALLY_PRESENT or FULLY_PRESENT block) read from the parent";
        crossCheck("differencing chain of 3, 4 GiB + 64 MiB", image, want, List.of(
                new Trap(own + ": mid block 0, top block 1", 0, 2 * MIB),
                new Trap(own + ": mid block 20, FULLY_PRESENT", 40L * MIB, 42L * MIB),
                new Trap(own + ": mid and top in chunk 1", far, midFar + 2 * MIB),
                new Trap("ZERO block read from the parent (mid block 32)", 64L * MIB, 66L * MIB)));
    }

    @Test
    void theCorpusDirtyLogImage() throws Exception {
        String file = "discutils/vhdx-log-replay.vhdx.gz";
        Path image = TruncatedImageIT.corpusImage(file, dir.resolve("log-replay.vhdx"));
        Corpus.Image entry = Corpus.images().stream().filter(i -> i.file().equals(file)).findFirst().orElseThrow();
        MountIt.cli(image.toString(), mnt.toString()).expect(ExitCode.OK);
        String ours = Hashes.sha256(mnt.resolve("disk.raw"));
        MountIt.shOk("vhdimount '" + image + "' '" + peer + "' >/dev/null");
        String theirs = Hashes.sha256(peer.resolve("vhdi1"));
        assertEquals(entry.rawSha256(), ours, "vhdx-mount replays the log");
        record(file + ": vhdx-mount " + ours + (theirs.equals(ours) ? ", vhdimount agrees" : ", vhdimount " + theirs
                + (entry.notes().contains(theirs) ? " (the content before log replay: the log is ignored)" : "")));
        MountIt.shOk("fusermount -u '" + mnt + "'; fusermount -u '" + peer + "'");
    }

    /**
     * Mounts {@code image} with vhdx-mount and vhdimount and reads both in 1 MiB pieces next to the model: ours must
     * equal it everywhere, vhdimount outside {@code traps}; inside them its differences are recorded.
     */
    private void crossCheck(String what, Path image, ExpectedDisk want, List<Trap> traps) throws Exception {
        MountIt.cli(image.toString(), mnt.toString()).expect(ExitCode.OK);
        MountIt.shOk("vhdimount '" + image + "' '" + peer + "' >/dev/null");
        Path theirs = peer.resolve("vhdi1");
        assertEquals(want.size(), Files.size(theirs), "vhdimount's size");
        List<String> differences = new ArrayList<>();
        try (FileChannel a = FileChannel.open(mnt.resolve("disk.raw"), StandardOpenOption.READ);
                FileChannel b = FileChannel.open(theirs, StandardOpenOption.READ)) {
            ByteBuffer ours = ByteBuffer.allocate(MIB);
            ByteBuffer peers = ByteBuffer.allocate(MIB);
            long runStart = -1;
            for (long offset = 0; offset < want.size(); offset += MIB) {
                int n = (int) Math.min(MIB, want.size() - offset);
                byte[] expected = want.read(offset, n);
                assertArrayEquals(expected, read(a, ours, offset, n), "vhdx-mount at " + offset);
                byte[] got = read(b, peers, offset, n);
                boolean differs = !Arrays.equals(expected, got);
                if (differs && runStart < 0) {
                    runStart = offset;
                }
                if ((!differs || offset + MIB >= want.size()) && runStart >= 0) {
                    long end = differs ? want.size() : offset;
                    differences.add(describe(runStart, end, traps));
                    runStart = -1;
                }
            }
        }
        record(what + ": " + (differences.isEmpty() ? "vhdimount agrees everywhere"
                : "vhdimount differs in " + String.join("; ", differences)));
        for (String d : differences) {
            assertTrue(d.contains("known: "), what + ": vhdimount differs outside its known bugs: " + d);
        }
        MountIt.shOk("fusermount -u '" + mnt + "'; fusermount -u '" + peer + "'");
        MountIt.awaitGone(mnt);
    }

    private static String describe(long start, long end, List<Trap> traps) {
        String range = String.format("[0x%x, 0x%x)", start, end);
        for (Trap t : traps) {
            if (start >= t.start() && end <= t.end()) {
                return range + " (known: " + t.why() + ")";
            }
        }
        return range;
    }

    private static byte[] read(FileChannel channel, ByteBuffer buffer, long offset, int length) throws IOException {
        buffer.clear().limit(length);
        while (buffer.hasRemaining()) {
            if (channel.read(buffer, offset + buffer.position()) < 0) {
                break;
            }
        }
        return Arrays.copyOf(buffer.array(), buffer.position());
    }

    private static synchronized void record(String line) throws IOException {
        System.out.println("peer: " + line);
        Files.writeString(REPORT, line + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }
}
