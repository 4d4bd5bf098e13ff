package dev.vhdxmount.mount;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.vhdxmount.mount.cli.ExitCode;
import dev.vhdxmount.vhdx.testkit.VhdxBuilder;

/**
 * {@code --overlay} as a user needs it, through each binding: an ext4 copied while it was mounted (a real journal
 * transaction not yet checkpointed, so it carries needs_recovery) inside a VHDX is refused by {@code mount -o ro,loop};
 * with {@code --overlay} a writable {@code mount -o loop} replays the journal and shows the files written last; a file
 * written into it reads back until unmount and is gone after a remount; the image (and a chain's parent) keeps its
 * bytes and times and is held open read-only only; the same through a differencing chain and a dirty-log image; a
 * write past {@code --overlay-max} is ENOSPC with one warning; and the overlay file, unlinked when made, leaves nothing
 * in its folder at any time, after unmount, SIGTERM or SIGKILL alike. An XFS whose log needs replay, the same way; an NTFS left hibernated made writable by the command the log gives.
 */
@Timeout(300)
class OverlayIT extends MountTest {
    private static final long MIB = 1 << 20;
    private static final long EXT4_SIZE = 32 * MIB;
    /** The files written last before the copy, each holding its own name. */
    private static final List<String> LAST_WRITTEN = List.of("last-1.txt", "dir/last-2.txt", "dir/last-3.txt");

    /** An ext4 made by mkfs (clean.img) and the copy of it taken while mounted, after the last writes (dirty.img). */
    private record DirtyExt4(Path clean, Path dirty) {}

    private DirtyExt4 dirtyExt4() {
        Path clean = dir.resolve("clean.img");
        Path dirty = dir.resolve("dirty.img");
        MountIt.shOk("cd '" + dir + "'\n"
                + "truncate -s " + EXT4_SIZE + " clean.img && mkfs.ext4 -q -F clean.img\n"
                + "cp --sparse=always clean.img live.img && mkdir -p live\n"
                + "mount -o loop live.img live\n"
                + "status=0\n"
                + "{ mkdir live/dir\n"
                + LAST_WRITTEN.stream().map(f -> "  printf '%s' '" + f + "' > 'live/" + f + "'\n")
                        .reduce("", String::concat)
                // the transaction is committed to the journal; its blocks are not yet written in place
                + "  sync && cp --sparse=always live.img dirty.img; } || status=$?\n"
                + "umount live; rm -f live.img; exit $status\n");
        String features = MountIt.shOk("dumpe2fs -h '" + dirty + "' 2>/dev/null | grep '^Filesystem features'");
        assertTrue(features.contains("needs_recovery"), "a copy taken while mounted: " + features);
        return new DirtyExt4(clean, dirty);
    }

    /** A GPT disk whose partition 1 (1 MiB on, 32 MiB) is the dirty ext4, as qemu-img's dynamic VHDX. */
    private Path gptDisk(DirtyExt4 ext4) throws IOException {
        return gptDisk(ext4.dirty(), 40, "disk");
    }

    /**
     * A GPT disk of {@code diskMib} MiB whose partition 1, from 1 MiB on, is the file system image {@code volume} (its
     * size), as qemu-img's dynamic VHDX {@code name}.vhdx in the test's folder.
     */
    private Path gptDisk(Path volume, int diskMib, String name) throws IOException {
        MountIt.shOk("cd '" + dir + "'\n"
                + "truncate -s " + diskMib + "M gpt.raw\n"
                + "printf 'label: gpt\\nstart=2048, size=" + Files.size(volume) / 512 + ", type=L\\n' | sfdisk -q"
                + " gpt.raw\n"
                + "dd if='" + volume + "' of=gpt.raw bs=1M seek=1 conv=notrunc,sparse status=none\n"
                + "qemu-img convert -f raw -O vhdx -o subformat=dynamic gpt.raw '" + name + ".vhdx' && rm gpt.raw\n");
        return dir.resolve(name + ".vhdx");
    }

    /** The overlay's own folder, which must stay empty: the file is unlinked as soon as it is made. */
    private Path overlayFolder() throws IOException {
        return Files.createDirectories(dir.resolve("overlay"));
    }

    private static List<String> entries(Path folder) throws IOException {
        try (Stream<Path> s = Files.list(folder)) {
            return s.map(p -> p.getFileName().toString()).toList();
        }
    }

    /** The kernel's words when it refuses a read-only ext4 for want of recovery. */
    private static final String EXT4_REFUSAL = "recovery required on readonly filesystem";
    /** The kernel's words when it refuses a read-only XFS whose log needs replay. */
    private static final String XFS_REFUSAL = "recovery required on read-only device";

    /** The kernel log's clock: the time stamp of its last line, in seconds since boot (0 if it is empty). */
    private static double kernelLogClock() {
        String last = MountIt.shOk("dmesg | tail -n 1");
        return kernelTime(last);
    }

    /**
     * Whether the kernel has said {@code refusal} after {@code since} (its log's clock). Lines are told by their time
     * stamps, not counted: once the ring buffer is full, an old line drops out for every new one.
     */
    private static boolean kernelSaidSince(String refusal, double since) {
        for (String line : MountIt.shOk("dmesg").split("\n")) {
            if (line.contains(refusal) && kernelTime(line) > since) {
                return true;
            }
        }
        return false;
    }

    /** The time stamp of a kernel log line ("[ 1234.567890] ..."), or 0 without one. */
    private static double kernelTime(String line) {
        int open = line.indexOf('[');
        int close = line.indexOf(']');
        return open == 0 && close > open ? Double.parseDouble(line.substring(1, close).trim()) : 0;
    }

    /** The serving process's descriptors of its overlay file: there, and unlinked. */
    private static List<String> overlayDescriptors(long pid, Path folder) throws IOException {
        List<String> found = new java.util.ArrayList<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc/" + pid + "/fd"))) {
            for (Path fd : fds.toList()) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith(folder + "/vhdx-mount-overlay-")) {
                        found.add(target);
                    }
                } catch (IOException e) {
                    // closed meanwhile
                }
            }
        }
        return found;
    }

    /**
     * {@code mount -o ro,loop} of {@code file} is refused for want of recovery; {@code mount -o loop} (writable)
     * replays the journal and shows the files written last; a file written then reads back after a remount of the
     * partition, and every byte of the file is the same through disk.raw at {@code offset}.
     */
    private void recoverWriteAndReadBack(Path file, long offset) throws Exception {
        recoverWriteAndReadBack(file, offset, EXT4_REFUSAL);
    }

    private void recoverWriteAndReadBack(Path file, long offset, String refusal) throws Exception {
        Path part = Files.createDirectories(dir.resolve("part"));
        double before = kernelLogClock();
        MountIt.Result ro = MountIt.sh("mount -o ro,loop '" + file + "' '" + part + "'");
        assertNotEquals(0, ro.exitCode(), "a read-only loop mount of a journal that needs recovery: " + ro.stdout());
        assertTrue(kernelSaidSince(refusal, before), "the kernel said why: " + ro.stderr());

        if (offset >= 0) {
            // disk.raw's range read before the writes through the partition file: any page cache of it is stale after
            MountIt.shOk("dd if='" + mnt.resolve("disk.raw") + "' of=/dev/null bs=1M skip=" + offset / MIB + " count="
                    + Files.size(file) / MIB + " status=none");
        }
        String seen = MountIt.shOk("mount -o loop '" + file + "' '" + part + "'\n"
                + "status=0; { " + String.join(" && ", LAST_WRITTEN.stream().map(f -> "cat '" + part + "/" + f + "'")
                        .toList()) + " && echo"
                + " && printf 'written through the overlay' > '" + part + "/written.txt' && sync; } || status=$?\n"
                + "umount '" + part + "'; exit $status");
        assertEquals(String.join("", LAST_WRITTEN) + "\n", seen, "the journal replayed: the files written last");
        assertEquals("written through the overlay", MountIt.shOk("mount -o loop '" + file + "' '" + part + "'\n"
                + "status=0; cat '" + part + "/written.txt' || status=$?\numount '" + part + "'; exit $status"));
        if (offset >= 0) {
            // no page cache of one file serves bytes the other's writes changed
            MountIt.shOk("cmp <(cat '" + file + "') <(dd if='" + mnt.resolve("disk.raw") + "' bs=1M skip="
                    + offset / MIB + " count=" + Files.size(file) / MIB + " status=none)");
        }
    }

    /** After unmount and a new mount with an overlay, nothing written before is there, and recovery runs again. */
    private void remountFindsNothingWritten(String libfuse, Path image, String file, String... more)
            throws Exception {
        List<String> args = new java.util.ArrayList<>(List.of("--libfuse", libfuse, "--overlay=" + overlayFolder()));
        args.addAll(List.of(more));
        args.addAll(List.of(image.toString(), mnt.toString()));
        MountIt.cli(args.toArray(String[]::new)).expect(ExitCode.OK);
        Path part = dir.resolve("part");
        String listing = MountIt.shOk("mount -o loop '" + mnt.resolve(file) + "' '" + part + "'\n"
                + "status=0; ls '" + part + "' || status=$?\numount '" + part + "'; exit $status");
        assertFalse(listing.contains("written.txt"), "gone with the last overlay: " + listing);
        assertTrue(listing.contains("last-1.txt"), listing);
        MountIt.shOk("fusermount -u '" + mnt + "'");
        MountIt.awaitGone(mnt);
    }

    @ParameterizedTest(name = "libfuse {0}")
    @ValueSource(strings = {"3", "2"})
    void aDirtyExt4InAPartitionIsRecoveredThroughTheOverlayAndTheImageStaysAsItWas(String libfuse)
            throws Exception {
        Path image = gptDisk(dirtyExt4());
        NeverWritesIT.FileState before = NeverWritesIT.FileState.of(image);
        Path folder = overlayFolder();
        Path log = dir.resolve("mount.log");
        MountIt.cli("--libfuse", libfuse, "--overlay=" + folder, "--partitions", "--log-file", log.toString(),
                image.toString(), mnt.toString()).expect(ExitCode.OK);
        String logged = Files.readString(log);
        assertTrue(logged.contains("overlay: writes go to an unlinked, sparse file in " + folder + ", at most 40.0 MiB"),
                logged);
        assertTrue(MountIt.shOk("stat -c %A '" + mnt.resolve("p1.raw") + "'").startsWith("-rw-r--r--"));
        assertTrue(logged.contains("p1.raw: ext4, its journal needs recovery (needs_recovery): mount -o loop "
                + mnt.resolve("p1.raw") + " /mnt/part replays it into the overlay"), "the log names it: " + logged);

        long pid = MountIt.serverPid(mnt);
        for (MountIt.OpenFile f : MountIt.openFiles(pid, image)) {
            assertTrue(f.readOnly(), "the image is held O_RDONLY only: fd " + f.fd() + " flags 0"
                    + Integer.toOctalString(f.flags()));
        }
        recoverWriteAndReadBack(mnt.resolve("p1.raw"), MIB);
        assertFalse(overlayDescriptors(pid, folder).isEmpty(), "the overlay file is open");
        assertTrue(overlayDescriptors(pid, folder).stream().allMatch(t -> t.endsWith(" (deleted)")),
                overlayDescriptors(pid, folder).toString());
        assertEquals(List.of(), entries(folder), "no name leads to the overlay file");

        MountIt.shOk("fusermount -u '" + mnt + "'");
        MountIt.awaitGone(mnt);
        assertEquals(List.of(), entries(folder));
        remountFindsNothingWritten(libfuse, image, "p1.raw", "--partitions");
        assertEquals(before, NeverWritesIT.FileState.of(image), "the image: same bytes, same times");
    }

    /**
     * An XFS shut down by force after its last writes (xfs_io's shutdown, as a crash leaves it: the log holds them, the
     * blocks in place do not), whose log xfs_repair says needs replay, in partition 1 of a GPT disk: vhdx-info and the
     * mount's log name it and both ways in; the kernel refuses it read-only; {@code norecovery} shows the untouched
     * view without the last files; with {@code --overlay} the log replays and they are there. A clean XFS (mkfs,
     * written, unmounted) gets plain {@code ro,loop}.
     */
    @ParameterizedTest(name = "libfuse {0}")
    @ValueSource(strings = {"3", "2"})
    void aDirtyXfsIsNamedAndRecoveredThroughTheOverlay(String libfuse) throws Exception {
        MountIt.shOk("cd '" + dir + "'\n"
                + "truncate -s 300M xfs.img && mkfs.xfs -q -f xfs.img && mkdir -p live\n"
                + "mount -o loop xfs.img live && echo before > live/before.txt && umount live\n"
                + "cp --sparse=always xfs.img clean.img\n"
                + "mount -o loop xfs.img live\n"
                + "status=0\n"
                + "{ mkdir live/dir\n"
                + LAST_WRITTEN.stream().map(f -> "  printf '%s' '" + f + "' > 'live/" + f + "'\n")
                        .reduce("", String::concat)
                + "  sync && xfs_io -x -c 'shutdown -f' live; } || status=$?\n"
                + "umount live; exit $status\n");
        assertNotEquals(0, MountIt.sh("xfs_repair -n '" + dir.resolve("xfs.img") + "'").exitCode(),
                "xfs_repair: the log needs replay");
        MountIt.shOk("xfs_repair -n '" + dir.resolve("clean.img") + "'");
        Map<String, Path> images = new java.util.LinkedHashMap<>();
        for (String name : List.of("xfs", "clean")) {
            images.put(name, gptDisk(dir.resolve(name + ".img"), 302, name));
        }
        Path image = images.get("xfs");
        String info = MountIt.cli("vhdx-info", image.toString()).expect(ExitCode.OK).stdout();
        assertTrue(info.contains("needs recovery: true") && info.contains("norecovery"), info);
        assertTrue(info.contains("its log needs recovery (it was not unmounted cleanly)"), info);
        String cleanInfo = MountIt.cli("vhdx-info", images.get("clean").toString()).expect(ExitCode.OK).stdout();
        assertTrue(cleanInfo.contains("needs recovery: false") && !cleanInfo.contains("norecovery"), cleanInfo);
        assertTrue(cleanInfo.contains("mount -o ro,loop MOUNTPOINT/p1.raw /mnt/part"), cleanInfo);

        NeverWritesIT.FileState before = NeverWritesIT.FileState.of(image);
        Path part = Files.createDirectories(dir.resolve("part"));
        MountIt.cli("--libfuse", libfuse, "--partitions", image.toString(), mnt.toString()).expect(ExitCode.OK);
        String untouched = MountIt.shOk("mount -o ro,loop,norecovery '" + mnt.resolve("p1.raw") + "' '" + part
                + "'\nstatus=0; ls '" + part + "' || status=$?\numount '" + part + "'; exit $status");
        assertTrue(untouched.contains("before.txt") && !untouched.contains("last-1.txt"), "the untouched view: "
                + untouched);
        MountIt.shOk("fusermount -u '" + mnt + "'");
        MountIt.awaitGone(mnt);

        Path log = dir.resolve("mount.log");
        MountIt.cli("--libfuse", libfuse, "--overlay=" + overlayFolder(), "--partitions", "--log-file",
                log.toString(), image.toString(), mnt.toString()).expect(ExitCode.OK);
        String logged = Files.readString(log);
        assertTrue(logged.contains("p1.raw: xfs, its log needs recovery (it was not unmounted cleanly): mount -o loop "
                + mnt.resolve("p1.raw") + " /mnt/part replays it into the overlay"), "the log names it: " + logged);
        recoverWriteAndReadBack(mnt.resolve("p1.raw"), MIB, XFS_REFUSAL);
        MountIt.shOk("fusermount -u '" + mnt + "'");
        MountIt.awaitGone(mnt);
        assertEquals(before, NeverWritesIT.FileState.of(image), "the image: same bytes, same times");
    }

    /**
     * An NTFS that Windows left hibernated (a hiberfil.sys that begins "HIBR", written through ntfs-3g) in partition 1:
     * the mount's log names it with both ways in, and both work as the log says: ntfs-3g mounts the untouched view
     * read-only, and on the overlay the recovered command ({@code remove_hiberfile}) mounts it writable, hiberfil.sys
     * gone and a new file written; the image keeps its bytes and times.
     */
    @ParameterizedTest(name = "libfuse {0}")
    @ValueSource(strings = {"3", "2"})
    void aHibernatedNtfsIsMadeWritableThroughTheOverlayOnly(String libfuse) throws Exception {
        MountIt.shOk("cd '" + dir + "'\n"
                + "truncate -s 32M ntfs.img && mkntfs -Q -F ntfs.img >/dev/null && mkdir -p live\n"
                + "ntfs-3g ntfs.img live\n"
                + "status=0\n"
                + "{ printf 'before' > live/before.txt && { printf 'HIBR'; head -c 8188 /dev/zero; } > live/hiberfil.sys;"
                + " } || status=$?\n"
                + "umount live; exit $status\n");
        Path image = gptDisk(dir.resolve("ntfs.img"), 34, "ntfs");
        NeverWritesIT.FileState before = NeverWritesIT.FileState.of(image);
        Path log = dir.resolve("mount.log");
        MountIt.cli("--libfuse", libfuse, "--overlay=" + overlayFolder(), "--partitions", "--log-file",
                log.toString(), image.toString(), mnt.toString()).expect(ExitCode.OK);
        String p1 = mnt.resolve("p1.raw").toString();
        String recovered = "mount -t ntfs-3g -o loop,remove_hiberfile " + p1 + " /mnt/part";
        String untouched = "mount -o ro,loop " + p1 + " /mnt/part";
        String logged = Files.readString(log);
        assertTrue(logged.contains("p1.raw: ntfs, hibernated") && logged.contains(recovered)
                && logged.contains(untouched), "the log names it and both ways in: " + logged);

        Path part = Files.createDirectories(dir.resolve("part"));
        String options = "awk -v m='" + part + "' '$2 == m { split($4, o, \",\"); print o[1] }' /proc/mounts";
        String view = MountIt.shOk(untouched.replace("/mnt/part", "'" + part + "'") + "\n"
                + "status=0; { " + options + " && ls '" + part + "'; } || status=$?\numount '" + part + "'; exit $status");
        assertTrue(view.startsWith("ro\n") && view.contains("hiberfil.sys") && view.contains("before.txt"), view);
        String writable = MountIt.shOk(recovered.replace("/mnt/part", "'" + part + "'") + "\n"
                + "status=0; { " + options + " && printf 'written' > '" + part + "/written.txt' && ls '" + part
                + "' && cat '" + part + "/before.txt'; } || status=$?\numount '" + part + "'; exit $status");
        assertTrue(writable.startsWith("rw\n") && !writable.contains("hiberfil.sys")
                && writable.contains("written.txt") && writable.endsWith("before"), "writable, the session dropped: "
                + writable);
        MountIt.shOk("fusermount -u '" + mnt + "'");
        MountIt.awaitGone(mnt);
        assertEquals(before, NeverWritesIT.FileState.of(image), "the image: same bytes, same times");
    }

    @ParameterizedTest(name = "libfuse {0}")
    @ValueSource(strings = {"3", "2"})
    void aDirtyExt4ThroughADifferencingChainAndThroughADirtyLog(String libfuse) throws Exception {
        DirtyExt4 ext4 = dirtyExt4();
        byte[] clean = Files.readAllBytes(ext4.clean());
        byte[] dirty = Files.readAllBytes(ext4.dirty());
        // the chain: mkfs's file system in the parent, what the mount wrote since in the child
        VhdxBuilder base = VhdxBuilder.dynamic(EXT4_SIZE).blockSize((int) MIB);
        writeNonZero(base, clean, null);
        base.build(dir.resolve("base.vhdx"));
        VhdxBuilder child = VhdxBuilder.differencing(EXT4_SIZE).blockSize((int) MIB).parent(base, "base.vhdx");
        writeNonZero(child, dirty, clean);
        Path childImage = child.build(dir.resolve("child.avhdx")).path();
        // the dirty log: the superblock (needs_recovery and all) reaches the disk only by the log's replay
        VhdxBuilder logged = VhdxBuilder.dynamic(EXT4_SIZE).blockSize((int) MIB);
        writeNonZero(logged, dirty, null);
        logged.log().entry().payload(0, 4096).bat(0);
        Path loggedImage = logged.build(dir.resolve("dirty-log.vhdx")).path();

        for (Path image : List.of(childImage, loggedImage)) {
            Map<Path, NeverWritesIT.FileState> before = image == childImage
                    ? Map.of(image, NeverWritesIT.FileState.of(image), dir.resolve("base.vhdx"),
                            NeverWritesIT.FileState.of(dir.resolve("base.vhdx")))
                    : Map.of(image, NeverWritesIT.FileState.of(image));
            MountIt.cli("--libfuse", libfuse, "--overlay=" + overlayFolder(), image.toString(), mnt.toString())
                    .expect(ExitCode.OK);
            long pid = MountIt.serverPid(mnt);
            for (Path file : before.keySet()) {
                for (MountIt.OpenFile f : MountIt.openFiles(pid, file)) {
                    assertTrue(f.readOnly(), file + " is held O_RDONLY only");
                }
            }
            recoverWriteAndReadBack(mnt.resolve("disk.raw"), -1);
            MountIt.shOk("fusermount -u '" + mnt + "'");
            MountIt.awaitGone(mnt);
            remountFindsNothingWritten(libfuse, image, "disk.raw");
            for (Map.Entry<Path, NeverWritesIT.FileState> e : before.entrySet()) {
                assertEquals(e.getValue(), NeverWritesIT.FileState.of(e.getKey()), e.getKey() + " as it was");
            }
        }
    }

    /** Writes the 64 KiB pieces of {@code bytes} that hold data (and, given {@code unless}, differ from it). */
    private static void writeNonZero(VhdxBuilder b, byte[] bytes, byte[] unless) {
        int piece = 64 * 1024;
        byte[] zeros = new byte[piece];
        for (int at = 0; at < bytes.length; at += piece) {
            byte[] part = Arrays.copyOfRange(bytes, at, at + piece);
            boolean wanted = unless == null ? !Arrays.equals(part, zeros)
                    : !Arrays.equals(part, Arrays.copyOfRange(unless, at, at + piece));
            if (wanted) {
                b.write(at, part);
            }
        }
    }

    @ParameterizedTest(name = "libfuse {0}")
    @ValueSource(strings = {"3", "2"})
    void aWritePastOverlayMaxIsEnospcWithOneWarning(String libfuse) throws Exception {
        VhdxBuilder b = VhdxBuilder.dynamic(64 * MIB).blockSize((int) MIB);
        b.write(0, VhdxBuilder.pattern(4096, 1));
        Path image = b.build(dir.resolve("small.vhdx")).path();
        Path log = dir.resolve("mount.log");
        MountIt.cli("--libfuse", libfuse, "--overlay=" + overlayFolder(), "--overlay-max", "1M", "--log-file",
                log.toString(), image.toString(), mnt.toString()).expect(ExitCode.OK);
        Path diskRaw = mnt.resolve("disk.raw");
        // 16 chunks of 64 KiB fit; the 17th write, and the three after it, do not
        MountIt.Result full = MountIt.sh("dd if=/dev/urandom of='" + diskRaw + "' bs=64K count=20 conv=notrunc"
                + " oflag=direct status=none");
        assertNotEquals(0, full.exitCode());
        assertTrue(full.stderr().contains("No space left on device"), full.stderr());
        MountIt.Result more = MountIt.sh("dd if=/dev/zero of='" + diskRaw + "' bs=64K count=4 seek=40"
                + " conv=notrunc oflag=direct status=none");
        assertTrue(more.stderr().contains("No space left on device"), more.stderr());
        MountIt.shOk("dd if=/dev/zero of='" + diskRaw + "' bs=4K count=1 seek=3 conv=notrunc oflag=direct"
                + " status=none");
        byte[] first = MountIt.readAt(diskRaw, 0, 16 * 4096);
        assertTrue(Arrays.equals(new byte[4096], Arrays.copyOfRange(first, 12288, 16384)), "a chunk it holds takes"
                + " writes still");
        MountIt.shOk("fusermount -u '" + mnt + "'");
        MountIt.awaitGone(mnt);
        List<String> warnings = Files.readAllLines(log).stream().filter(l -> l.contains("failed with ENOSPC"))
                .toList();
        assertEquals(1, warnings.size(), "one warning, not one per write: " + warnings);
        assertTrue(warnings.get(0).contains("the overlay is full"), warnings.get(0));
    }

    /** The overlay file has no name from its first moment: no way the process ends can leave it behind. */
    @Test
    void nothingIsLeftInTheFolderAfterSigtermOrSigkill() throws Exception {
        VhdxBuilder b = VhdxBuilder.dynamic(16 * MIB).blockSize((int) MIB);
        b.write(0, VhdxBuilder.pattern(4096, 1));
        Path image = b.build(dir.resolve("small.vhdx")).path();
        Path folder = overlayFolder();
        for (String signal : new String[] {"TERM", "KILL"}) {
            Path out = dir.resolve("out-" + signal);
            Path err = dir.resolve("err-" + signal);
            Process p = MountIt.start(Map.of(), out, err, "-f", "--overlay=" + folder, image.toString(),
                    mnt.toString());
            MountIt.awaitDiskRaw(p, mnt, err);
            MountIt.shOk("dd if=/dev/urandom of='" + mnt.resolve("disk.raw") + "' bs=1M count=2 conv=notrunc"
                    + " status=none");
            assertEquals(1, overlayDescriptors(p.pid(), folder).stream().map(t -> t.replace(" (deleted)", ""))
                    .distinct().count(), "one overlay file, open: " + overlayDescriptors(p.pid(), folder));
            assertEquals(List.of(), entries(folder));
            MountIt.shOk("kill -" + signal + " " + p.pid());
            assertTrue(MountIt.awaitExit(p.pid(), Duration.ofSeconds(20)), "SIG" + signal + " ended it");
            assertEquals(List.of(), entries(folder), "after SIG" + signal);
            if (signal.equals("TERM")) {
                MountIt.awaitGone(mnt);
            } else {
                MountIt.shOk("fusermount -u -z '" + mnt + "' || umount -l '" + mnt + "'");
            }
        }
    }
}
