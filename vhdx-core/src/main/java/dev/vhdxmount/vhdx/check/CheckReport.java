package dev.vhdxmount.vhdx.check;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a check of an image (and of its parent chain) found.
 *
 * @param image     the image checked
 * @param findings  every finding, in the order the structures were read
 * @param bytesRead bytes the check read from the files (structures, BAT, bitmaps, unreferenced space)
 * @param totals    findings per severity, those counted in a {@link Kind#MORE_FINDINGS} included
 */
public record CheckReport(Path image, List<Finding> findings, long bytesRead, Map<Severity, Long> totals) {

    public CheckReport {
        findings = List.copyOf(findings);
        totals = Map.copyOf(totals);
    }

    /** The most serious severity found, or empty for an image with no finding at all. */
    public Optional<Severity> worst() {
        return findings.stream().map(Finding::severity).max(Enum::compareTo);
    }

    /** How many findings have {@code severity}, those counted in a {@link Kind#MORE_FINDINGS} included. */
    public long count(Severity severity) {
        return totals.getOrDefault(severity, 0L);
    }
}
