package dev.vhdxmount.mount.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.vhdxmount.vhdx.OpenOptions;
import dev.vhdxmount.vhdx.error.VhdxFormatException;

/** Each way an open can fail becomes one line with its own exit code. */
class ImagesTest {
    private static final Path IMAGE = Path.of("/images/disk.vhdx");

    @TempDir
    Path dir;

    private static CliError describe(IOException e) {
        return Images.describe(IMAGE, OpenOptions.DEFAULTS, e);
    }

    @Test
    void formatErrorsMapToTheirExitCodesAndKeepTheReadersMessage() {
        CliError notVhdx = describe(new VhdxFormatException.NotVhdx("not a VHDX file: it looks like a qcow2 image"));
        assertEquals(ExitCode.NOT_VHDX, notVhdx.exitCode());
        assertEquals("/images/disk.vhdx: not a VHDX file: it looks like a qcow2 image", notVhdx.getMessage());

        CliError corrupt = describe(new VhdxFormatException(
                "region table 1 at 0x30000: CRC-32C mismatch (stored 0x1a2b3c4d, computed 0x5e6f7a8b)"));
        assertEquals(ExitCode.CORRUPT_IMAGE, corrupt.exitCode());
        assertTrue(corrupt.getMessage().endsWith("computed 0x5e6f7a8b)"), corrupt.getMessage());

        assertEquals(ExitCode.UNSUPPORTED_IMAGE, describe(new VhdxFormatException.Unsupported("x")).exitCode());
    }

    @Test
    void theImagePathIsNotRepeatedWhenTheMessageHasIt() {
        CliError e = describe(new VhdxFormatException("/images/disk.vhdx: header 1 at 0x10000: bad signature"));
        assertEquals("/images/disk.vhdx: header 1 at 0x10000: bad signature", e.getMessage());
    }

    @Test
    void truncatedSuggestsAllowTruncatedUnlessGiven() {
        CliError e = describe(new VhdxFormatException.Truncated("BAT at 0x300000 lies past the end of the file"));
        assertEquals(ExitCode.CORRUPT_IMAGE, e.exitCode());
        assertTrue(e.getMessage().endsWith("lies past the end of the file; --allow-truncated mounts what is there"),
                e.getMessage());
        CliError allowed = Images.describe(IMAGE, OpenOptions.DEFAULTS.withAllowTruncated(true),
                new VhdxFormatException.Truncated("log at 0x100000 lies past the end of the file"));
        assertTrue(!allowed.getMessage().contains("--allow-truncated"), allowed.getMessage());
    }

    /** The core says whether naming the parent could help (not where --parent named it already). */
    @Test
    void parentNotFoundSuggestsParentWhereTheCoreSaysItHelps() {
        List<VhdxFormatException.ParentNotFound.Attempt> tried = List.of(
                new VhdxFormatException.ParentNotFound.Attempt("./base.vhdx", "relative_path base.vhdx", "missing"));
        CliError e = describe(new VhdxFormatException.ParentNotFound("parent base.vhdx: tried ./base.vhdx (missing)",
                IMAGE, tried, true));
        assertEquals(ExitCode.PARENT_NOT_FOUND, e.exitCode());
        assertTrue(e.getMessage().endsWith(" (name the parent with --parent PATH)"), e.getMessage());
        assertEquals(1, e.getMessage().split("--parent", -1).length - 1, "the hint once: " + e.getMessage());
        CliError named = Images.describe(IMAGE, OpenOptions.DEFAULTS.withParents(List.of(Path.of("/b.vhdx"))),
                new VhdxFormatException.ParentNotFound("parent /b.vhdx: DataWriteGuid does not match", IMAGE,
                        List.of(new VhdxFormatException.ParentNotFound.Attempt("/b.vhdx", "named with --parent",
                                "DataWriteGuid does not match")), false));
        assertTrue(!named.getMessage().contains("--parent PATH"), named.getMessage());
    }

    @Test
    void anotherFormatSaysWhatOpensIt() {
        for (VhdxFormatException.NotVhdx.LooksLike kind : VhdxFormatException.NotVhdx.LooksLike.values()) {
            CliError e = describe(new VhdxFormatException.NotVhdx("it looks like something", kind));
            assertEquals(ExitCode.NOT_VHDX, e.exitCode());
            String instead = Images.insteadOf(kind, IMAGE);
            assertTrue(e.getMessage().endsWith("it looks like something" + instead), e.getMessage());
            boolean known = switch (kind) {
                case VHD, QCOW2, VMDK, VDI, RAW_DISK -> true;
                default -> false;
            };
            assertEquals(known, !instead.isEmpty(), kind + ": " + instead);
        }
        assertEquals("; a raw disk needs no vhdx-mount: 'losetup -r -f --show -P /images/disk.vhdx' attaches it as it"
                + " is", Images.insteadOf(VhdxFormatException.NotVhdx.LooksLike.RAW_DISK, IMAGE));
        assertTrue(Images.insteadOf(VhdxFormatException.NotVhdx.LooksLike.VDI, Path.of("/my disks/a.vdi"))
                .contains("\"qemu-nbd --read-only -f vdi -c /dev/nbd0 '/my disks/a.vdi'\""), "quoted");
    }

    @Test
    void plainIoErrorsAreUnreadable() {
        CliError e = describe(new AccessDeniedException("/images/disk.vhdx"));
        assertEquals(ExitCode.IMAGE_UNREADABLE, e.exitCode());
    }

    @Test
    void aMissingImage() {
        CliError e = assertThrows(CliError.class,
                () -> Images.checkReadable(dir.resolve("none.vhdx"), OpenOptions.DEFAULTS));
        assertEquals(ExitCode.IMAGE_UNREADABLE, e.exitCode());
        assertTrue(e.getMessage().endsWith("none.vhdx: no such file (the image does not exist)"), e.getMessage());
    }

    @Test
    void aDirectoryIsNotAnImage() {
        CliError e = assertThrows(CliError.class, () -> Images.checkReadable(dir, OpenOptions.DEFAULTS));
        assertEquals(ExitCode.IMAGE_UNREADABLE, e.exitCode());
        assertTrue(e.getMessage().endsWith("is a directory, not an image file"), e.getMessage());
    }

    @Test
    void aMissingParent() throws IOException {
        Path image = Files.createFile(dir.resolve("child.vhdx"));
        CliError e = assertThrows(CliError.class, () -> Images.checkReadable(image,
                OpenOptions.DEFAULTS.withParents(List.of(dir.resolve("base.vhdx")))));
        assertEquals(ExitCode.IMAGE_UNREADABLE, e.exitCode());
        assertTrue(e.getMessage().contains("the parent image does not exist"), e.getMessage());
    }
}
