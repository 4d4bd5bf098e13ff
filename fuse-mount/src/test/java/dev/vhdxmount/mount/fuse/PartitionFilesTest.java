package dev.vhdxmount.mount.fuse;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.vhdxmount.mount.fuse.DiskFileSystem.FileError;
import dev.vhdxmount.vhdx.VhdxImage;
import dev.vhdxmount.vhdx.VirtualDisk;
import dev.vhdxmount.vhdx.testkit.ExpectedDisk;
import dev.vhdxmount.vhdx.testkit.LocatedReader;
import dev.vhdxmount.vhdx.testkit.Tools;
import dev.vhdxmount.vhdx.testkit.VhdxBuilder;
import jnr.constants.platform.Errno;

/**
 * {@code --partitions}: the model serves each partition of the disk's table as a file of its own, byte for byte the
 * partition's slice of disk.raw, read, located, mapped (lseek, st_blocks) and cut at its own end. The disk is a GPT
 * that sfdisk wrote, in a VHDX the test builder made around it, so that the expected bytes and the allocated blocks are
 * the builder's, not the reader's.
 */
class PartitionFilesTest {
    private static final int MIB = 1 << 20;
    private static final long SIZE = 64L * MIB;
    /** sfdisk's layout: p1 at sector 2048 for 32768 sectors (1 MiB + 16 MiB), p2 at 34816 for 65536 (17 MiB, 32 MiB). */
    private static final long P1 = 2048L * 512;
    private static final long P1_SIZE = 32768L * 512;
    private static final long P2 = 34816L * 512;
    private static final long P2_SIZE = 65536L * 512;
    private static final ImageTimes TIMES = new ImageTimes(FileTime.fromMillis(1), FileTime.fromMillis(2),
            FileTime.fromMillis(3));

    @TempDir
    static Path tmp;
    private static ExpectedDisk want;
    private static Path image;

    @BeforeAll
    static void buildTheDisk() throws Exception {
        Tools.require("sfdisk");
        Path raw = tmp.resolve("table.raw");
        try (FileChannel f = FileChannel.open(raw, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            f.truncate(SIZE);
            f.write(ByteBuffer.allocate(1), SIZE - 1);
        }
        Tools.check("sh", "-c", "printf 'label: gpt\\nstart=2048, size=32768, type=L\\n"
                + "start=34816, size=65536, type=L\\n' | sfdisk -q '" + raw + "'");
        byte[] bytes = Files.readAllBytes(raw);
        VhdxBuilder b = VhdxBuilder.dynamic(SIZE).blockSize(MIB);
        b.write(0, Arrays.copyOf(bytes, 34 * 512)); // protective MBR, primary GPT header and entries: block 0
        b.write(SIZE - 33 * 512, Arrays.copyOfRange(bytes, (int) SIZE - 33 * 512, (int) SIZE)); // the backup: block 63
        b.write(P1 + MIB, VhdxBuilder.pattern(MIB, 1)); // block 2: p1's second MiB
        b.write(P2 + 5L * MIB + 512, VhdxBuilder.pattern(4096, 2)); // block 22, partly
        image = b.build(tmp.resolve("gpt.vhdx")).path();
        want = b.expected();
    }

    private static DiskFileSystem mount(VirtualDisk disk) {
        return DiskFileSystem.withPartitions(disk, TIMES, new Ownership(0, 0, 0));
    }

    private static byte[] read(DiskFileSystem fs, long inode, long offset, int size) throws Exception {
        DiskFileSystem.Read r = fs.read(inode, offset, size);
        ByteBuffer dst = ByteBuffer.allocate(r.length());
        DiskFileSystem.readFully(r, dst);
        return dst.array();
    }

    @Test
    void eachPartitionIsAFileOfItsBytes() throws Exception {
        try (VirtualDisk disk = VhdxImage.open(image)) {
            DiskFileSystem fs = mount(disk);
            assertEquals(List.of("disk.raw", "p1.raw", "p2.raw"), fs.files().stream().map(DiskFileSystem.File::name)
                    .toList());
            long p1 = fs.inodeOf("/p1.raw");
            long p2 = fs.inodeOf("/p2.raw");
            assertEquals(P1_SIZE, fs.attributes(p1).size());
            assertEquals(P2_SIZE, fs.attributes(p2).size());
            assertArrayEquals(want.read(P1 + MIB - 4096, 8192), read(fs, p1, MIB - 4096, 8192));
            assertArrayEquals(want.read(P2 + 5L * MIB, 8192), read(fs, p2, 5L * MIB, 8192));
            // cut at the partition's end, never into the next one: p1's last bytes, then nothing
            assertArrayEquals(want.read(P1 + P1_SIZE - 512, 512), read(fs, p1, P1_SIZE - 512, 4096));
            assertEquals(0, fs.read(p1, P1_SIZE, 4096).length());
            // the same bytes located, as the splicing binding takes them
            VirtualDisk p2Content = fs.files().get(2).content();
            assertEquals(-1, sliceOf(want, P2, P2_SIZE).firstMismatch(new LocatedReader(p2Content), 5L * MIB - MIB,
                    3L * MIB));
        }
    }

    /** The expected bytes of {@code [start, start + length)} of {@code disk}, as a source starting at 0. */
    private static ExpectedSlice sliceOf(ExpectedDisk disk, long start, long length) {
        return new ExpectedSlice(disk, start, length);
    }

    private record ExpectedSlice(ExpectedDisk disk, long start, long length) {
        long firstMismatch(ExpectedDisk.Source source, long offset, long size) throws IOException {
            ByteBuffer got = ByteBuffer.allocate((int) size);
            while (got.hasRemaining()) {
                if (source.read(offset + got.position(), got) <= 0) {
                    return offset + got.position();
                }
            }
            int m = Arrays.mismatch(disk.read(start + offset, (int) size), got.array());
            return m < 0 ? -1 : offset + m;
        }
    }

    @Test
    void seekDataAndHoleFollowTheBlocksInsideEachFile() throws Exception {
        try (VirtualDisk disk = VhdxImage.open(image)) {
            DiskFileSystem fs = mount(disk);
            long raw = fs.inodeOf("/disk.raw");
            long p1 = fs.inodeOf("/p1.raw");
            long p2 = fs.inodeOf("/p2.raw");
            int data = DiskFileSystem.SEEK_DATA;
            int hole = DiskFileSystem.SEEK_HOLE;
            assertEquals(0, fs.seek(raw, 0, data), "block 0 holds the GPT");
            assertEquals(MIB, fs.seek(raw, 0, hole));
            assertEquals(2L * MIB, fs.seek(raw, MIB, data));
            assertEquals(MIB, fs.seek(p1, 0, data), "p1's first data: its second MiB, disk block 2");
            assertEquals(2L * MIB, fs.seek(p1, MIB + 5, hole));
            assertEquals(Errno.ENXIO.intValue(), assertThrows(FileError.class, () -> fs.seek(p1, 2L * MIB, data))
                    .errno(), "no data after it in p1: the backup GPT is past p1's end");
            assertEquals(5L * MIB, fs.seek(p2, 0, data));
            assertEquals(6L * MIB, fs.seek(p2, 5L * MIB, hole));
            assertEquals(P2_SIZE - 1, fs.seek(p2, P2_SIZE - 1, hole), "in a hole: where it stands");
            assertEquals(SIZE, fs.seek(raw, SIZE - 512, hole), "the backup GPT's block runs to the end, a hole");
            assertEquals(Errno.ENXIO.intValue(), assertThrows(FileError.class, () -> fs.seek(p2, P2_SIZE, hole))
                    .errno());
            assertEquals(Errno.EINVAL.intValue(), assertThrows(FileError.class, () -> fs.seek(p2, -1, data))
                    .errno());
        }
    }

    @Test
    void stBlocksCountTheAllocatedBlocksOfEachFileOnceCounted() throws Exception {
        try (VirtualDisk disk = VhdxImage.open(image)) {
            DiskFileSystem fs = mount(disk);
            long raw = fs.inodeOf("/disk.raw");
            long p1 = fs.inodeOf("/p1.raw");
            long p2 = fs.inodeOf("/p2.raw");
            assertEquals(SIZE / 512, fs.attributes(raw).blocks(), "every block, until counted");
            assertEquals(DiskFileSystem.PROVISIONAL_SECONDS, fs.attributes(raw).validSeconds());
            fs.countAllocatedBlocks();
            assertEquals(4L * MIB / 512, fs.attributes(raw).blocks(), "blocks 0, 2, 22 and 63");
            assertEquals(MIB / 512, fs.attributes(p1).blocks());
            assertEquals(MIB / 512, fs.attributes(p2).blocks());
            assertEquals(DiskFileSystem.CACHE_SECONDS, fs.attributes(p2).validSeconds());
        }
    }

    @Test
    void aDiskWithoutATableIsDiskRawAlone() throws Exception {
        Path blank = VhdxBuilder.dynamic(SIZE).blockSize(MIB).build(tmp.resolve("blank.vhdx")).path();
        try (VirtualDisk disk = VhdxImage.open(blank)) {
            assertEquals(List.of("disk.raw"), mount(disk).files().stream().map(DiskFileSystem.File::name).toList());
        }
    }

    @Test
    void aFileSystemFromSectorZeroIsNamedWithTheWayToMountIt() throws Exception {
        // WSL's ext4.vhdx: no table, ext4 from the first byte
        Tools.require("mkfs.ext4");
        Path raw = tmp.resolve("wsl.raw");
        try (FileChannel f = FileChannel.open(raw, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            f.write(ByteBuffer.allocate(1), 16L * MIB - 1);
        }
        Tools.check("mkfs.ext4", "-q", "-F", raw.toString());
        VhdxBuilder b = VhdxBuilder.dynamic(16L * MIB).blockSize(MIB);
        b.write(0, Arrays.copyOf(Files.readAllBytes(raw), MIB));
        Path wsl = b.build(tmp.resolve("ext4.vhdx")).path();
        ch.qos.logback.classic.Logger logger = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory
                .getLogger(DiskFileSystem.class);
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> seen =
                new ch.qos.logback.core.read.ListAppender<>();
        seen.start();
        logger.addAppender(seen);
        try (VirtualDisk disk = VhdxImage.open(wsl)) {
            assertEquals(List.of("disk.raw"), mount(disk).files().stream().map(DiskFileSystem.File::name).toList());
        } finally {
            logger.detachAppender(seen);
        }
        assertEquals(List.of("--partitions: no partition to serve (the disk has no partition table; disk.raw itself is"
                + " ext4 (as WSL's ext4.vhdx is): mount it with mount -o ro,loop): disk.raw only"),
                seen.list.stream().map(ch.qos.logback.classic.spi.ILoggingEvent::getFormattedMessage).toList());
    }
}
