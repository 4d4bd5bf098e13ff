package dev.vhdxmount.vhdx.check;

import java.util.concurrent.CancellationException;

/**
 * How a long check reports how far it got, and learns that it should stop. Called from the checking thread only.
 */
public interface Progress {
    /** Nothing shown, never cancelled. */
    Progress NONE = new Progress() {
        @Override
        public void addTotal(long bytes) {}

        @Override
        public void advance(long bytes) {}

        @Override
        public boolean cancelled() {
            return false;
        }
    };

    /** The work grew by {@code bytes} to read: the total is known only step by step (a BAT says what follows). */
    void addTotal(long bytes);

    void advance(long bytes);

    /** True once the user asked to stop; the check then ends with a {@link CancellationException}. */
    boolean cancelled();

    /** Throws when {@link #cancelled}. */
    default void checkCancelled() {
        if (cancelled()) {
            throw new CancellationException("check cancelled");
        }
    }
}
