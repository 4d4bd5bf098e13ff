package dev.vhdxmount.vhdx.testkit;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a built disk's allocation map must say, run by run, from the builder's block plan: which stretches hold data
 * and which read as zeros, and which disk of the chain decided it. Painted over the parent's runs as the blocks of
 * a child are, so it stays a few runs for a sparse 64 TiB disk.
 */
final class ExpectedRuns {
    private final TreeMap<Long, ExpectedDisk.Run> runs = new TreeMap<>();

    private ExpectedRuns() {}

    /** Zeros everywhere, as the disk at {@code depth} of the chain says. */
    ExpectedRuns(long size, int depth) {
        runs.put(0L, new ExpectedDisk.Run(0, size, false, depth));
    }

    /** {@code parent}'s runs as its child sees them: one level further down the chain. */
    static ExpectedRuns below(List<ExpectedDisk.Run> parent) {
        ExpectedRuns r = new ExpectedRuns();
        for (ExpectedDisk.Run run : parent) {
            r.runs.put(run.offset(), new ExpectedDisk.Run(run.offset(), run.length(), run.data(), run.depth() + 1));
        }
        return r;
    }

    /** Makes [offset, offset + length) one run of this kind, decided by the disk at {@code depth}. */
    void paint(long offset, long length, boolean data, int depth) {
        long end = offset + length;
        split(offset);
        split(end);
        runs.subMap(offset, end).clear();
        runs.put(offset, new ExpectedDisk.Run(offset, length, data, depth));
    }

    private void split(long at) {
        Map.Entry<Long, ExpectedDisk.Run> e = runs.lowerEntry(at);
        if (e != null && e.getValue().end() > at) {
            ExpectedDisk.Run r = e.getValue();
            runs.put(r.offset(), new ExpectedDisk.Run(r.offset(), at - r.offset(), r.data(), r.depth()));
            runs.put(at, new ExpectedDisk.Run(at, r.end() - at, r.data(), r.depth()));
        }
    }

    /** The runs in order, alike neighbours joined. */
    List<ExpectedDisk.Run> merged() {
        List<ExpectedDisk.Run> out = new ArrayList<>();
        for (ExpectedDisk.Run r : runs.values()) {
            ExpectedDisk.Run last = out.isEmpty() ? null : out.get(out.size() - 1);
            if (last != null && last.data() == r.data() && last.depth() == r.depth() && last.end() == r.offset()) {
                out.set(out.size() - 1, new ExpectedDisk.Run(last.offset(), last.length() + r.length(), r.data(),
                        r.depth()));
            } else {
                out.add(r);
            }
        }
        return out;
    }
}
