package dev.vhdxmount.mount.fuse;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Decides which of many read failures to log: the first per place, not one per read. A salvaged partial copy
 * ({@code --allow-truncated}) fails every read of each missing block, and a bad sector every read that touches it;
 * the kernel's readahead, its retries and a user trying again make that thousands of reads, where one line per place
 * says everything. At most {@link #MAX_PLACES} places are remembered (a few MiB); past that, no further ones are
 * logged. Safe for any number of threads.
 */
final class LoggedPlaces {
    static final int MAX_PLACES = 65_536;

    /**
     * A place that fails: in a file (an image of the chain), a structure or block by name, and an offset where the
     * name alone does not say which (-1 where it does).
     */
    record Place(Object file, String what, long offset) {}

    enum Decision {
        /** The first failure at this place: log it. */
        FIRST,
        /** Logged before: debug at most. */
        REPEAT,
        /** The first failure past {@link #MAX_PLACES}: log that no more are logged. */
        LIMIT_REACHED
    }

    private final Set<Place> reported = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean full = new AtomicBoolean();

    Decision report(Place place) {
        if (reported.contains(place)) {
            return Decision.REPEAT;
        }
        if (reported.size() >= MAX_PLACES) {
            return full.compareAndSet(false, true) ? Decision.LIMIT_REACHED : Decision.REPEAT;
        }
        return reported.add(place) ? Decision.FIRST : Decision.REPEAT;
    }
}
