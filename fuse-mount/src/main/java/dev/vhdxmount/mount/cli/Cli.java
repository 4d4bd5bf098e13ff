package dev.vhdxmount.mount.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

import org.slf4j.Logger;

import picocli.CommandLine;

/** What both commands share: picocli set-up, the version, how an error ends the program. */
final class Cli {
    private Cli() {}

    /** A picocli command line with GNU-style usage errors (one line, then where to get help) and our exit codes. */
    static CommandLine commandLine(Object command, String program) {
        CommandLine commandLine = new CommandLine(command);
        commandLine.setUsageHelpWidth(100);
        // one table of exit statuses for both commands, from ExitCode
        // the footer comes back with its variables resolved ($${loop} as ${loop}): escaped again, or the help would
        // resolve them a second time (${loop}, an unknown variable, as "null")
        List<String> footer = new ArrayList<>(List.of(commandLine.getCommandSpec().usageMessage().footer()).stream()
                .map(line -> line.replace("${", "$${")).toList());
        footer.addAll(ExitCode.helpLines());
        commandLine.getCommandSpec().usageMessage().footer(footer.toArray(String[]::new));
        commandLine.setParameterExceptionHandler((e, args) -> {
            PrintWriter err = e.getCommandLine().getErr();
            // picocli's "Unmatched argument at index N" counts arguments the user never typed (a background
            // mount's hidden option, a launcher's program name): name the argument instead
            String message = e instanceof CommandLine.UnmatchedArgumentException u && !u.isUnknownOption()
                    && !u.getUnmatched().isEmpty()
                    ? "unexpected argument '" + u.getUnmatched().get(0) + "' (usage: "
                            + e.getCommandLine().getCommandSpec().usageMessage().customSynopsis()[0] + ")"
                    : e.getMessage();
            err.println(program + ": " + message);
            err.println("Try '" + program + " --help' for more information.");
            return ExitCode.USAGE;
        });
        // the commands catch what they expect; anything else escaping call() is a bug
        commandLine.setExecutionExceptionHandler((e, cl, parseResult) -> internalError(
                org.slf4j.LoggerFactory.getLogger(command.getClass()), e));
        return commandLine;
    }

    /** Logs a {@link CliError} as its one line (with the cause's stack trace when verbose) and returns its code. */
    static int fail(Logger log, LoggingOptions logging, CliError error) {
        if (logging.verbose && error.getCause() != null) {
            log.error(error.getMessage(), error.getCause());
        } else {
            log.error(error.getMessage());
        }
        return error.exitCode();
    }

    /** An unexpected exception: a bug. One line, the stack trace with {@code -v} and in the log file. */
    static int internalError(Logger log, Throwable t) {
        log.error("internal error: {} (run with -v for details; please report it)", t.toString());
        log.debug("stack trace", t);
        return ExitCode.SOFTWARE;
    }

    /** -v and -q together make no sense. */
    static void checkLogging(CommandLine.Model.CommandSpec spec, LoggingOptions logging) {
        if (logging.verbose && logging.quiet) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--verbose and --quiet cannot be used together");
        }
    }

    /** Prints the program's version, and the FUSE binding's. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"${COMMAND-NAME} " + version(),
                    "FUSE: libfuse 3 where installed (low-level API, reads spliced from the image), else libfuse 2"
                            + " through jnr-fuse; Java " + System.getProperty("java.version")};
        }

        static String version() {
            try (InputStream in = Cli.class.getResourceAsStream("version.properties")) {
                Properties properties = new Properties();
                if (in != null) {
                    properties.load(in);
                }
                return properties.getProperty("version", "(unknown version)");
            } catch (IOException e) {
                return "(unknown version)";
            }
        }
    }
}
