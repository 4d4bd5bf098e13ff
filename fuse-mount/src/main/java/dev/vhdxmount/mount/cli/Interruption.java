package dev.vhdxmount.mount.cli;

import java.util.List;

import dev.vhdxmount.mount.session.SignalHandlers;

/**
 * Ctrl-C (SIGINT) or SIGTERM during long work ({@code --hash}, {@code --check}): noted, so that the work stops at its
 * next step (within one 8 MiB read), wipes its progress line, prints nothing partial, and the command ends with
 * 128 + the signal's number, as a shell expects. A second signal ends the process at once.
 */
final class Interruption {
    private volatile String signal;

    private Interruption() {}

    /** One that nothing sets: the caller asks for a stop with {@link #signal(String)} itself. */
    static Interruption unattached() {
        return new Interruption();
    }

    /** Notes {@code name} ("SIGINT") as a signal handler would. */
    void signal(String name) {
        signal = name;
    }

    static Interruption install() {
        Interruption i = new Interruption();
        SignalHandlers.install(List.of("INT", "TERM"), name -> {
            if (i.signal != null) {
                Runtime.getRuntime().halt(exitCode(i.signal));
            }
            i.signal = name;
        });
        return i;
    }

    boolean happened() {
        return signal != null;
    }

    /** What the interrupted command exits with: 130 for SIGINT, 143 for SIGTERM. */
    int exitCode() {
        return exitCode(signal);
    }

    private static int exitCode(String signal) {
        return "SIGTERM".equals(signal) ? ExitCode.TERMINATED : ExitCode.INTERRUPTED;
    }

    String signal() {
        return signal;
    }
}
