package dev.vhdxmount.vhdx.check;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Collects the findings of one file. A kind that repeats (a truncated image has a block past its end for every
 * block) is listed {@link #LISTED} times, then counted: one finding per block of a 40 GiB image says nothing more.
 */
final class Findings {
    static final int LISTED = 20;

    private final Path file;
    private final List<Finding> listed = new ArrayList<>();
    private final Map<Kind, Long> counts = new EnumMap<>(Kind.class);
    private final Map<Kind, Severity> worstUnlisted = new EnumMap<>(Kind.class);
    private final Map<Severity, Long> totals = new EnumMap<>(Severity.class);

    Findings(Path file) {
        this.file = file;
    }

    void add(Kind kind, Severity severity, String structure, long fileOffset, String expected, String found,
            String detail) {
        long n = counts.merge(kind, 1L, Long::sum);
        totals.merge(severity, 1L, Long::sum);
        if (n <= LISTED) {
            listed.add(new Finding(kind, severity, file, structure, fileOffset, expected, found, detail));
        } else {
            worstUnlisted.merge(kind, severity, (a, b) -> a.compareTo(b) >= 0 ? a : b);
        }
    }

    /** How many findings of each severity there were, listed or counted. */
    Map<Severity, Long> totals() {
        return totals;
    }

    /** The findings, with one {@link Kind#MORE_FINDINGS} per kind that was cut short. */
    List<Finding> list() {
        List<Finding> out = new ArrayList<>(listed);
        worstUnlisted.forEach((kind, severity) -> out.add(new Finding(Kind.MORE_FINDINGS, severity, file,
                kind.id(), -1, "", (counts.get(kind) - LISTED) + " more " + kind.id() + " findings ("
                        + counts.get(kind) + " in all; the first " + LISTED + " are listed)", "")));
        return out;
    }
}
