package dev.vhdxmount.mount;

import static dev.vhdxmount.vhdx.testkit.Sizes.MIB;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.vhdxmount.mount.cli.ExitCode;
import dev.vhdxmount.vhdx.testkit.BuiltImage;
import dev.vhdxmount.vhdx.testkit.Corpus;
import dev.vhdxmount.vhdx.testkit.Hashes;
import dev.vhdxmount.vhdx.testkit.VhdxBuilder;

/**
 * The image is never written, dirty ones included (their log is replayed in memory): its bytes, mtime and ctime are
 * the same after a mount that read all of disk.raw, and the serving process holds it open read-only only.
 */
@Timeout(300)
class NeverWritesIT extends MountTest {

    /** What would show a write: the content, and both times (ctime also moves on chmod, truncate, rename). */
    record FileState(String sha256, long size, FileTime mtime, FileTime ctime) {
        static FileState of(Path file) throws IOException {
            return new FileState(Hashes.sha256(file), Files.size(file), Files.getLastModifiedTime(file),
                    (FileTime) Files.getAttribute(file, "unix:ctime"));
        }
    }

    @Test
    void theCorpusDirtyLogImage() throws Exception {
        // Windows 10's image whose BAT says NOT_PRESENT everywhere until its 2-entry log is replayed
        String file = "discutils/vhdx-log-replay.vhdx.gz";
        Path image = TruncatedImageIT.corpusImage(file, dir.resolve("log-replay.vhdx"));
        String want = Corpus.images().stream().filter(i -> i.file().equals(file)).findFirst().orElseThrow()
                .rawSha256();
        mountReadAllAndCheckUnchanged(image, want);
    }

    @Test
    void aBuilderMadeDirtyImage() throws Exception {
        VhdxBuilder b = VhdxBuilder.dynamic(96L * MIB).blockSize(MIB);
        b.write(0, VhdxBuilder.pattern(2 * MIB, 1));
        b.write(9L * MIB, VhdxBuilder.pattern(4096, 2));
        b.write(40L * MIB + 512, VhdxBuilder.pattern(8192, 3));
        b.write(70L * MIB, VhdxBuilder.pattern(MIB, 4)); // a block only the log allocates, past the file's end
        // the log changes a BAT entry and payload sectors, zeroes a range and appends a block past the file's end
        b.log().length(2L * MIB).entry().bat(9).payload(9L * MIB, 4096)
                .and().entry().bat(40).payload(40L * MIB, 12288).zero(b.layout().fileOffset(MIB), 8192)
                .and().entry().appendBlock(70);
        BuiltImage built = b.build(dir.resolve("dirty.vhdx"));
        assertTrue(built.logEntries().stream().allMatch(BuiltImage.LogEntryInfo::replayed), "a dirty image");
        mountReadAllAndCheckUnchanged(built.path(), b.expected().sha256());
    }

    private void mountReadAllAndCheckUnchanged(Path image, String wantSha256) throws Exception {
        FileState before = FileState.of(image);
        MountIt.cli(image.toString(), mnt.toString()).expect(ExitCode.OK);

        long pid = MountIt.serverPid(mnt);
        List<MountIt.OpenFile> open = MountIt.openFiles(pid, image);
        assertFalse(open.isEmpty(), "the serving process holds the image open");
        for (MountIt.OpenFile f : open) {
            assertTrue(f.readOnly(), "fd " + f.fd() + " of " + f.target() + " has flags 0" + Integer.toOctalString(
                    f.flags()) + ": not O_RDONLY");
        }
        assertEquals(wantSha256, Hashes.sha256(mnt.resolve("disk.raw")), "disk.raw after log replay");

        MountIt.shOk("fusermount -u '" + mnt + "'");
        MountIt.awaitGone(mnt);
        assertEquals(before, FileState.of(image), "the image after a mount that read all of it");
    }
}
