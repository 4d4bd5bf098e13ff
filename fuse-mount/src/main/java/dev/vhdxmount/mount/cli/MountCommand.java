package dev.vhdxmount.mount.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.vhdxmount.mount.fuse.DiskFileSystem;
import dev.vhdxmount.mount.fuse.FuseServer;
import dev.vhdxmount.mount.fuse.ImageTimes;
import dev.vhdxmount.mount.fuse.MountOptions;
import dev.vhdxmount.mount.fuse.Ownership;
import dev.vhdxmount.mount.os.IoReasons;
import dev.vhdxmount.mount.overlay.OverlayDisk;
import dev.vhdxmount.mount.os.ProcessName;
import dev.vhdxmount.mount.os.Shell;
import dev.vhdxmount.mount.session.Background;
import dev.vhdxmount.mount.session.FuseBinding;
import dev.vhdxmount.mount.session.FuseEnvironment;
import dev.vhdxmount.mount.session.MountFailure;
import dev.vhdxmount.mount.session.MountPoints;
import dev.vhdxmount.mount.session.MountSession;
import dev.vhdxmount.mount.session.Readahead;
import dev.vhdxmount.vhdx.OpenOptions;
import dev.vhdxmount.vhdx.VirtualDisk;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code vhdx-mount [OPTIONS] IMAGE MOUNTPOINT}: serves the image's virtual disk as the read-only file
 * MOUNTPOINT/disk.raw (writable into a throwaway overlay with {@code --overlay}), the way FUSE tools such as sshfs and
 * vhdimount behave: in the background once the mount is ready, or attached with {@code -f}; ended by
 * {@code fusermount -u MOUNTPOINT}.
 *
 * <p>Checks go from cheap to expensive (image readable, mountpoint, FUSE device, libfuse, then the VHDX itself), so
 * that the commonest mistakes fail at once with their own message and {@link ExitCode}.
 */
@Command(name = "vhdx-mount", mixinStandardHelpOptions = true, versionProvider = Cli.Version.class,
        sortOptions = false, usageHelpAutoWidth = true,
        customSynopsis = MountCommand.SYNOPSIS,
        description = {
            "Mount the virtual disk of a VHDX image read-only: MOUNTPOINT then holds one file, disk.raw, whose bytes"
                    + " are the disk's, and with --partitions one file per partition (p1.raw...). Use them like any"
                    + " raw disk image (losetup, sfdisk, mount -o ro,loop, dd).",
            "",
            "Returns once the mount is ready and keeps serving in the background; unmount with"
                    + " 'fusermount -u MOUNTPOINT' (or 'umount MOUNTPOINT' as root).",
            "",
            "With --overlay the files are writable: writes go to a throwaway file, gone at unmount, never to the"
                    + " image (a file system left dirty can then replay its journal: mount -o loop, without ro).",
            ""},
        footerHeading = "%nExamples:%n",
        footer = {
            "  vhdx-mount --partitions disk.vhdx /mnt/vhdx && mount -o ro,loop /mnt/vhdx/p1.raw /mnt/part",
            "  vhdx-mount ext4.vhdx /mnt/vhdx && mount -o ro,loop /mnt/vhdx/disk.raw /mnt/part   # WSL: no table",
            "  vhdx-mount disk.vhdx /mnt/vhdx && sfdisk -l /mnt/vhdx/disk.raw",
            "  vhdx-mount -o allow_other --log-file /var/log/vhdx-mount.log disk.vhdx /mnt/vhdx",
            "  vhdx-mount -f -v child.vhdx /mnt/vhdx          # stay attached, debug log on the terminal",
            "  vhdx-mount --parent base.vhdx child.vhdx /mnt/vhdx",
            "  vhdx-mount --clear-stale disk.vhdx /mnt/vhdx    # after the last server was killed (kill -9, OOM)",
            "  vhdx-mount --overlay --partitions disk.vhdx /mnt/vhdx && mount -o loop /mnt/vhdx/p1.raw /mnt/part",
            "  loop=$(losetup -rf --show -P /mnt/vhdx/disk.raw) && mount -o ro $${loop}p1 /mnt/part # no Docker",
            "  fusermount -u /mnt/vhdx",
            "  mount -t fuse.vhdx-mount -o ro,allow_other disk.vhdx /mnt/vhdx     # as root, or in /etc/fstab:",
            "  /srv/images/disk.vhdx /mnt/vhdx fuse.vhdx-mount ro,allow_other,nofail 0 0"})
public final class MountCommand implements Callable<Integer> {
    public static final String PROGRAM = "vhdx-mount";
    static final String SYNOPSIS = "vhdx-mount [OPTIONS] IMAGE MOUNTPOINT";
    private static final Logger log = LoggerFactory.getLogger(MountCommand.class);
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);
    /**
     * How long the command may wait for st_blocks to be counted before it returns: a BAT walk takes milliseconds for
     * the disks people copy, and about a second for an empty 64 TiB one (a 512 MiB BAT), which is not worth making
     * every mount of it wait; that count goes on in the background (stat is not cached until it is done).
     */
    private static final Duration ALLOCATION_COUNT_WAIT = Duration.ofMillis(250);

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "IMAGE", description = "The VHDX file (opened read-only, never written).")
    Path image;

    @Parameters(index = "1", paramLabel = "MOUNTPOINT", description = "An empty directory.")
    Path mountPoint;

    @Option(names = {"-f", "--foreground"},
            description = "Stay attached to the terminal and serve until unmounted or interrupted (Ctrl-C).")
    boolean foreground;

    @Option(names = "-o", paramLabel = "OPTIONS",
            description = "Mount options, comma-separated, repeatable: allow_other (let other users read disk.raw),"
                    + " allow_root, nonempty, debug (libfuse prints each request; implies -f), uid=N, gid=N (owner"
                    + " of the files), umask=OCTAL, noexec; parent=PATH (repeatable), log_file=PATH, readahead=KIB,"
                    + " threads=N, timeout=SECONDS, partitions, overlay[=DIR], overlay_max=SIZE: as the options of"
                    + " those names (for /etc/fstab and mount -t fuse.vhdx-mount, which need ro, or rw with an"
                    + " overlay); and those of mount and fstab, which change nothing here: defaults, noauto, nofail,"
                    + " user, users, _netdev, x-systemd.*, nodev, nosuid. Always in force: nodev, nosuid,"
                    + " default_permissions; ro and the page cache kept across opens (kernel_cache), or with an"
                    + " overlay rw and direct I/O.")
    List<String> fuseOptions = new ArrayList<>();

    @Option(names = "--partitions",
            description = "Beside disk.raw, serve each partition of the disk's GPT or MBR table as a file of its own,"
                    + " p1.raw, p2.raw... numbered as Linux numbers them: mount -o ro,loop MOUNTPOINT/p1.raw /mnt/p.")
    boolean partitions;

    @Option(names = "--overlay", arity = "0..1", paramLabel = "DIR", preprocessor = OverlayOptions.AttachedOnly.class,
            description = "Make disk.raw and the partition files writable: every write goes to an overlay, a sparse"
                    + " file in DIR (--overlay=DIR; default: $TMPDIR, else /var/tmp) that no name leads to and that"
                    + " is gone at unmount; reads see it first. The image and its parents are only read. For file"
                    + " systems that need journal recovery: mount -o loop MOUNTPOINT/p1.raw /mnt/part.")
    String overlay;

    @Option(names = "--overlay-max", paramLabel = "SIZE", converter = OverlayOptions.SizeConverter.class,
            description = "Bound the overlay to SIZE (bytes, or K, M, G, T: 2G): a write that needs more fails with"
                    + " ENOSPC (default: the disk's size, or less where the folder's file system fills first).")
    Long overlayMax;

    @Option(names = "--clear-stale",
            description = "If MOUNTPOINT is a stale FUSE mount (the process that served it died: 'Transport endpoint"
                    + " is not connected'), unmount it first. A live mount is never touched.")
    boolean clearStale;

    @Mixin
    ImageOptions imageOptions = new ImageOptions();

    @Mixin
    LoggingOptions logging = new LoggingOptions();

    @Option(names = "--libfuse", paramLabel = "VERSION", converter = FuseBinding.Converter.class,
            description = "Serve through this libfuse: 3 (the default where installed: reads spliced from the image)"
                    + " or 2 (through jnr-fuse; the default where libfuse 3 is missing).")
    FuseBinding libfuse;

    @Option(names = "--readahead", paramLabel = "KIB",
            description = "Readahead of the mount in KiB, as root (default: " + Readahead.DEFAULT_KIB + "; the"
                    + " kernel's own is 128). 0 leaves the kernel's.")
    int readahead = Readahead.DEFAULT_KIB;

    @Option(names = "--threads", paramLabel = "N",
            description = "Serve up to N requests at once (default: " + MountOptions.DEFAULT_THREADS + "; libfuse 3"
                    + " only): slow storage then reads many places at once.")
    int threads = MountOptions.DEFAULT_THREADS;

    @Option(names = "--timeout", paramLabel = "SECONDS",
            description = "A read that the image's storage has not answered after SECONDS fails with EIO instead of"
                    + " waiting for ever (default: " + MountOptions.DEFAULT_TIMEOUT_SECONDS + "; 0 waits for ever;"
                    + " libfuse 3 only).")
    long timeout = MountOptions.DEFAULT_TIMEOUT.toSeconds();

    @Option(names = Background.CHILD_OPTION, hidden = true)
    boolean backgroundChild;

    public static int run(String... args) {
        return commandLine().execute(args);
    }

    /** The command line as it runs, for what renders it too: man page and completion (scripts/GenerateDocs.java). */
    public static CommandLine commandLine() {
        return Cli.commandLine(new MountCommand(), PROGRAM);
    }

    @Override
    public Integer call() {
        Cli.checkLogging(spec, logging);
        MountOptions mountOptions;
        try {
            mountOptions = MountOptions.parse(Logging.show(image), fuseOptions, overlay != null);
            useCommandOptionsOf(mountOptions);
            if (overlayMax != null && overlay == null) {
                throw new IllegalArgumentException("--overlay-max bounds an overlay: give --overlay too");
            }
            mountOptions = mountOptions.withThreads(threads).withTimeout(Duration.ofSeconds(timeout))
                    .withOverlay(overlay != null);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        if (readahead < 0 || readahead > Readahead.MAX_KIB) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--readahead takes 0 to " + Readahead.MAX_KIB
                    + " (KiB), not " + readahead);
        }
        // libfuse prints each request on stderr, which a background mount lets go of once mounted (as sshfs -d)
        foreground |= mountOptions.debug() && !backgroundChild;
        try {
            Logging.configure(PROGRAM, logging);
            if (backgroundChild) {
                // started in the caller's folder (by scripts/vhdx-mount) or in / (by Background): it leaves that
                // folder once ready, so from here on no path is relative
                useAbsolutePaths();
                Background.leaveTerminalSession();
            } else if (!foreground) {
                return Background.startAndWait(childArguments());
            }
            return mountAndServe(mountOptions);
        } catch (CliError e) {
            return Cli.fail(log, logging, e);
        } catch (MountFailure e) {
            return Cli.fail(log, logging, new CliError(ExitCode.of(e.kind()), e.getMessage(), e.getCause()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Cli.internalError(log, e);
        } catch (RuntimeException | LinkageError e) {
            return Cli.internalError(log, e);
        }
    }

    private int mountAndServe(MountOptions options) throws CliError, MountFailure, InterruptedException {
        ProcessName.set(PROGRAM);
        OpenOptions openOptions = imageOptions.toOpenOptions();
        if (Files.isDirectory(image)) {
            throw new CliError(ExitCode.IMAGE_UNREADABLE, Logging.show(image) + ": is a directory, not an image file"
                    + " (usage: " + SYNOPSIS + (Files.isRegularFile(mountPoint) ? "; the image and the mountpoint"
                    + " look swapped" : "") + ")");
        }
        Images.checkReadable(image, openOptions);
        Path mounted = MountPoints.check(mountPoint, options.nonEmpty(), clearStale);
        FuseEnvironment.checkDevice();
        FuseBinding binding = FuseEnvironment.chooseBinding(libfuse);
        Path overlayFolder = overlay == null ? null : checkOverlayFolder();
        VirtualDisk disk = Images.open(image, openOptions.withFileOpener(binding.fileOpener()));
        OverlayDisk overlayDisk = null;
        MountSession session = null;
        try {
            Images.checkParentsUsed(image, openOptions, disk);
            VirtualDisk served = disk;
            if (overlayFolder != null) {
                overlayDisk = createOverlay(disk, overlayFolder, binding);
                served = overlayDisk;
            }
            DiskFileSystem fs = partitions
                    ? DiskFileSystem.withPartitions(served, imageTimes(), ownership(options))
                    : DiskFileSystem.of(served, imageTimes(), ownership(options));
            String diskRaw = mounted.resolve(DiskFileSystem.DISK_FILE).toString();
            String advice = DiskAdvice.losetup(disk.logicalSectorSize(), diskRaw);
            if (advice != null) {
                log.warn(advice);
            }
            FuseServer server = binding.server(fs);
            log.debug("serving through {}", server.description());
            session = new MountSession(server, mounted, options);
            session.start();
            session.awaitReady(READY_TIMEOUT);
            Readahead.set(mounted, readahead);
            // after the mount is up, so that walking a large BAT never delays it on a machine of two cores; before
            // the command returns, so that a script's first stat sees the count
            fs.countAllocatedBlocksInBackground();
            if (!fs.awaitAllocationCount(ALLOCATION_COUNT_WAIT)) {
                log.debug("st_blocks still being counted; the command returns without waiting for it");
            }
            log.info("serving {} ({} bytes) as {}; unmount with {}", Logging.show(image), disk.size(), diskRaw,
                    Shell.command("fusermount", "-u", mounted.toString()));
            for (String line : RecoveryAdvice.lines(disk, mounted.toString(), partitions, overlayDisk != null)) {
                if (overlayDisk != null) {
                    log.info(line);
                } else {
                    log.warn(line);
                }
            }
            if (backgroundChild) {
                Background.reportReadyAndDetach();
            }
            int status = session.awaitEnd();
            if (status != 0) {
                throw new CliError(ExitCode.MOUNT_FAILED, "the FUSE session on " + mounted + " ended with status "
                        + status);
            }
            log.info("{} unmounted; exiting with status 0", mounted);
            return ExitCode.OK;
        } finally {
            // a read still waiting on a storage that hangs would hold close() for as long: the process ends instead
            if (session == null || !session.readsLeftWaiting()) {
                try {
                    if (overlayDisk != null) {
                        overlayDisk.close(); // frees its file's space; the process's end would too
                    }
                } catch (IOException e) {
                    log.warn("closing the overlay: {}", IoReasons.reason(e));
                }
                try {
                    disk.close();
                } catch (IOException e) {
                    // the disk is read-only, so nothing is lost
                    log.warn("closing {}: {}", Logging.show(image), IoReasons.reason(e));
                }
            }
        }
    }

    /** The overlay's folder, which must be a directory already: a typo must not scatter overlays elsewhere. */
    private Path checkOverlayFolder() throws CliError {
        Path folder = OverlayOptions.folder(overlay, System.getenv()).toAbsolutePath();
        if (!Files.isDirectory(folder)) {
            throw new CliError(ExitCode.USAGE, "--overlay: " + folder + (Files.exists(folder) ? " is not a directory"
                    : " does not exist") + (overlay.isEmpty() ? " (the folder $TMPDIR names, else /var/tmp): give"
                    + " another with --overlay=DIR" : ""));
        }
        return folder;
    }

    /**
     * The writable disk over {@code disk}, its overlay file in {@code folder}, opened as the binding opens files (so
     * that libfuse 3 splices from it too); one line says where writes go and how much they may take.
     */
    private OverlayDisk createOverlay(VirtualDisk disk, Path folder, FuseBinding binding) throws CliError {
        OverlayDisk created;
        try {
            created = OverlayDisk.create(disk, folder, overlayMax == null ? OverlayDisk.UNBOUNDED : overlayMax,
                    binding.fileOpener());
        } catch (IOException e) {
            throw new CliError(ExitCode.MOUNT_FAILED, "--overlay: cannot make the overlay file in " + folder + ": "
                    + IoReasons.reason(e), e);
        }
        long bound = created.maxBytes();
        log.info("overlay: writes go to an unlinked, sparse file in {}, at most {} ({}); the image is opened"
                + " read-only and never written, and the overlay is gone at unmount", folder,
                ImageReport.humanSize(bound), overlayMax == null ? "the disk's size, or less where the folder's"
                + " file system fills first" : bound < overlayMax ? "--overlay-max, cut to what the disk or the"
                + " folder's file system takes" : "--overlay-max");
        return created;
    }

    /**
     * Takes the command's own options that {@code -o} gave (an fstab line's only way to give them) as if given as
     * options; the same option given both ways is refused, as neither reading would be obviously the meant one.
     */
    void useCommandOptionsOf(MountOptions options) {
        CommandLine.ParseResult given = spec.commandLine().getParseResult();
        for (String name : options.given()) {
            String option = switch (name) {
                case "parent" -> "--parent";
                case "log_file" -> "--log-file";
                case "overlay_max" -> "--overlay-max";
                default -> "--" + name;
            };
            if (given.hasMatchedOption(option)) {
                throw new IllegalArgumentException("-o " + name + "=... and " + option + " both given: give it one"
                        + " way");
            }
        }
        imageOptions.parents.addAll(options.parents());
        options.logFile().ifPresent(file -> logging.logFile = file);
        options.readahead().ifPresent(kib -> readahead = kib);
        threads = options.given().contains("threads") ? options.threads() : threads;
        partitions |= options.partitions();
        timeout = options.given().contains("timeout") ? options.timeout().toSeconds() : timeout;
        if (options.given().contains("overlay")) {
            overlay = options.overlayFolder().map(Path::toString).orElse(OverlayOptions.DEFAULT);
        }
        options.overlayMax().ifPresent(size -> overlayMax = OverlayOptions.parseSize("-o overlay_max", size));
    }

    private ImageTimes imageTimes() throws CliError {
        try {
            return ImageTimes.of(image);
        } catch (IOException e) {
            throw new CliError(ExitCode.IMAGE_UNREADABLE,
                    Logging.show(image) + ": cannot read its attributes: " + IoReasons.reason(e), e);
        }
    }

    private static Ownership ownership(MountOptions options) throws CliError {
        try {
            return options.ownership(Ownership.ofThisProcess());
        } catch (IOException e) {
            throw new CliError(ExitCode.SOFTWARE, "cannot read this process's user and group: "
                    + IoReasons.reason(e), e);
        }
    }

    private void useAbsolutePaths() {
        image = image.toAbsolutePath();
        mountPoint = mountPoint.toAbsolutePath();
        imageOptions.parents.replaceAll(Path::toAbsolutePath);
        if (logging.logFile != null) {
            logging.logFile = logging.logFile.toAbsolutePath();
        }
        if (overlay != null && !overlay.isEmpty()) {
            overlay = Path.of(overlay).toAbsolutePath().toString();
        }
    }

    /** The arguments for the serving child of a background mount: ours, with absolute paths (it runs in /). */
    List<String> childArguments() {
        List<String> args = new ArrayList<>(List.of(PROGRAM, Background.CHILD_OPTION));
        args.addAll(logging.toArguments());
        args.addAll(imageOptions.toArguments());
        if (clearStale) {
            args.add("--clear-stale");
        }
        if (partitions) {
            args.add("--partitions");
        }
        if (overlay != null) {
            // the folder as this process resolves it: the child may not see the same $TMPDIR or working folder
            args.add("--overlay=" + OverlayOptions.folder(overlay, System.getenv()).toAbsolutePath());
        }
        if (overlayMax != null) {
            args.add("--overlay-max=" + overlayMax);
        }
        if (libfuse != null) {
            args.add("--libfuse");
            args.add(libfuse.version);
        }
        if (readahead != Readahead.DEFAULT_KIB) {
            args.add("--readahead=" + readahead);
        }
        if (threads != MountOptions.DEFAULT_THREADS) {
            args.add("--threads=" + threads);
        }
        if (timeout != MountOptions.DEFAULT_TIMEOUT.toSeconds()) {
            args.add("--timeout=" + timeout);
        }
        // the -o options that are the command's own are among the options above, with absolute paths
        for (String option : MountOptions.withoutCommandOptions(fuseOptions)) {
            args.add("-o");
            args.add(option);
        }
        args.add("--");
        args.add(image.toAbsolutePath().toString());
        args.add(mountPoint.toAbsolutePath().toString());
        return args;
    }
}
