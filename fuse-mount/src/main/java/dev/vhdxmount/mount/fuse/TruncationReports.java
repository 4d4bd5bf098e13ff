package dev.vhdxmount.mount.fuse;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.vhdxmount.vhdx.error.VhdxFormatException;

/**
 * Decides which read failures of a truncated image to log: the first per block, not one per read. A salvaged partial
 * copy ({@code --allow-truncated}) fails every read of each missing block, and the kernel, readahead and a user
 * retrying make that thousands of reads: one line per block says everything.
 *
 * <p>The core's {@code VhdxFormatException.Truncated} message names the block ({@code payload block 17 (virtual
 * offset ...)...}), or for a structure the structure and its offset ({@code BAT at 0x300018: ...}); that is the key.
 * In a differencing chain, the same block number in two truncated files counts once (the message does not name the
 * file). At most {@link #MAX_KEYS} keys are remembered (a few MiB); past that, further blocks are not logged at all.
 */
final class TruncationReports {
    static final int MAX_KEYS = 65_536;
    private static final Pattern BLOCK = Pattern.compile("payload block \\d+");

    private final Set<String> reported = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean full = new AtomicBoolean();

    enum Decision {
        /** The first failure of this block: log it. */
        FIRST,
        /** Logged before: debug at most. */
        REPEAT,
        /** The first failure past {@link #MAX_KEYS}: log that no more are logged. */
        LIMIT_REACHED
    }

    /** The block or structure that a truncation message is about. */
    static String key(String message) {
        if (message == null) {
            return "";
        }
        Matcher m = BLOCK.matcher(message);
        if (m.find()) {
            return m.group();
        }
        int colon = message.indexOf(": ");
        return colon > 0 ? message.substring(0, colon) : message;
    }

    Decision report(String message) {
        String key = key(message);
        if (reported.contains(key)) {
            return Decision.REPEAT;
        }
        if (reported.size() >= MAX_KEYS) {
            return full.compareAndSet(false, true) ? Decision.LIMIT_REACHED : Decision.REPEAT;
        }
        return reported.add(key) ? Decision.FIRST : Decision.REPEAT;
    }
}
