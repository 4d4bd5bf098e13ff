package dev.vhdxmount.mount.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.vhdxmount.mount.Main;
import dev.vhdxmount.mount.fuse.MountOptions;
import dev.vhdxmount.mount.session.Background;
import dev.vhdxmount.mount.session.FuseBinding;
import picocli.CommandLine;

class MountCommandTest {

    private static MountCommand parse(String... args) {
        MountCommand command = new MountCommand();
        new CommandLine(command).parseArgs(args);
        return command;
    }

    @Test
    void optionsAndArguments() {
        MountCommand c = parse("-f", "-o", "allow_other,nonempty", "-o", "debug", "-v", "--log-file", "x.log",
                "--parent", "base.vhdx", "--allow-truncated", "img.vhdx", "mnt");
        assertTrue(c.foreground);
        assertEquals(List.of("allow_other,nonempty", "debug"), c.fuseOptions);
        assertTrue(c.logging.verbose);
        assertEquals(Path.of("x.log"), c.logging.logFile);
        assertEquals(List.of(Path.of("base.vhdx")), c.imageOptions.parents);
        assertTrue(c.imageOptions.allowTruncated);
        assertFalse(c.clearStale);
        assertEquals(Path.of("img.vhdx"), c.image);
        assertEquals(Path.of("mnt"), c.mountPoint);
    }

    @Test
    void theBackgroundChildGetsTheSameOptionsWithAbsolutePaths() {
        MountCommand c = parse("-q", "--log-file=x.log", "-p", "base.vhdx", "-o", "allow_other", "--clear-stale", "--",
                "-odd.vhdx", "mnt");
        List<String> args = c.childArguments();
        assertEquals(List.of("vhdx-mount", Background.CHILD_OPTION), args.subList(0, 2));
        MountCommand child = parse(args.subList(1, args.size()).toArray(String[]::new));
        assertTrue(child.backgroundChild);
        assertFalse(child.foreground);
        assertTrue(child.logging.quiet);
        assertTrue(child.clearStale);
        assertEquals(Path.of("x.log").toAbsolutePath(), child.logging.logFile);
        assertEquals(List.of(Path.of("base.vhdx").toAbsolutePath()), child.imageOptions.parents);
        assertEquals(List.of("allow_other"), child.fuseOptions);
        assertEquals(Path.of("-odd.vhdx").toAbsolutePath(), child.image);
        assertEquals(Path.of("mnt").toAbsolutePath(), child.mountPoint);
    }

    @Test
    void mountOptionsAreCheckedBeforeAnythingElseAndAnUnknownOneIsAUsageError() {
        String err = stderrOf(() -> assertEquals(ExitCode.USAGE, Main.run("vhdx-mount", "-o", "uid=1000,loop",
                "/nonexistent/disk.vhdx", "/nonexistent/mnt")));
        assertTrue(err.startsWith("vhdx-mount: -o loop: not an option vhdx-mount takes (it takes allow_other,"
                + " allow_root, nonempty, debug, uid=N, gid=N, umask=OCTAL"), err);
        err = stderrOf(() -> assertEquals(ExitCode.USAGE, Main.run("vhdx-mount", "-o", "rw", "a", "b")));
        assertTrue(err.startsWith("vhdx-mount: -o rw: the mount is read-only"), err);
    }

    /** An fstab line's -o: the command's own options in it are taken as those options, with the same checks. */
    @Test
    void theCommandsOwnOptionsFromOAreTakenAndTheChildGetsThemAsOptions() {
        MountCommand c = parse("a.vhdx", "mnt", "-o", "ro,parent=base.vhdx,log_file=x.log,readahead=0,threads=4,"
                + "timeout=5,allow_other,nofail,dev,suid");
        MountCommand checked = withTheOptionsOfO(c);
        assertEquals(List.of(Path.of("base.vhdx")), checked.imageOptions.parents);
        assertEquals(Path.of("x.log"), checked.logging.logFile);
        assertEquals(List.of(0, 4, 5L), List.of(checked.readahead, checked.threads, checked.timeout));
        List<String> args = checked.childArguments();
        assertTrue(args.containsAll(List.of("--parent=" + Path.of("base.vhdx").toAbsolutePath(),
                "--log-file=" + Path.of("x.log").toAbsolutePath(), "--readahead=0", "--threads=4", "--timeout=5",
                "-o", "ro,allow_other,nofail,dev,suid")), args.toString());
        assertTrue(args.stream().noneMatch(a -> a.contains("parent=base") || a.contains("threads=4,")), args::toString);
        // the child parses what it got, and gets the same
        MountCommand child = withTheOptionsOfO(parse(args.subList(1, args.size()).toArray(String[]::new)));
        assertEquals(List.of(Path.of("base.vhdx").toAbsolutePath()), child.imageOptions.parents);
        assertEquals(Path.of("x.log").toAbsolutePath(), child.logging.logFile);
        assertEquals(List.of(0, 4, 5L), List.of(child.readahead, child.threads, child.timeout));
    }

    @Test
    void anOptionGivenBothWaysOrABadValueInOIsAUsageError() {
        String err = stderrOf(() -> assertEquals(ExitCode.USAGE, Main.run("vhdx-mount", "--threads", "2",
                "/nonexistent/a.vhdx", "/nonexistent/mnt", "-o", "ro,threads=3")));
        assertTrue(err.startsWith("vhdx-mount: -o threads=... and --threads both given: give it one way"), err);
        err = stderrOf(() -> assertEquals(ExitCode.USAGE, Main.run("vhdx-mount", "-p", "b.vhdx",
                "/nonexistent/a.vhdx", "/nonexistent/mnt", "-o", "ro,parent=c.vhdx")));
        assertTrue(err.startsWith("vhdx-mount: -o parent=... and --parent both given"), err);
        err = stderrOf(() -> assertEquals(ExitCode.USAGE, Main.run("vhdx-mount", "/nonexistent/a.vhdx",
                "/nonexistent/mnt", "-o", "ro,readahead=99999")));
        assertTrue(err.startsWith("vhdx-mount: --readahead takes 0 to 16384 (KiB), not 99999"), err);
        // what mount(8) passes when not told ro
        err = stderrOf(() -> assertEquals(ExitCode.USAGE, Main.run("vhdx-mount", "/nonexistent/a.vhdx",
                "/nonexistent/mnt", "-o", "rw,dev,suid")));
        assertTrue(err.startsWith("vhdx-mount: -o rw: the mount is read-only"), err);
    }

    /** mount.fuse3's argument shape, options after the paths, reaches the same checks as any other. */
    @Test
    void mountFuse3sArgumentShape() {
        MountCommand c = parse("/nonexistent/a.vhdx", "/nonexistent/mnt", "-o", "ro,allow_other,dev,suid");
        assertEquals(Path.of("/nonexistent/a.vhdx"), c.image);
        assertEquals(List.of("ro,allow_other,dev,suid"), c.fuseOptions);
        assertEquals(ExitCode.IMAGE_UNREADABLE, Main.run("vhdx-mount", "/nonexistent/a.vhdx", "/nonexistent/mnt",
                "-o", "ro,allow_other,dev,suid", "-f"));
    }

    /** --overlay takes DIR only attached: the image after it is never taken for the folder. */
    @Test
    void overlayTakesAFolderOnlyAfterAnEqualsSignAndTheChildGetsItResolved() {
        MountCommand bare = parse("--overlay", "a.vhdx", "/mnt");
        assertEquals(OverlayOptions.DEFAULT, bare.overlay);
        assertEquals(Path.of("a.vhdx"), bare.image);
        assertEquals(Path.of("/mnt"), bare.mountPoint);
        assertEquals(OverlayOptions.DEFAULT, parse("a.vhdx", "/mnt", "--overlay").overlay, "last, nothing after it");
        MountCommand dir = parse("--overlay=/srv/scratch", "--overlay-max", "2G", "a.vhdx", "/mnt");
        assertEquals("/srv/scratch", dir.overlay);
        assertEquals(2L << 30, dir.overlayMax);
        List<String> args = dir.childArguments();
        assertTrue(args.containsAll(List.of("--overlay=/srv/scratch", "--overlay-max=2147483648")), args::toString);
        List<String> bareArgs = bare.childArguments();
        assertTrue(bareArgs.contains("--overlay=" + OverlayOptions.folder("", System.getenv()).toAbsolutePath()),
                bareArgs::toString);
        MountCommand child = parse(args.subList(1, args.size()).toArray(String[]::new));
        assertEquals("/srv/scratch", child.overlay);
        assertEquals(null, parse("a.vhdx", "/mnt").overlay);
        assertTrue(parse("a.vhdx", "/mnt").childArguments().stream().noneMatch(a -> a.startsWith("--overlay")));
    }

    @Test
    void overlayFolderDefaultsToTmpdirElseVarTmp() {
        assertEquals(Path.of("/scratch"), OverlayOptions.folder("", java.util.Map.of("TMPDIR", "/scratch")));
        assertEquals(Path.of("/var/tmp"), OverlayOptions.folder("", java.util.Map.of()));
        assertEquals(Path.of("/var/tmp"), OverlayOptions.folder("", java.util.Map.of("TMPDIR", "")));
        assertEquals(Path.of("/x"), OverlayOptions.folder("/x", java.util.Map.of("TMPDIR", "/scratch")));
    }

    @Test
    void overlaySizesAndTheirErrors() {
        assertEquals(65536L, OverlayOptions.parseSize("--overlay-max", "64K"));
        assertEquals(512L << 20, OverlayOptions.parseSize("--overlay-max", "512m"));
        assertEquals(3L << 40, OverlayOptions.parseSize("--overlay-max", "3TiB"));
        assertEquals(1_000_000L, OverlayOptions.parseSize("--overlay-max", "1000000"));
        String err = stderrOf(() -> assertEquals(ExitCode.USAGE, Main.run("vhdx-mount", "--overlay",
                "--overlay-max", "1K", "a", "b")));
        assertTrue(err.startsWith("vhdx-mount: Invalid value for option '--overlay-max': 1K: less than the overlay's"
                + " unit, 64 KiB"), err);
        err = stderrOf(() -> assertEquals(ExitCode.USAGE, Main.run("vhdx-mount", "--overlay", "--overlay-max",
                "lots", "a", "b")));
        assertTrue(err.contains("--overlay-max': lots: not a size"), err);
        err = stderrOf(() -> assertEquals(ExitCode.USAGE, Main.run("vhdx-mount", "--overlay-max", "1G",
                "/nonexistent/a.vhdx", "/nonexistent/mnt")));
        assertTrue(err.startsWith("vhdx-mount: --overlay-max bounds an overlay: give --overlay too"), err);
        err = stderrOf(() -> assertEquals(ExitCode.USAGE, Main.run("vhdx-mount", "--overlay", "/nonexistent/a.vhdx",
                "/nonexistent/mnt", "-o", "ro")));
        assertTrue(err.startsWith("vhdx-mount: -o ro: the mount of an overlay is writable"), err);
    }

    /** An fstab line's overlay: rw, overlay=DIR and overlay_max=SIZE in -o, taken as the options. */
    @Test
    void overlayFromOIsTakenAsTheOptions() {
        MountCommand c = withTheOptionsOfO(parse("a.vhdx", "mnt", "-o", "rw,overlay=/srv/o,overlay_max=1G,nofail"));
        assertEquals("/srv/o", c.overlay);
        assertEquals(1L << 30, c.overlayMax);
        List<String> args = c.childArguments();
        assertTrue(args.containsAll(List.of("--overlay=/srv/o", "--overlay-max=1073741824", "-o", "rw,nofail")),
                args::toString);
        assertEquals(OverlayOptions.DEFAULT, withTheOptionsOfO(parse("a.vhdx", "mnt", "-o", "overlay")).overlay);
        String err = stderrOf(() -> assertEquals(ExitCode.USAGE, Main.run("vhdx-mount", "--overlay=/x",
                "/nonexistent/a.vhdx", "/nonexistent/mnt", "-o", "overlay")));
        assertTrue(err.startsWith("vhdx-mount: -o overlay=... and --overlay both given"), err);
    }

    @Test
    void libfuseVersionIsTwoOrThreeAndTheChildGetsIt() {
        assertEquals(FuseBinding.LIBFUSE2, parse("--libfuse", "2", "a.vhdx", "/mnt").libfuse);
        MountCommand three = parse("--libfuse", "3", "a.vhdx", "/mnt");
        assertEquals(FuseBinding.LIBFUSE3, three.libfuse);
        assertTrue(String.join(" ", three.childArguments()).contains("--libfuse 3 "), three.childArguments()
                .toString());
        assertEquals(null, parse("a.vhdx", "/mnt").libfuse, "unset: chosen by what is installed");
        String err = stderrOf(() -> assertEquals(ExitCode.USAGE, Main.run("vhdx-mount", "--libfuse", "4", "a", "b")));
        assertTrue(err.contains("'4' is not a libfuse version vhdx-mount serves through (2 or 3)"), err);
    }

    /** The status the launcher script ends with when the server ends before it is ready (its protocol file). */
    @Test
    void theBackgroundProtocolsStatusIsMountFailed() {
        assertEquals(ExitCode.MOUNT_FAILED, Background.ENDED_BEFORE_READY_STATUS);
    }

    @Test
    void readaheadIs2MiBUnlessToldAndTheChildGetsAnyOther() {
        assertEquals(2048, parse("a.vhdx", "/mnt").readahead);
        assertTrue(parse("a.vhdx", "/mnt").childArguments().stream().noneMatch(a -> a.startsWith("--readahead")));
        assertTrue(parse("--readahead", "0", "a.vhdx", "/mnt").childArguments().contains("--readahead=0"));
        String err = stderrOf(() -> assertEquals(ExitCode.USAGE, Main.run("vhdx-mount", "--readahead", "-1", "a",
                "b")));
        assertTrue(err.startsWith("vhdx-mount: --readahead takes 0 to 16384 (KiB), not -1"), err);
    }

    @Test
    void usageErrorsExitWithStatus2AndOneHelpfulLine() {
        String err = stderrOf(() -> assertEquals(ExitCode.USAGE, Main.run("vhdx-mount", "only-one-argument")));
        assertTrue(err.startsWith("vhdx-mount: Missing required parameter: 'MOUNTPOINT'"), err);
        assertTrue(err.contains("Try 'vhdx-mount --help'"), err);
        assertEquals(ExitCode.USAGE, Main.run("--no-such-option", "a", "b"));
        assertEquals(ExitCode.USAGE, Main.run("-v", "-q", "a", "b"));
        assertEquals(ExitCode.USAGE, Main.run("vhdx-info"));
    }

    @Test
    void anExtraArgumentIsNamedNotCountedAndTheLogFilesFolderMustExist() {
        String err = stderrOf(() -> assertEquals(ExitCode.USAGE, Main.run("vhdx-mount", "-f", "a.vhdx", "mnt",
                "extra")));
        assertTrue(err.startsWith("vhdx-mount: unexpected argument 'extra' (usage: vhdx-mount [OPTIONS] IMAGE"
                + " MOUNTPOINT)"), err);
        // the background child gets a hidden option first: the message must not change with it
        assertEquals(err, stderrOf(() -> Main.run("vhdx-mount", Background.CHILD_OPTION, "-f", "a.vhdx", "mnt",
                "extra")));
        Path missing = Path.of("/nonexistent-" + ProcessHandle.current().pid(), "logs");
        err = stderrOf(() -> assertEquals(ExitCode.USAGE, Main.run("vhdx-mount", "-f", "--log-file",
                missing.resolve("x.log").toString(), "/nonexistent/a.vhdx", "/nonexistent/mnt")));
        assertTrue(err.startsWith("vhdx-mount: cannot write the log file " + missing.resolve("x.log") + ": its folder "
                + missing + " does not exist"), err);
        assertFalse(missing.getParent().toFile().exists(), "no folder made");
    }

    @Test
    void helpAndVersion() {
        String help = stdoutOf(() -> assertEquals(ExitCode.OK, Main.run("--help")));
        assertTrue(help.contains("Usage: vhdx-mount [OPTIONS] IMAGE MOUNTPOINT"), help);
        assertTrue(help.contains("fusermount -u"), help);
        assertTrue(help.contains("Exit status:"), help);
        assertTrue(help.contains("mount -o ro ${loop}p1 /mnt/part"), "a shell variable in an example: " + help);
        String version = stdoutOf(() -> assertEquals(ExitCode.OK, Main.run("vhdx-info", "--version")));
        assertTrue(version.startsWith("vhdx-info "), version);
        assertFalse(version.contains("unknown version"), version);
    }

    @Test
    void aMissingImageInTheForeground() {
        assertEquals(ExitCode.IMAGE_UNREADABLE, Main.run("-f", "/nonexistent/disk.vhdx", "/tmp"));
        assertEquals(ExitCode.IMAGE_UNREADABLE, Main.run("vhdx-info", "/nonexistent/disk.vhdx"));
    }

    /** The command's options once those of -o are taken, as it takes them before anything else. */
    private static MountCommand withTheOptionsOfO(MountCommand command) {
        command.useCommandOptionsOf(MountOptions.parse("img", command.fuseOptions));
        return command;
    }

    private static String stdoutOf(Runnable r) {
        return captured(r, System.out, System::setOut);
    }

    private static String stderrOf(Runnable r) {
        return captured(r, System.err, System::setErr);
    }

    private static String captured(Runnable r, PrintStream saved, java.util.function.Consumer<PrintStream> set) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        set.accept(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        try {
            r.run();
        } finally {
            set.accept(saved);
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
