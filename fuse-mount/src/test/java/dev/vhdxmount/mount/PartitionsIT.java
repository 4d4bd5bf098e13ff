package dev.vhdxmount.mount;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.vhdxmount.mount.cli.ExitCode;
import dev.vhdxmount.vhdx.testkit.Hashes;
import dev.vhdxmount.vhdx.testkit.VhdxBuilder;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Runtime;

/**
 * What a user does right after mounting, through each binding: {@code --partitions} serves p1.raw and p2.raw beside
 * disk.raw, each the partition's bytes, and {@code mount -o ro,loop p1.raw} mounts the ext4 in it; SEEK_DATA and
 * SEEK_HOLE find the disk's unallocated blocks (libfuse 3; libfuse 2 has no lseek, so the kernel calls everything
 * data), and {@code stat} counts only the allocated blocks once they are counted.
 */
@Timeout(180)
class PartitionsIT extends MountTest {
    private static final long MIB = 1 << 20;

    /** lseek(2) itself: Java's channels have no SEEK_DATA or SEEK_HOLE. */
    public interface Seeking {
        int open(String path, int flags);

        long lseek(int fd, long offset, int whence);

        int close(int fd);
    }

    private static final Seeking LIBC = LibraryLoader.create(Seeking.class).load("c");
    private static final int SEEK_DATA = 3;
    private static final int SEEK_HOLE = 4;
    private static final int ENXIO = 6;

    /** lseek's answer, or minus its errno. */
    private static long seek(Path file, long offset, int whence) {
        int fd = LIBC.open(file.toString(), 0);
        assertTrue(fd >= 0, "open " + file);
        try {
            long at = LIBC.lseek(fd, offset, whence);
            return at >= 0 ? at : -Runtime.getSystemRuntime().getLastError();
        } finally {
            LIBC.close(fd);
        }
    }

    @ParameterizedTest(name = "libfuse {0}")
    @ValueSource(strings = {"3", "2"})
    void partitionFilesHoldThePartitionsAndMount(String libfuse) throws Exception {
        GptDiskFixture disk = GptDiskFixture.create(dir);
        MountIt.cli("--libfuse", libfuse, "--partitions", disk.vhdx().toString(), mnt.toString())
                .expect(ExitCode.OK);
        try (Stream<Path> files = Files.list(mnt)) {
            assertEquals(List.of("disk.raw", "p1.raw", "p2.raw"), files.map(p -> p.getFileName().toString())
                    .sorted().toList());
        }
        // p2 as sfdisk reads it from the oracle's raw disk (it ends where sfdisk aligned it)
        Matcher p2 = Pattern.compile("start=\\s*(\\d+), size=\\s*(\\d+)").matcher(MountIt.shOk("sfdisk -d '"
                + disk.expected() + "' | grep 'expected.raw2'"));
        assertTrue(p2.find(), "sfdisk's p2");
        long p2Offset = Long.parseLong(p2.group(1)) * 512;
        long p2Size = Long.parseLong(p2.group(2)) * 512;
        assertEquals(GptDiskFixture.PARTITION1_OFFSET + GptDiskFixture.PARTITION1_SIZE, p2Offset);
        assertEquals(GptDiskFixture.PARTITION1_SIZE, Files.size(mnt.resolve("p1.raw")));
        assertEquals(p2Size, Files.size(mnt.resolve("p2.raw")));
        assertEquals(sha256(disk.expected(), GptDiskFixture.PARTITION1_OFFSET, GptDiskFixture.PARTITION1_SIZE),
                Hashes.sha256(mnt.resolve("p1.raw")));
        assertEquals(sha256(disk.expected(), p2Offset, p2Size), Hashes.sha256(mnt.resolve("p2.raw")));

        Path part = Files.createDirectory(dir.resolve("part"));
        String hello = MountIt.shOk("mount -o ro,loop '" + mnt.resolve("p1.raw") + "' '" + part + "'\n"
                + "status=0; cat '" + part + "/hello.txt' || status=$?\n"
                + "umount '" + part + "'; exit $status");
        assertEquals(GptDiskFixture.HELLO, hello);
    }

    @ParameterizedTest(name = "libfuse {0}")
    @ValueSource(strings = {"3", "2"})
    void holesAreSeenBySeekAndStat(String libfuse) throws Exception {
        long size = 256 * MIB;
        VhdxBuilder b = VhdxBuilder.dynamic(size).blockSize((int) MIB);
        b.write(0, VhdxBuilder.pattern(4096, 1)); // block 0
        b.write(100 * MIB + 512, VhdxBuilder.pattern(3 * (int) MIB, 2)); // blocks 100-103
        b.write(size - 4096, VhdxBuilder.pattern(4096, 3)); // block 255
        Path image = b.build(dir.resolve("holes.vhdx")).path();
        MountIt.cli("--libfuse", libfuse, image.toString(), mnt.toString()).expect(ExitCode.OK);
        Path diskRaw = mnt.resolve("disk.raw");

        if (libfuse.equals("3")) {
            assertEquals(MIB, seek(diskRaw, 0, SEEK_HOLE));
            assertEquals(100 * MIB, seek(diskRaw, MIB, SEEK_DATA));
            assertEquals(104 * MIB, seek(diskRaw, 100 * MIB, SEEK_HOLE));
            assertEquals(255 * MIB, seek(diskRaw, 104 * MIB, SEEK_DATA));
            assertEquals(size, seek(diskRaw, 255 * MIB, SEEK_HOLE));
            assertEquals(-ENXIO, seek(diskRaw, size, SEEK_DATA));
        } else {
            // libfuse 2 has no lseek: the kernel calls the whole file data, and its end the only hole
            assertEquals(MIB, seek(diskRaw, MIB, SEEK_DATA));
            assertEquals(size, seek(diskRaw, 0, SEEK_HOLE));
        }
        // st_blocks is right from the first stat after the command returns: a script that mounts and copies at once
        // (cp decides whether to look for holes from st_blocks) must not see every block allocated
        long want = 6 * MIB / 512;
        assertEquals(want, Long.parseLong(MountIt.shOk("stat -c %b '" + diskRaw + "'").trim()), "st_blocks");
        assertEquals(String.valueOf(6 * 1024), MountIt.shOk("du -k '" + diskRaw + "'").split("\\s")[0]);
        if (libfuse.equals("3")) {
            // cp's default --sparse=auto keeps the holes it finds with SEEK_DATA: the copy takes only the data
            Path copy = dir.resolve("copy.raw");
            MountIt.shOk("cp '" + diskRaw + "' '" + copy + "'");
            assertEquals(Hashes.sha256(diskRaw), Hashes.sha256(copy));
            long copied = Long.parseLong(MountIt.shOk("du -k '" + copy + "'").split("\\s")[0]);
            assertTrue(copied <= 6 * 1024, "the copy allocates " + copied + " KiB, the data is 6144 KiB");
        }
    }

    private static String sha256(Path file, long offset, long length) throws IOException {
        MessageDigest md = Hashes.sha256();
        try (InputStream in = Files.newInputStream(file)) {
            in.skipNBytes(offset);
            byte[] buf = new byte[1 << 16];
            for (long left = length; left > 0; ) {
                int n = in.read(buf, 0, (int) Math.min(buf.length, left));
                md.update(buf, 0, n);
                left -= n;
            }
        }
        return Hashes.hex(md);
    }
}
