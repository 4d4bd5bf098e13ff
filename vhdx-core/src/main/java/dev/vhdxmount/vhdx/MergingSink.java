package dev.vhdxmount.vhdx;

import java.io.IOException;

/**
 * Joins the runs that {@link Allocation#continuedBy continue} each other before passing them on: a map's runs end
 * at least at each block's end, a reader of the map wants each stretch once. Holds one run for one call.
 */
final class MergingSink implements AllocationSink {
    private final AllocationSink downstream;
    private Allocation pending;

    MergingSink(AllocationSink downstream) {
        this.downstream = downstream;
    }

    @Override
    public boolean run(Allocation run) throws IOException {
        if (pending != null && pending.continuedBy(run)) {
            pending = pending.joinedWith(run);
            return true;
        }
        Allocation done = pending;
        pending = run;
        return done == null || downstream.run(done);
    }

    /** Passes on the run held back; false when the downstream sink stops at it. */
    boolean finish() throws IOException {
        Allocation done = pending;
        pending = null;
        return done == null || downstream.run(done);
    }
}
