package dev.vhdxmount.mount.cli;

import static dev.vhdxmount.vhdx.testkit.Sizes.MIB;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.jr.ob.JSON;

import dev.vhdxmount.vhdx.VhdxImage;
import dev.vhdxmount.vhdx.VirtualDisk;
import dev.vhdxmount.vhdx.check.Progress;
import dev.vhdxmount.vhdx.testkit.ExpectedDisk;
import dev.vhdxmount.vhdx.testkit.ImagePatcher;
import dev.vhdxmount.vhdx.testkit.Layout;
import dev.vhdxmount.vhdx.testkit.VhdxBuilder;
import picocli.CommandLine;

/** vhdx-info --hash and --check: digests against the test kit's model of the disk, verdicts and exit statuses. */
class VerifyTest {
    @TempDir
    Path tmp;

    record Run(int status, String out) {}

    private static Run info(Interruption interruption, String... args) {
        InfoCommand command = new InfoCommand();
        command.interruptions = () -> interruption;
        StringWriter out = new StringWriter();
        CommandLine cl = Cli.commandLine(command, InfoCommand.PROGRAM);
        cl.setOut(new PrintWriter(out));
        int status = cl.execute(args);
        return new Run(status, out.toString());
    }

    private static Run info(String... args) {
        return info(Interruption.unattached(), args);
    }

    /** 20 MiB and one sector: more than two of the hasher's 8 MiB reads, the last one short. */
    private static VhdxBuilder dynamic() {
        VhdxBuilder b = VhdxBuilder.dynamic(20L * MIB + 512).blockSize(MIB);
        b.write(0, VhdxBuilder.pattern(3 * MIB, 1));
        b.write(9L * MIB - 100, VhdxBuilder.pattern(4096, 2)); // across the first read's end
        b.write(20L * MIB, VhdxBuilder.pattern(512, 3)); // the last sector
        return b;
    }

    private static String digest(String algorithm, ExpectedDisk disk) throws Exception {
        MessageDigest md = MessageDigest.getInstance(algorithm);
        for (long at = 0; at < disk.size(); at += MIB) {
            md.update(disk.read(at, (int) Math.min(MIB, disk.size() - at)));
        }
        return HexFormat.of().formatHex(md.digest());
    }

    @Test
    void digestsOfTheWholeDiskInSha256sumsFormat() throws Exception {
        VhdxBuilder b = dynamic();
        Path image = b.build(tmp.resolve("d.vhdx")).path();
        ExpectedDisk want = b.expected();
        Run r = info("--hash", "sha256,MD5,sha1,sha512,sha256", image.toString());
        assertEquals(ExitCode.OK, r.status);
        assertEquals(digest("SHA-256", want) + "  disk.raw\n" + digest("MD5", want) + "  disk.raw\n"
                + digest("SHA-1", want) + "  disk.raw\n" + digest("SHA-512", want) + "  disk.raw\n", r.out,
                "one line per algorithm, asked order, duplicates once");
    }

    @Test
    void sha256sumChecksARawCopyAgainstTheLine() throws Exception {
        VhdxBuilder b = dynamic();
        Path image = b.build(tmp.resolve("d.vhdx")).path();
        Path copy = Files.createDirectories(tmp.resolve("copy"));
        b.expected().writeRaw(copy.resolve("disk.raw"));
        Files.writeString(copy.resolve("disk.sha256"), info("--hash", "sha256", image.toString()).out);
        Process p = new ProcessBuilder("sha256sum", "-c", "disk.sha256").directory(copy.toFile())
                .redirectErrorStream(true).start();
        String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), said);
        assertEquals("disk.raw: OK\n", said);
    }

    @Test
    void aDirtyDifferencingDiskIsHashedAsItReads() throws Exception {
        VhdxBuilder base = VhdxBuilder.dynamic(16L * MIB).blockSize(MIB);
        base.write(0, VhdxBuilder.pattern(5 * MIB, 4));
        base.build(tmp.resolve("base.vhdx"));
        VhdxBuilder child = VhdxBuilder.differencing(16L * MIB).blockSize(MIB).parent(base, ".\\base.vhdx");
        child.write(3L * MIB, VhdxBuilder.pattern(4096, 5));
        child.log().entry().bat(3).sectorBitmap(3).payload(3L * MIB, 4096);
        Path image = child.build(tmp.resolve("child.avhdx")).path();
        Run r = info("--json", "--hash", "sha256", image.toString());
        assertEquals(ExitCode.OK, r.status);
        Map<String, Object> root = JSON.std.mapFrom(r.out);
        Map<?, ?> hash = (Map<?, ?>) root.get("hash");
        assertEquals(child.expected(base.expected()).sha256(), hash.get("sha256"));
        assertEquals("disk.raw", hash.get("file_name"));
        assertEquals(16L * MIB, ((Number) hash.get("virtual_size")).longValue());
    }

    @Test
    void checkVerdictsAndExitStatuses() throws Exception {
        Path clean = dynamic().build(tmp.resolve("clean.vhdx")).path();
        Run r = info("--check", clean.toString());
        assertEquals(ExitCode.OK, r.status, r.out);
        assertTrue(r.out.startsWith("check: clean (0 errors, 0 warnings, 0 notes;"), r.out);

        Path warned = dynamic().corruptHeader1Checksum().build(tmp.resolve("warned.vhdx")).path();
        r = info("--check", warned.toString());
        assertEquals(ExitCode.CHECK_WARNINGS, r.status, r.out);
        assertTrue(r.out.contains("  WARNING header-invalid: header 1 at 0x10000: expected a valid header, found "),
                r.out);

        VhdxBuilder broken = dynamic();
        Layout l = broken.layout();
        broken.batEntryOverride(l.payloadBatIndex(1), l.blockOffset(0) | 6);
        Path overlapping = broken.build(tmp.resolve("broken.vhdx")).path();
        r = info("--check", "--json", overlapping.toString());
        assertEquals(ExitCode.CHECK_ERRORS, r.status, r.out);
        Map<?, ?> check = (Map<?, ?>) JSON.std.mapFrom(r.out).get("check");
        assertEquals("errors", check.get("verdict"));
        Map<?, ?> finding = (Map<?, ?>) ((List<?>) check.get("findings")).get(0);
        assertEquals("error", finding.get("severity"));
        assertEquals("blocks-overlap", finding.get("kind"));
        assertEquals("0x" + Long.toHexString(l.batEntryOffset(l.payloadBatIndex(1))), finding.get("file_offset"));
    }

    @Test
    void anImageThatCannotBeParsedKeepsItsExitStatus() throws Exception {
        Path image = dynamic().build(tmp.resolve("x.vhdx")).path();
        try (ImagePatcher p = new ImagePatcher(image)) {
            p.flipByte(Layout.HEADER_1 + 100).flipByte(Layout.HEADER_2 + 100);
        }
        assertEquals(ExitCode.CORRUPT_IMAGE, info("--check", image.toString()).status);
        assertEquals(ExitCode.CORRUPT_IMAGE, info("--hash", "md5", image.toString()).status);
        Path raw = Files.write(tmp.resolve("raw.img"), new byte[1 << 20]);
        assertEquals(ExitCode.NOT_VHDX, info("--check", raw.toString()).status);
        assertEquals(ExitCode.IMAGE_UNREADABLE, info("--hash", "sha1", tmp.resolve("none").toString()).status);
        assertEquals(ExitCode.USAGE, info("--hash", "crc32", image.toString()).status);
    }

    @Test
    void aStoppedHashPrintsNothingAndEndsAsTheSignalSays() throws Exception {
        Path image = dynamic().build(tmp.resolve("d.vhdx")).path();
        Interruption stopped = Interruption.unattached();
        stopped.signal("SIGINT");
        Run r = info(stopped, "--check", "--hash", "sha256", image.toString());
        assertEquals(ExitCode.INTERRUPTED, r.status);
        assertEquals("", r.out);
        stopped.signal("SIGTERM");
        assertEquals(ExitCode.TERMINATED, info(stopped, "--hash", "sha256", image.toString()).status);
    }

    @Test
    void theHasherStopsWhenAskedAndReportsProgress() throws Exception {
        // more 8 MiB reads than the hasher has buffers: the reader must wait for a digest, which reports progress
        VhdxBuilder b = VhdxBuilder.dynamic(80L * MIB).blockSize(MIB);
        b.write(70L * MIB, VhdxBuilder.pattern(4096, 8));
        Path image = b.build(tmp.resolve("d.vhdx")).path();
        long[] seen = new long[2];
        Progress stopAfterOneRead = new Progress() {
            @Override
            public void addTotal(long bytes) {
                seen[0] += bytes;
            }

            @Override
            public synchronized void advance(long bytes) {
                seen[1] += bytes;
            }

            @Override
            public synchronized boolean cancelled() {
                return seen[1] > 0;
            }
        };
        try (VirtualDisk disk = VhdxImage.open(image)) {
            assertThrows(CancellationException.class, () -> DiskHasher.hash(disk, List.of(DiskHasher.Algorithm.SHA256),
                    stopAfterOneRead));
            assertEquals(disk.size(), seen[0]);
            assertTrue(seen[1] >= DiskHasher.CHUNK && seen[1] < disk.size(), "stopped part way: " + seen[1]);
        }
    }

    @Test
    void progressLineShowsDoneTotalRateAndTimeLeft() {
        assertEquals("sha256: 1.0 GiB of 10.0 GiB (10%), 512.0 MiB/s, 0:18 left",
                ProgressLine.line("sha256", 1L << 30, 10L << 30, 2_000_000_000L));
        assertEquals("check: 0 bytes of 2.0 MiB (0%)", ProgressLine.line("check", 0, 2L * MIB, 1_000_000_000L));
        assertEquals("1:01:01", ProgressLine.duration(3661));
        assertTrue(ProgressLine.line("md5,sha1,sha256,sha512", 9L << 40, 64L << 40, 3_600_000_000_000L).length()
                < 80, "fits a terminal of 80 columns");
    }

    @Test
    void progressIsDrawnInPlaceAndWipedOnlyWhenShown() throws Exception {
        ByteArrayOutputStream shown = new ByteArrayOutputStream();
        try (ProgressLine p = new ProgressLine("sha256", true, new PrintStream(shown, true), () -> false)) {
            p.addTotal(4L * MIB);
            p.advance(MIB);
            Thread.sleep(3 * ProgressLine.REDRAW_MS);
        }
        String drawn = shown.toString(StandardCharsets.UTF_8);
        assertTrue(drawn.startsWith("\rsha256: 1.0 MiB of 4.0 MiB (25%)"), drawn);
        assertTrue(drawn.endsWith("\r"), "wiped at the end: " + drawn);
        assertTrue(!drawn.contains("\n"), "never a new line");

        ByteArrayOutputStream hidden = new ByteArrayOutputStream();
        try (ProgressLine p = new ProgressLine("sha256", false, new PrintStream(hidden, true), () -> true)) {
            p.addTotal(MIB);
            p.advance(MIB);
            Thread.sleep(2 * ProgressLine.REDRAW_MS);
            assertTrue(p.cancelled(), "a hidden line still passes on a stop");
        }
        assertEquals(0, hidden.size());
    }

    @Test
    void wholeDiskReadThroughALargeBlockDisk() throws Exception {
        // a 6 MiB disk in one 32 MiB block: one read, shorter than the hasher's buffer
        VhdxBuilder b = VhdxBuilder.dynamic(6L * MIB);
        b.write(MIB, VhdxBuilder.pattern(MIB, 9));
        Path image = b.build(tmp.resolve("small.vhdx")).path();
        assertEquals(b.expected().sha256() + "  disk.raw\n", info("--hash", "sha256", image.toString()).out);
    }
}
