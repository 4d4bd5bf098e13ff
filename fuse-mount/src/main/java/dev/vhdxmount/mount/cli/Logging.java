package dev.vhdxmount.mount.cli;

import java.nio.file.Files;
import java.nio.file.Path;

import org.slf4j.LoggerFactory;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.filter.ThresholdFilter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.FileAppender;
import ch.qos.logback.core.OutputStreamAppender;

/**
 * Sets up Logback from the command line: warnings and errors to stderr by default, debug with {@code -v}, errors
 * only with {@code -q}, and optionally a log file.
 *
 * <p>{@link LogbackDefaults} holds the same quiet default for code that runs before this. Done in code rather than
 * with system properties so that {@code -v} can also switch the console to a detailed pattern with stack traces,
 * while the plain pattern prints one line per message, like other command-line tools ({@code prog: message}).
 */
final class Logging {
    private static final String FILE_PATTERN = "%d{yyyy-MM-dd HH:mm:ss.SSS} %-5level [%thread] %logger{0}: %msg%n";
    private static final String VERBOSE_CONSOLE_PATTERN = "%d{HH:mm:ss.SSS} %-5level [%thread] %logger{0}: %msg%n";

    private Logging() {}

    /** What the terminal shows: warnings and errors, errors only with -q, everything with -v. */
    static Level level(LoggingOptions options) {
        return options.verbose ? Level.DEBUG : options.quiet ? Level.ERROR : Level.WARN;
    }

    /**
     * What a log file gets: also the notes of a mount's life (serving, unmounted), which a background mount's user
     * can read nowhere else; everything with -v.
     */
    static Level fileLevel(LoggingOptions options) {
        return options.verbose ? Level.DEBUG : Level.INFO;
    }

    /**
     * Replaces the logging configuration.
     *
     * @throws CliError with {@link ExitCode#USAGE} when the log file cannot be opened
     */
    static void configure(String program, LoggingOptions options) throws CliError {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        context.reset();
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(options.logFile != null ? fileLevel(options) : level(options));

        ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
        console.setTarget("System.err");
        ThresholdFilter consoleLevel = new ThresholdFilter();
        consoleLevel.setLevel(level(options).toString());
        consoleLevel.start();
        console.addFilter(consoleLevel);
        // without -v: one line per message and never a stack trace (%nopex)
        start(context, console, options.verbose ? VERBOSE_CONSOLE_PATTERN : program + ": %msg%n%nopex");
        root.addAppender(console);

        if (options.logFile != null) {
            // Logback would make the missing folders of a mistyped path; a log goes where the user said or nowhere
            Path folder = options.logFile.toAbsolutePath().getParent();
            if (!Files.isDirectory(folder)) {
                throw new CliError(ExitCode.USAGE, "cannot write the log file " + options.logFile.toAbsolutePath()
                        + ": its folder " + folder + " does not exist");
            }
            FileAppender<ILoggingEvent> file = new FileAppender<>();
            file.setFile(options.logFile.toString());
            file.setAppend(true);
            start(context, file, FILE_PATTERN);
            if (!file.isStarted()) {
                throw new CliError(ExitCode.USAGE, "cannot write the log file " + options.logFile.toAbsolutePath()
                        + ": check that its folder exists and is writable");
            }
            root.addAppender(file);
        }
    }

    static void start(LoggerContext context, OutputStreamAppender<ILoggingEvent> appender, String pattern) {
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern(pattern);
        encoder.start();
        appender.setContext(context);
        appender.setEncoder(encoder);
        appender.start();
    }

    /** The path as given, for messages: absolute, so that a background process's log says where. */
    static String show(Path path) {
        return path.toAbsolutePath().normalize().toString();
    }
}
