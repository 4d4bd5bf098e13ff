package dev.vhdxmount.mount;

import static dev.vhdxmount.vhdx.testkit.Sizes.MIB;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.vhdxmount.mount.cli.ExitCode;

/**
 * A disk with data and then unallocated blocks, read as a user reads it, through each binding: the whole of disk.raw
 * compares equal to the raw disk it was made from, its size stays the virtual size after that, and an O_DIRECT read
 * of the first unallocated block returns a whole block of zeros. On libfuse 3.17 a binding that wrote 3.14's
 * structures answered the zeros with nothing, which the kernel took for the end of the file: {@code cmp} said "EOF on
 * disk.raw after byte 8388608" and the file shrank to 8 MiB for the rest of the mount.
 */
@Timeout(180)
class SparseDiskIT extends MountTest {

    @ParameterizedTest(name = "libfuse {0}")
    @ValueSource(strings = {"3", "2"})
    void dataThenUnallocatedBlocksReadWholeAndTheSizeHolds(String libfuse) throws Exception {
        Path raw = dir.resolve("disk.raw");
        Path image = dir.resolve("disk.vhdx");
        MountIt.shOk("set -e; head -c 8M /dev/urandom > '" + raw + "'; truncate -s 64M '" + raw + "'; "
                + "qemu-img convert -f raw -O vhdx -o subformat=dynamic '" + raw + "' '" + image + "'");
        MountIt.cli("--libfuse", libfuse, image.toString(), mnt.toString()).expect(ExitCode.OK);
        Path diskRaw = mnt.resolve("disk.raw");

        // cmp reads 4 KiB at a time, so the kernel's readahead grows in steps and one of its requests spans the
        // last data block and the first unallocated one: a reply of file range + zeros
        MountIt.Result cmp = MountIt.sh("cmp '" + diskRaw + "' '" + raw + "'");
        assertEquals(0, cmp.exitCode(), "cmp: " + cmp);
        assertEquals("67108864", MountIt.shOk("stat -c %s '" + diskRaw + "'").trim(), "the size after reading");
        for (long[] range : new long[][] {{8 * MIB - 64 * 1024, 128 * 1024}, {8 * MIB, 4096}}) {
            assertArrayEquals(range(raw, range[0], range[1], ""), range(diskRaw, range[0], range[1], "direct,"),
                    "an O_DIRECT read of " + range[1] + " bytes at " + range[0]);
        }
        MountIt.Result copy = MountIt.sh("cat '" + diskRaw + "' > '" + dir.resolve("copy") + "' && cmp '"
                + dir.resolve("copy") + "' '" + raw + "'");
        assertEquals(0, copy.exitCode(), "cat | cmp: " + copy);
    }


    /** The bytes that dd reads of {@code file} at {@code offset}, one read of {@code length} bytes. */
    private byte[] range(Path file, long offset, long length, String flags) throws IOException {
        Path out = dir.resolve("range");
        MountIt.shOk("dd if='" + file + "' iflag=" + flags + "skip_bytes,count_bytes skip=" + offset + " count="
                + length + " bs=" + length + " status=none > '" + out + "'");
        return Files.readAllBytes(out);
    }
}
