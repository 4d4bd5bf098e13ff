package dev.vhdxmount.mount.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.vhdxmount.mount.os.IoReasons;
import dev.vhdxmount.vhdx.OpenOptions;
import dev.vhdxmount.vhdx.VirtualDisk;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code vhdx-info [OPTIONS] IMAGE}: what was parsed (creator, both headers, log state, regions, metadata, BAT state
 * counts, the parent chain), what the disk holds (partitions, file systems) and how to mount it; {@code --json} for
 * scripts; {@code --map} for the allocation map instead.
 */
@Command(name = "vhdx-info", mixinStandardHelpOptions = true, versionProvider = Cli.Version.class,
        sortOptions = false, usageHelpAutoWidth = true,
        customSynopsis = "vhdx-info [OPTIONS] IMAGE",
        description = {"Show what a VHDX image holds: creator, headers, log (and whether it needs replay), regions,",
            "metadata, BAT block states, the parent chain of a differencing disk, the partition table and the file",
            "system in each partition, and the commands that mount them.",
            "With --map, the allocation map instead: which ranges of the disk hold data and which read as zeros.",
            ""},
        footerHeading = "%nExamples:%n",
        footer = {"  vhdx-info disk.vhdx", "  vhdx-info --json disk.vhdx | jq '.log.state'",
            "  vhdx-info --json disk.vhdx | jq '.partition_table.partitions[] | {number, filesystem}'",
            "  vhdx-info --map --json disk.vhdx",
            "  vhdx-info --parent base.vhdx child.avhdx", "",
            "Exit status: as vhdx-mount's (0 ok, 2 bad command line, 3-7 image problems); see vhdx-mount --help."})
public final class InfoCommand implements Callable<Integer> {
    public static final String PROGRAM = "vhdx-info";
    private static final Logger log = LoggerFactory.getLogger(InfoCommand.class);

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "IMAGE", description = "The VHDX file (opened read-only, never written).")
    Path image;

    @Option(names = "--json", description = "Print the report as JSON, for scripts.")
    boolean json;

    @Option(names = "--map", description = "Print the allocation map (as qemu-img map does): runs of data and of"
            + " zeros, with where each lies in which file of the chain.")
    boolean map;

    @Mixin
    ImageOptions imageOptions = new ImageOptions();

    @Mixin
    LoggingOptions logging = new LoggingOptions();

    public static int run(String... args) {
        return Cli.commandLine(new InfoCommand(), PROGRAM).execute(args);
    }

    @Override
    public Integer call() {
        Cli.checkLogging(spec, logging);
        try {
            Logging.configure(PROGRAM, logging);
            OpenOptions openOptions = imageOptions.toOpenOptions();
            Images.checkReadable(image, openOptions);
            try (VirtualDisk disk = Images.open(image, openOptions)) {
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
