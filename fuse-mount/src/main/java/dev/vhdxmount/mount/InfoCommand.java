package dev.vhdxmount.mount;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.vhdxmount.vhdx.OpenOptions;
import dev.vhdxmount.vhdx.VirtualDisk;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code vhdx-info [OPTIONS] IMAGE}: what the virtual disk looks like from outside (size, sector sizes) and how to
 * attach it. A placeholder until the core exposes its structures (headers, regions, BAT, log, parents).
 */
@Command(name = "vhdx-info", mixinStandardHelpOptions = true, versionProvider = Cli.Version.class,
        sortOptions = false, usageHelpAutoWidth = true,
        customSynopsis = "vhdx-info [OPTIONS] IMAGE",
        description = {"Show a VHDX image's virtual disk: size and sector sizes, and how to attach it.", ""},
        footerHeading = "%nExamples:%n",
        footer = {"  vhdx-info disk.vhdx", "  vhdx-info --parent base.vhdx child.vhdx", "",
            "Exit status: as vhdx-mount's (0 ok, 2 bad command line, 3-7 image problems); see vhdx-mount --help."})
final class InfoCommand implements Callable<Integer> {
    static final String PROGRAM = "vhdx-info";
    private static final Logger log = LoggerFactory.getLogger(InfoCommand.class);

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "IMAGE", description = "The VHDX file (opened read-only, never written).")
    Path image;

    @Mixin
    ImageOptions imageOptions = new ImageOptions();

    @Mixin
    LoggingOptions logging = new LoggingOptions();

    static int run(String... args) {
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
                print(spec.commandLine().getOut(), disk);
            }
            return ExitCode.OK;
        } catch (CliError e) {
            return Cli.fail(log, logging, e);
        } catch (IOException e) {
            log.warn("closing {}: {}", Logging.show(image), Images.reason(e));
            return ExitCode.OK;
        } catch (RuntimeException | LinkageError e) {
            return Cli.internalError(log, e);
        }
    }

    private void print(PrintWriter out, VirtualDisk disk) {
        out.printf("image:                %s%n", Logging.show(image));
        out.printf("virtual size:         %d bytes (%s)%n", disk.size(), humanSize(disk.size()));
        out.printf("logical sector size:  %d bytes%n", disk.logicalSectorSize());
        out.printf("physical sector size: %d bytes%n", disk.physicalSectorSize());
        String advice = DiskAdvice.losetup(disk.logicalSectorSize(), "MOUNTPOINT/" + RawDiskFs.FILE_NAME);
        if (advice != null) {
            out.printf("note: %s%n", advice);
        }
        out.flush();
    }

    static String humanSize(long bytes) {
        String[] units = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB"};
        double value = bytes;
        int unit = 0;
        while (value >= 1024 && unit < units.length - 1) {
            value /= 1024;
            unit++;
        }
        return unit == 0 ? bytes + " bytes" : String.format(java.util.Locale.ROOT, "%.1f %s", value, units[unit]);
    }
}
