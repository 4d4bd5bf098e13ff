package dev.vhdxmount.mount.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import picocli.CommandLine.Option;

/** The logging options both commands share: {@code -v}, {@code -q}, {@code --log-file}. */
final class LoggingOptions {

    @Option(names = {"-v", "--verbose"}, description = "Log debug messages, and show stack traces with errors.")
    boolean verbose;

    @Option(names = {"-q", "--quiet"}, description = "Log errors only (no warnings or notes).")
    boolean quiet;

    @Option(names = "--log-file", paramLabel = "FILE",
            description = "Also append log messages to FILE, with timestamps and stack traces, and the notes the"
                    + " terminal does not show (mounted, unmounted).")
    Path logFile;

    /** These options again, with absolute paths, for a process that does not share our working directory. */
    List<String> toArguments() {
        List<String> args = new ArrayList<>();
        if (verbose) {
            args.add("--verbose");
        }
        if (quiet) {
            args.add("--quiet");
        }
        if (logFile != null) {
            args.add("--log-file=" + logFile.toAbsolutePath());
        }
        return args;
    }
}
