package dev.vhdxmount.mount.cli;

/**
 * A failure the user can act on: a one-line message (what, where, what next) and the {@link ExitCode} to end with.
 * The cause, if any, is shown only with {@code -v}.
 */
final class CliError extends Exception {
    private static final long serialVersionUID = 1L;

    private final int exitCode;

    CliError(int exitCode, String message) {
        this(exitCode, message, null);
    }

    CliError(int exitCode, String message, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    int exitCode() {
        return exitCode;
    }
}
