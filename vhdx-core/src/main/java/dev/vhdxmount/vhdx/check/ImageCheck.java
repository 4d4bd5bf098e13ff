package dev.vhdxmount.vhdx.check;

import dev.vhdxmount.vhdx.ImageInfo;
import dev.vhdxmount.vhdx.ImageStructure;
import dev.vhdxmount.vhdx.OpenOptions;
import dev.vhdxmount.vhdx.VhdxImage;
import dev.vhdxmount.vhdx.error.VhdxFormatException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Checks an image and its parent chain: reads every structure of each file and reports what is wrong or odd with
 * it ({@link Finding}s), where {@link VhdxImage#open} stops at the first thing it cannot read past. Never writes.
 *
 * <p>A file whose structures cannot be parsed at all (not a VHDX, no valid header, both region tables bad, broken
 * metadata) fails as the open fails: there is nothing to check past it. A truncated file is checked as far as it
 * goes (as if opened with {@link OpenOptions#allowTruncated}): what lies past its end is a finding.
 */
public final class ImageCheck {
    private ImageCheck() {}

    /**
     * @param options how to open the image: its parents, if named, are the chain checked
     * @throws java.util.concurrent.CancellationException when {@code progress} says to stop
     */
    public static CheckReport run(Path image, OpenOptions options, Progress progress) throws IOException {
        OpenOptions salvage = options.withAllowTruncated(true);
        List<Finding> findings = new ArrayList<>();
        Map<Severity, Long> totals = new EnumMap<>(Severity.class);
        long[] read = {0};
        Progress counting = new Progress() {
            @Override
            public void addTotal(long bytes) {
                progress.addTotal(bytes);
            }

            @Override
            public void advance(long bytes) {
                read[0] += bytes;
                progress.advance(bytes);
            }

            @Override
            public boolean cancelled() {
                return progress.cancelled();
            }
        };
        Optional<ImageInfo.ParentLink> chain = checkFile(image, salvage, findings, totals, counting);
        int level = 1;
        while (chain.isPresent()) {
            ImageInfo.ParentLink link = chain.get();
            List<Path> deeper = salvage.parents().size() > level
                    ? salvage.parents().subList(level, salvage.parents().size()) : List.of();
            chain = checkFile(link.path(), salvage.withParents(deeper), findings, totals, counting);
            level++;
        }
        return new CheckReport(image, findings, read[0], totals);
    }

    /** Checks one file; returns its parent's link when it has a parent that was found and matches. */
    private static Optional<ImageInfo.ParentLink> checkFile(Path path, OpenOptions options, List<Finding> all,
            Map<Severity, Long> totals, Progress progress) throws IOException {
        Findings out = new Findings(path);
        Optional<ImageInfo.ParentLink> parent = Optional.empty();
        try (ImageStructure s = VhdxImage.structure(path, options)) {
            HeaderChecks.check(s.info(), out);
            LogCheck.check(s, out, progress);
            SpaceMap space = BatCheck.check(s, out, progress);
            SpaceScan.scan(s, space, out, progress);
            if (s.info().isDifferencing()) {
                parent = ParentCheck.check(s, out);
            }
        } catch (VhdxFormatException.Truncated e) {
            throw e.inFile(path);
        }
        all.addAll(out.list());
        out.totals().forEach((severity, n) -> totals.merge(severity, n, Long::sum));
        return parent;
    }
}
