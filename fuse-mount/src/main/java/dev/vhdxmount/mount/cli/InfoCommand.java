package dev.vhdxmount.mount.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.vhdxmount.mount.fuse.DiskFileSystem;
import dev.vhdxmount.mount.os.IoReasons;
import dev.vhdxmount.mount.os.Terminals;
import dev.vhdxmount.vhdx.OpenOptions;
import dev.vhdxmount.vhdx.VirtualDisk;
import dev.vhdxmount.vhdx.check.CheckReport;
import dev.vhdxmount.vhdx.check.ImageCheck;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code vhdx-info [OPTIONS] IMAGE}: what was parsed (creator, both headers, log state, regions, metadata, BAT state
 * counts, the parent chain), what the disk holds (partitions, file systems) and how to mount it; {@code --json} for
 * scripts; {@code --map} for the allocation map instead. {@code --check} reads every structure and reports what is
 * wrong ({@link ImageCheck}); {@code --hash} digests the whole virtual disk ({@link DiskHasher}); both show their
 * progress on a terminal.
 */
@Command(name = "vhdx-info", mixinStandardHelpOptions = true, versionProvider = Cli.Version.class,
        sortOptions = false, usageHelpAutoWidth = true,
        customSynopsis = "vhdx-info [OPTIONS] IMAGE",
        description = {"Show what a VHDX image holds: creator, headers, log (and whether it needs replay), regions,",
            "metadata, BAT block states, the parent chain of a differencing disk, the partition table, the",
            "file system in each partition, and the commands that mount them.",
            "With --map, the allocation map instead: which ranges of the disk hold data and which read as zeros.",
            "--check and --hash verify an image instead; on a terminal they show their progress on stderr.", ""},
        footerHeading = "%nExamples:%n",
        footer = {"  vhdx-info disk.vhdx", "  vhdx-info --json disk.vhdx | jq '.log.state'",
            "  vhdx-info --json disk.vhdx | jq '.partition_table.partitions[] | {number, filesystem}'",
            "  vhdx-info --map --json disk.vhdx",
            "  vhdx-info --parent base.vhdx child.avhdx",
            "  vhdx-info --hash sha256 disk.vhdx > ~/disk.sha256  # then in the mount: sha256sum -c ~/disk.sha256",
            "  vhdx-info --check disk.vhdx"})
public final class InfoCommand implements Callable<Integer> {
    public static final String PROGRAM = "vhdx-info";
    private static final Logger log = LoggerFactory.getLogger(InfoCommand.class);

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "IMAGE", description = "The VHDX file (opened read-only, never written).")
    Path image;

    @Option(names = "--json", description = "Print the report as JSON, for scripts.")
    boolean json;

    @Option(names = "--check", description = "Read every structure of the image (and of its parent chain) and report "
            + "each finding with its severity, structure, file offset, expected and found. Exit status 0 clean, "
            + "11 warnings, 12 errors.")
    boolean check;

    @Option(names = "--hash", paramLabel = "ALG", split = ",", converter = AlgorithmConverter.class,
            description = "Digest the whole virtual disk (the log replayed, the chain resolved), several algorithms in "
                    + "one pass: md5, sha1, sha256, sha512. Printed as sha256sum prints a file named "
                    + DiskFileSystem.DISK_FILE + " (what a mount serves), so that sha256sum -c checks a raw copy.")
    List<DiskHasher.Algorithm> hashes = new ArrayList<>();

    @Option(names = "--map", description = "Print the allocation map (as qemu-img map does): runs of data and of"
            + " zeros, with where each lies in which file of the chain.")
    boolean map;

    @Mixin
    ImageOptions imageOptions = new ImageOptions();

    @Mixin
    LoggingOptions logging = new LoggingOptions();

    /** How Ctrl-C is noticed; tests that run the command in their own JVM leave that JVM's signals alone. */
    java.util.function.Supplier<Interruption> interruptions = Interruption::install;

    public static int run(String... args) {
        return commandLine().execute(args);
    }

    /** The command line as it runs, for what renders it too: man page and completion (scripts/GenerateDocs.java). */
    public static CommandLine commandLine() {
        return Cli.commandLine(new InfoCommand(), PROGRAM);
    }

    /** {@code --hash md5,SHA256}: each name, any case. */
    static final class AlgorithmConverter implements CommandLine.ITypeConverter<DiskHasher.Algorithm> {
        @Override
        public DiskHasher.Algorithm convert(String value) {
            try {
                return DiskHasher.Algorithm.of(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    @Override
    public Integer call() {
        Cli.checkLogging(spec, logging);
        try {
            Logging.configure(PROGRAM, logging);
            OpenOptions openOptions = imageOptions.toOpenOptions();
            Images.checkReadable(image, openOptions);
            if (check || !hashes.isEmpty()) {
                return verify(spec.commandLine().getOut(), openOptions);
            }
            try (VirtualDisk disk = Images.open(image, openOptions)) {
                Images.checkParentsUsed(image, openOptions, disk);
                try {
                    print(spec.commandLine().getOut(), disk);
                } catch (IOException e) {
                    throw Images.describe(image, openOptions, e);
                }
            }
            return ExitCode.OK;
        } catch (CliError e) {
            return Cli.fail(log, logging, e);
        } catch (IOException e) {
            log.warn("closing {}: {}", Logging.show(image), IoReasons.reason(e));
            return ExitCode.OK;
        } catch (RuntimeException | LinkageError e) {
            return Cli.internalError(log, e);
        }
    }

    /**
     * {@code --check} and {@code --hash}: the check first (it says whether the digests are of a sound image), then the
     * digests. Nothing is printed of work that Ctrl-C stopped.
     */
    private int verify(PrintWriter out, OpenOptions openOptions) throws CliError {
        Interruption stop = interruptions.get();
        boolean show = !logging.quiet && Terminals.stderrIsTerminal();
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("image", Logging.show(image));
        int status = ExitCode.OK;
        try {
            if (check) {
                CheckReport report;
                try (ProgressLine progress = new ProgressLine("check", show, System.err, stop::happened)) {
                    report = ImageCheck.run(image, openOptions, progress);
                } catch (IOException e) {
                    throw Images.describe(image, openOptions, e);
                }
                stopIfAsked(stop);
                status = CheckOutput.exitCode(report);
                if (json) {
                    root.put("check", CheckOutput.tree(report));
                } else {
                    CheckOutput.printText(out, report);
                    out.flush();
                }
            }
            if (!hashes.isEmpty()) {
                List<DiskHasher.Algorithm> algorithms = new ArrayList<>(new LinkedHashSet<>(hashes));
                Map<DiskHasher.Algorithm, String> digests;
                long size;
                try (VirtualDisk disk = Images.open(image, openOptions);
                        ProgressLine progress = new ProgressLine(label(algorithms), show, System.err,
                                stop::happened)) {
                    size = disk.size();
                    digests = DiskHasher.hash(disk, algorithms, progress);
                    stopIfAsked(stop);
                } catch (IOException e) {
                    throw Images.describe(image, openOptions, e);
                }
                if (json) {
                    Map<String, Object> h = new LinkedHashMap<>();
                    h.put("file_name", DiskFileSystem.DISK_FILE);
                    h.put("virtual_size", size);
                    digests.forEach((a, hex) -> h.put(a.id(), hex));
                    root.put("hash", h);
                } else {
                    // sha256sum's line: the digest, two spaces (text mode), the file name
                    digests.forEach((a, hex) -> out.println(hex + "  " + DiskFileSystem.DISK_FILE));
                    out.flush();
                }
            }
        } catch (CancellationException e) {
            log.error("stopped by {}: nothing is printed of the unfinished work", stop.signal());
            return stop.exitCode();
        }
        if (json) {
            ImageReport.printJson(out, root);
            out.flush();
        }
        return status;
    }

    /** A signal that came after the last progress step still stops the work before anything of it is printed. */
    private static void stopIfAsked(Interruption stop) {
        if (stop.happened()) {
            throw new CancellationException("stopped by " + stop.signal());
        }
    }

    private static String label(List<DiskHasher.Algorithm> algorithms) {
        return String.join(",", algorithms.stream().map(DiskHasher.Algorithm::id).toList());
    }

    private void print(PrintWriter out, VirtualDisk disk) throws IOException {
        if (map) {
            if (json) {
                AllocationReport.printJson(out, disk);
            } else {
                AllocationReport.printText(out, disk);
            }
            out.flush();
            return;
        }
        var report = ImageReport.of(Logging.show(image), disk);
        if (json) {
            ImageReport.printJson(out, report);
        } else {
            ImageReport.printText(out, report);
        }
        out.flush();
    }
}
