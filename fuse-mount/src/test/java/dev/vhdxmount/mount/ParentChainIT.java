package dev.vhdxmount.mount;

import static dev.vhdxmount.vhdx.testkit.Sizes.GIB;
import static dev.vhdxmount.vhdx.testkit.Sizes.MIB;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.vhdxmount.mount.cli.ExitCode;
import dev.vhdxmount.vhdx.testkit.ExpectedDisk;
import dev.vhdxmount.vhdx.testkit.Hashes;
import dev.vhdxmount.vhdx.testkit.Tools;
import dev.vhdxmount.vhdx.testkit.VhdxBuilder;

/**
 * Differencing chains through the mount and each binding (builder-made, checked against the builder's model of child
 * over parent), and parent locators that name what must not be trusted: other files, devices, directories, FIFOs, the
 * child itself, long cycles. Those fail with exit status 7 and a message listing every path tried; under strace,
 * nothing is opened for writing, devices and FIFOs are not opened at all, and of a file that is not the parent only
 * what identifies it is read.
 */
@Timeout(600)
class ParentChainIT extends MountTest {

    /** A built chain: the top image, every file of it, and what the top must read as. */
    record Chain(Path top, List<Path> files, ExpectedDisk want) {}

    /**
     * base (dynamic, 32 MiB blocks) in base/, mid (differencing, 2 MiB blocks, a ZERO block over base data) in vm/
     * naming {@code ..\base\base.vhdx}, top (1 MiB blocks, a FULLY_PRESENT block with clear bitmap bits, a dirty
     * log) in vm/ naming {@code .\mid.avhdx}.
     */
    private Chain threeLevels(long size, int sectorSize) throws IOException {
        Path baseDir = Files.createDirectories(dir.resolve("base"));
        Path vmDir = Files.createDirectories(dir.resolve("vm"));
        long far = size - 8L * MIB; // in the last chunk: past 4 GiB with 512-byte sectors
        VhdxBuilder base = VhdxBuilder.dynamic(size).logicalSectorSize(sectorSize).blockSize(32 * MIB);
        base.write(0, VhdxBuilder.pattern(3 * MIB, 1));
        base.write(far, VhdxBuilder.pattern(2 * MIB, 2));
        base.write(64L * MIB, VhdxBuilder.pattern(MIB, 3));
        base.build(baseDir.resolve("base.vhdx"));

        VhdxBuilder mid = VhdxBuilder.differencing(size).logicalSectorSize(sectorSize).blockSize(2 * MIB)
                .parent(base, "..\\base\\base.vhdx");
        mid.write(sectorSize * 3L, VhdxBuilder.pattern(sectorSize * 5, 4));
        mid.write(far + MIB + 2L * sectorSize, VhdxBuilder.pattern(4096, 5));
        mid.blockState(32, VhdxBuilder.PAYLOAD_BLOCK_ZERO); // 64 MiB: zeros over the base's data
        mid.build(vmDir.resolve("mid.avhdx"));

        VhdxBuilder top = VhdxBuilder.differencing(size).logicalSectorSize(sectorSize).blockSize(MIB)
                .parent(mid, ".\\mid.avhdx");
        top.write(MIB + 100L * sectorSize, VhdxBuilder.pattern(sectorSize, 6));
        top.write(far + sectorSize, VhdxBuilder.pattern(2 * sectorSize, 7));
        top.blockState(10, VhdxBuilder.PAYLOAD_BLOCK_FULLY_PRESENT); // present, bitmap bits clear
        top.log().entry().bat(1).sectorBitmap(1).payload(MIB + 100L * sectorSize, sectorSize); // and dirty
        Path topFile = top.build(vmDir.resolve("top.avhdx")).path();
        return new Chain(topFile, List.of(topFile, vmDir.resolve("mid.avhdx"), baseDir.resolve("base.vhdx")),
                top.expected(mid.expected(base.expected())));
    }

    private void assertServesTheChain(Chain chain, String... options) throws Exception {
        List<NeverWritesIT.FileState> before = new ArrayList<>();
        for (Path f : chain.files()) {
            before.add(NeverWritesIT.FileState.of(f));
        }
        List<String> args = new ArrayList<>(List.of(options));
        args.addAll(List.of(chain.top().toString(), mnt.toString()));
        MountIt.cli(args.toArray(String[]::new)).expect(ExitCode.OK);
        long pid = MountIt.serverPid(mnt);
        for (Path f : chain.files()) {
            List<MountIt.OpenFile> open = MountIt.openFiles(pid, f);
            assertFalse(open.isEmpty(), f + " is open");
            assertTrue(open.stream().allMatch(MountIt.OpenFile::readOnly), f + ": " + open);
        }
        assertEquals(chain.want().sha256(), Hashes.sha256(mnt.resolve("disk.raw")), "the chain's disk");
        MountIt.shOk("fusermount -u '" + mnt + "'");
        MountIt.awaitGone(mnt);
        for (int i = 0; i < chain.files().size(); i++) {
            assertEquals(before.get(i), NeverWritesIT.FileState.of(chain.files().get(i)), "unchanged");
        }
    }

    /** Through each FUSE binding: reads of a chain cross files, which the libfuse 3 server splices from each. */
    @ParameterizedTest(name = "libfuse {0}")
    @ValueSource(strings = {"3", "2"})
    void threeLevelsAcrossFoldersWithADirtyChildPastTheFirstChunk(String libfuse) throws Exception {
        assertServesTheChain(threeLevels(4 * GIB + 64L * MIB, 512), "--libfuse", libfuse);
    }

    @ParameterizedTest(name = "libfuse {0}")
    @ValueSource(strings = {"3", "2"})
    void threeLevelsWith4096ByteSectors(String libfuse) throws Exception {
        assertServesTheChain(threeLevels(256L * MIB, 4096), "--libfuse", libfuse);
    }

    /** The locator of mid names a base that was moved: exit 7 with what was tried, then --parent for each level. */
    @Test
    void explicitParentsWhenTheLocatorsAreWrong() throws Exception {
        Chain chain = threeLevels(128L * MIB, 512);
        Path moved = Files.createDirectories(dir.resolve("elsewhere")).resolve("renamed.vhdx");
        Files.move(chain.files().get(2), moved);
        MountIt.Result missing = MountIt.cli(chain.top().toString(), mnt.toString())
                .expect(ExitCode.PARENT_NOT_FOUND);
        assertTrue(missing.stderr().contains(chain.top() + " -> " + chain.files().get(1) + ": parent not found")
                && missing.stderr().contains(chain.files().get(2) + " (relative_path ..\\base\\base.vhdx): no such"
                        + " file") && missing.stderr().contains("--parent"), missing.stderr());
        assertFalse(MountIt.isMounted(mnt));
        assertServesTheChain(new Chain(chain.top(), List.of(chain.top(), chain.files().get(1), moved), chain.want()),
                "--parent", chain.files().get(1).toString(), "-p", moved.toString());
    }

    @Test
    void aMissingParentAWrongLinkageAndACycleExitWith7() throws Exception {
        VhdxBuilder base = VhdxBuilder.dynamic(16L * MIB).blockSize(MIB);
        VhdxBuilder child = VhdxBuilder.differencing(16L * MIB).blockSize(MIB).parent(base, ".\\base.vhdx");
        Path childFile = child.build(dir.resolve("child.vhdx")).path();
        MountIt.Result missing = MountIt.cli(childFile.toString(), mnt.toString()).expect(ExitCode.PARENT_NOT_FOUND);
        assertOneLine(missing, Pattern.quote(dir.resolve("base.vhdx") + " (relative_path .\\base.vhdx): no such"
                + " file"));

        VhdxBuilder.dynamic(16L * MIB).blockSize(MIB).build(dir.resolve("base.vhdx")); // another DataWriteGuid
        MountIt.Result wrong = MountIt.cli(childFile.toString(), mnt.toString()).expect(ExitCode.PARENT_NOT_FOUND);
        assertOneLine(wrong, "its DataWriteGuid .* is not the child's parent_linkage \\[" + base.dataWriteGuid());

        List<Path> cycle = cycle(6);
        MountIt.Result looped = MountIt.cli(cycle.get(0).toString(), mnt.toString()).expect(ExitCode.PARENT_NOT_FOUND);
        String chain = String.join(" -> ", cycle.stream().map(Path::toString).toList());
        assertOneLine(looped, Pattern.quote(chain) + ": parent not found .*" + Pattern.quote(cycle.get(0).toString())
                + " \\(relative_path .\\\\c0.vhdx\\): already in the chain \\(a cycle\\)");
        assertFalse(MountIt.isMounted(mnt));
    }

    private static void assertOneLine(MountIt.Result r, String pattern) {
        List<String> lines = r.stderr().lines().toList();
        assertEquals(1, lines.size(), r.stderr());
        assertTrue(Pattern.compile(pattern).matcher(lines.get(0)).find(), lines.get(0) + "\nshould match " + pattern);
    }

    /** c0 -> c1 -> ... -> c(n-1) -> c0, each link right (linkage and relative path). */
    private List<Path> cycle(int n) throws IOException {
        UUID[] guids = new UUID[n];
        List<Path> files = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            guids[i] = UUID.randomUUID();
            files.add(dir.resolve("c" + i + ".vhdx"));
        }
        for (int i = 0; i < n; i++) {
            int next = (i + 1) % n;
            VhdxBuilder.differencing(16L * MIB).blockSize(MIB).dataWriteGuid(guids[i]).parentLocator(Map.of(
                    "parent_linkage", "{" + guids[next] + "}", "relative_path", ".\\c" + next + ".vhdx"))
                    .build(files.get(i));
        }
        return files;
    }

    // ---------------------------------------------------------------- untrusted locators, under strace

    /** Locators naming a device, a text file and a directory: each refused, none opened for writing. */
    @Test
    void devicesTextFilesDirectoriesAndFifosAreRefusedWithoutBeingOpened() throws Exception {
        Path notes = Files.writeString(dir.resolve("notes.txt"), "not a disk\n".repeat(10_000));
        Files.createDirectories(dir.resolve("subdir"));
        MountIt.shOk("mkfifo '" + dir.resolve("pipe.vhdx") + "' && ln -s /dev/zero '" + dir.resolve("zero.vhdx")
                + "'");
        Map<String, String> first = new LinkedHashMap<>();
        first.put("parent_linkage", "{" + UUID.randomUUID() + "}");
        first.put("relative_path", "/dev/zero");
        first.put("volume_path", "\\\\?\\Volume{26a21bda-a627-11d7-9931-806e6f6e6963}\\vms\\notes.txt");
        first.put("absolute_win32_path", "C:\\vms\\subdir");
        Path one = VhdxBuilder.differencing(16L * MIB).blockSize(MIB).parentLocator(first)
                .build(dir.resolve("one.vhdx")).path();
        Map<String, String> second = new LinkedHashMap<>();
        second.put("parent_linkage", "{" + UUID.randomUUID() + "}");
        second.put("relative_path", "/dev/null");
        second.put("volume_path", "\\\\?\\Volume{26a21bda-a627-11d7-9931-806e6f6e6963}\\vms\\pipe.vhdx");
        second.put("absolute_win32_path", "C:\\vms\\zero.vhdx");
        Path two = VhdxBuilder.differencing(16L * MIB).blockSize(MIB).parentLocator(second)
                .build(dir.resolve("two.vhdx")).path();

        Trace t1 = traced(one);
        assertOneLine(t1.result(), Pattern.quote("/dev/zero (relative_path /dev/zero): not a regular file; " + notes
                + " (file name of volume_path") + ".*: not a usable VHDX: .*is not a VHDX image.*; " + Pattern.quote(
                        dir.resolve("subdir") + " (file name of absolute_win32_path C:\\vms\\subdir") + ".*not a"
                + " regular file");
        t1.assertNothingOpenedForWriting();
        t1.assertNeverOpened(Path.of("/dev/zero"), dir.resolve("subdir"));
        // of the text file: the 520-byte file identifier, and the head and tail that say what it looks like
        long size = Files.size(notes);
        t1.assertReadOnly(notes, List.of(new long[] {0, 4096}, new long[] {size - 512, size}));

        Trace t2 = traced(two);
        assertOneLine(t2.result(), Pattern.quote("/dev/null (relative_path /dev/null): not a regular file; "
                + dir.resolve("pipe.vhdx")) + ".*: not a regular file; " + Pattern.quote(dir.resolve("zero.vhdx")
                        + " (file name of absolute_win32_path C:\\vms\\zero.vhdx") + ".*: not a regular file");
        t2.assertNothingOpenedForWriting();
        t2.assertNeverOpened(Path.of("/dev/null"), dir.resolve("pipe.vhdx"), Path.of("/dev/zero"));
        Files.delete(dir.resolve("zero.vhdx")); // the link, before JUnit warns about one leading out of its folder
    }

    /**
     * A valid VHDX with the wrong DataWriteGuid where the parent should be, the child itself, and a long cycle: only
     * the file identifier and the two headers of the impostor are read (strace's pread64 calls), though it holds
     * data that a reader going further would touch.
     */
    @Test
    void anImpostorTheChildItselfAndALongCycleAreRefusedReadingOnlyWhatIdentifiesThem() throws Exception {
        VhdxBuilder impostor = VhdxBuilder.dynamic(16L * MIB).blockSize(MIB);
        impostor.write(0, VhdxBuilder.pattern(8 * MIB, 9));
        Path impostorFile = impostor.build(dir.resolve("impostor.vhdx")).path();
        Map<String, String> locator = new LinkedHashMap<>();
        locator.put("parent_linkage", "{" + UUID.randomUUID() + "}");
        locator.put("relative_path", ".\\impostor.vhdx");
        locator.put("absolute_win32_path", "C:\\vms\\self.vhdx");
        Path self = VhdxBuilder.differencing(16L * MIB).blockSize(MIB).parentLocator(locator)
                .build(dir.resolve("self.vhdx")).path();

        Trace t = traced(self);
        assertOneLine(t.result(), Pattern.quote(impostorFile + " (relative_path .\\impostor.vhdx): its DataWriteGuid ")
                + ".*is not the child's parent_linkage.*; " + Pattern.quote(self + " (file name of absolute_win32_path"
                        + " C:\\vms\\self.vhdx beside the child (a Windows path cannot be opened here)): already in the"
                        + " chain (a cycle)"));
        t.assertNothingOpenedForWriting();
        // the file identifier (520 bytes at 0) and headers 1 and 2 (4 KiB at 64 KiB and 128 KiB), nothing else
        t.assertReadOnly(impostorFile, List.of(new long[] {0, 520}, new long[] {0x10000, 0x11000},
                new long[] {0x20000, 0x21000}));

        List<Path> cycle = cycle(12);
        Trace looped = traced(cycle.get(0));
        assertOneLine(looped.result(), Pattern.quote(String.join(" -> ", cycle.stream().map(Path::toString)
                .toList())) + ": parent not found .*already in the chain \\(a cycle\\)");
        looped.assertNothingOpenedForWriting();
    }

    /** What one traced vhdx-mount run did. */
    record Trace(MountIt.Result result, List<String> lines, Path dir) {
        private static final Pattern OPEN = Pattern.compile("^open(?:at2?)?\\((?:[^,]+, )?\"([^\"]*)\", ([A-Z0-9_|]+)");
        private static final Pattern PREAD = Pattern.compile("^pread64\\(\\d+<(.+?)>, .*, (\\d+), (\\d+)\\) += (-?\\d+)");

        void assertNothingOpenedForWriting() {
            for (String line : lines) {
                Matcher m = OPEN.matcher(line);
                if (m.find() && (m.group(1).startsWith(dir.toString()) || m.group(1).startsWith("/dev/zero")
                        || m.group(1).startsWith("/dev/null"))) {
                    assertFalse(m.group(2).matches(".*(O_WRONLY|O_RDWR|O_CREAT|O_TRUNC|O_APPEND).*"), line);
                }
                if (line.startsWith("truncate(") || line.startsWith("ftruncate(")) {
                    // the JVM truncates its own perf-data file in /tmp/hsperfdata_USER; nothing of ours
                    assertFalse(line.contains(dir.toString()) || line.contains("/dev/"), line);
                }
            }
        }

        void assertNeverOpened(Path... paths) {
            for (Path p : paths) {
                for (String line : lines) {
                    Matcher m = OPEN.matcher(line);
                    assertFalse(m.find() && m.group(1).equals(p.toString()), "opened: " + line);
                }
            }
        }

        /** Every pread64 of {@code file} lies inside one of {@code allowed} ([start, end)), and there was one. */
        void assertReadOnly(Path file, List<long[]> allowed) {
            int reads = 0;
            for (String line : lines) {
                Matcher m = PREAD.matcher(line);
                if (!m.find() || !m.group(1).equals(file.toString())) {
                    continue;
                }
                long offset = Long.parseLong(m.group(3));
                long end = offset + Math.max(0, Long.parseLong(m.group(4)));
                assertTrue(allowed.stream().anyMatch(r -> offset >= r[0] && end <= r[1]), "read outside what"
                        + " identifies " + file + ": " + line);
                reads++;
            }
            assertTrue(reads > 0, "no pread64 of " + file + " seen: the trace is not what this test expects");
        }
    }

    /** Runs {@code vhdx-mount -f CHILD MNT} under {@code strace -ff}: its opens, reads and truncations. */
    private Trace traced(Path child) throws IOException {
        Tools.require("strace");
        Path traceDir = Files.createTempDirectory(dir, "strace");
        MountIt.Result r = MountIt.run(Map.of(), List.of("strace", "-ff", "-qq", "-y", "-s", "0", "-e",
                "trace=open,openat,openat2,creat,truncate,ftruncate,pread64", "-o", traceDir.resolve("t").toString(),
                MountIt.javaBinary(), "-jar", MountIt.JAR.toString(), "-f", child.toString(), mnt.toString()));
        r.expect(ExitCode.PARENT_NOT_FOUND);
        List<String> lines = new ArrayList<>();
        try (Stream<Path> files = Files.list(traceDir)) {
            for (Path f : files.toList()) {
                lines.addAll(Files.readAllLines(f));
            }
        }
        assertTrue(lines.stream().anyMatch(l -> l.contains(child.toString())), "the trace saw the child");
        return new Trace(r, lines, dir);
    }
}
