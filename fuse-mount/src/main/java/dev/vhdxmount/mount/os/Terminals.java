package dev.vhdxmount.mount.os;

/** Whether a standard stream is a terminal: where a progress line may be drawn. */
public final class Terminals {
    private Terminals() {}

    /** True when file descriptor 2 is a terminal; false when it is not, or when libc cannot be bound. */
    public static boolean stderrIsTerminal() {
        try {
            return LibC.load().isatty(2) == 1;
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }
}
