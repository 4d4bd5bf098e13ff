package dev.vhdxmount.vhdx.check;

import dev.vhdxmount.vhdx.ImageInfo;
import dev.vhdxmount.vhdx.ImageStructure;
import dev.vhdxmount.vhdx.error.VhdxFormatException;
import java.io.IOException;
import java.util.Optional;

/**
 * A differencing disk's parent (MS-VHDX §2.6.2.6), found as the open finds it: each candidate the parent locator (or
 * {@code --parent}) names must exist, carry the child's parent_linkage as its DataWriteGuid, and have the child's
 * logical sector size and virtual size. Why each candidate was refused is a finding.
 */
final class ParentCheck {
    private ParentCheck() {}

    static Optional<ImageInfo.ParentLink> check(ImageStructure s, Findings out) throws IOException {
        try {
            return Optional.of(s.resolveParent());
        } catch (VhdxFormatException.ParentNotFound e) {
            boolean deeper = e.child() != null && !e.child().equals(s.info().path());
            if (e.attempts().isEmpty() || deeper) {
                out.add(Kind.PARENT_CHAIN, Severity.ERROR, "parent locator", -1, "a parent that can be opened",
                        e.getMessage(), "the disk cannot be read without it");
            }
            for (VhdxFormatException.ParentNotFound.Attempt a : e.attempts()) {
                out.add(Kind.PARENT_CHAIN, Severity.ERROR, "parent " + a.candidate() + " (" + a.how() + ")", -1,
                        "the parent named by the child's locator, with a matching linkage and sizes", a.why(),
                        "the disk cannot be read without it");
            }
            return Optional.empty();
        } catch (VhdxFormatException e) {
            out.add(Kind.PARENT_CHAIN, Severity.ERROR, "parent locator", -1, "a usable parent locator",
                    e.getMessage(), "the disk cannot be read without its parent");
            return Optional.empty();
        }
    }
}
