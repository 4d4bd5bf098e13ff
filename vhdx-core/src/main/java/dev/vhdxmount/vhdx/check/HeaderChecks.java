package dev.vhdxmount.vhdx.check;

import static dev.vhdxmount.vhdx.error.Hex.hex;

import dev.vhdxmount.vhdx.ImageInfo;
import dev.vhdxmount.vhdx.format.Guids;
import dev.vhdxmount.vhdx.format.Header;
import dev.vhdxmount.vhdx.format.Page83Data;
import dev.vhdxmount.vhdx.format.RegionTable;
import java.util.HashSet;
import java.util.List;
import java.util.UUID;

/**
 * The header section's two copies of each structure (MS-VHDX §2.2.2, §2.2.3), and the GUIDs that identify the disk.
 * The open has parsed them already: a copy that failed is in {@link ImageInfo#headers} with its reason.
 */
final class HeaderChecks {
    private HeaderChecks() {}

    static void check(ImageInfo info, Findings out) {
        headers(info, out);
        regionTables(info, out);
        guids(info, out);
    }

    private static void headers(ImageInfo info, Findings out) {
        List<ImageInfo.Found<Header>> headers = info.headers();
        for (int n = 1; n <= 2; n++) {
            ImageInfo.Found<Header> found = headers.get(n - 1);
            if (found.value().isEmpty()) {
                out.add(Kind.HEADER_INVALID, Severity.WARNING, "header " + n, Header.offsetOf(n), "a valid header",
                        found.problem().orElse("an invalid one"), "header " + info.currentHeader() + " is used");
            }
        }
        if (headers.get(0).value().isEmpty() || headers.get(1).value().isEmpty()) {
            return;
        }
        int current = info.currentHeader();
        int other = 3 - current;
        Header now = info.current();
        Header old = headers.get(other - 1).value().orElseThrow();
        // §2.2.2.1: an update writes the older copy with the next sequence number, so the copies of a file whose
        // updates all completed are one apart (or equal, where a tool wrote both at once)
        long gap = now.sequenceNumber() - old.sequenceNumber();
        if (Long.compareUnsigned(gap, 1) > 0) {
            out.add(Kind.HEADER_STALE, Severity.WARNING, "header " + other, Header.offsetOf(other),
                    "SequenceNumber " + Long.toUnsignedString(now.sequenceNumber() - 1) + " or "
                            + Long.toUnsignedString(now.sequenceNumber()) + " (header " + current + " has "
                            + Long.toUnsignedString(now.sequenceNumber()) + ")",
                    Long.toUnsignedString(old.sequenceNumber()),
                    "the copy missed " + Long.toUnsignedString(gap - 1) + " updates; header " + current + " is used");
        }
        if (now.logOffset() != old.logOffset() || now.logLength() != old.logLength()
                || now.logVersion() != old.logVersion()) {
            out.add(Kind.HEADERS_DIFFER, Severity.WARNING, "header " + other, Header.offsetOf(other),
                    "the log where header " + current + " places it (" + logPlace(now) + ")", logPlace(old),
                    "header " + current + " is used");
        }
    }

    private static String logPlace(Header h) {
        return "LogOffset " + hex(h.logOffset()) + ", LogLength " + hex(h.logLength()) + ", LogVersion "
                + h.logVersion();
    }

    private static void regionTables(ImageInfo info, Findings out) {
        List<ImageInfo.Found<RegionTable>> tables = info.regionTables();
        for (int copy = 1; copy <= 2; copy++) {
            ImageInfo.Found<RegionTable> found = tables.get(copy - 1);
            if (found.value().isEmpty()) {
                out.add(Kind.REGION_TABLE_INVALID, Severity.WARNING, "region table " + copy,
                        RegionTable.offsetOf(copy), "a valid region table", found.problem().orElse("an invalid one"),
                        "region table " + info.regionTableUsed() + " is used");
            }
        }
        if (tables.get(0).value().isEmpty() || tables.get(1).value().isEmpty()) {
            return;
        }
        List<RegionTable.Entry> first = tables.get(0).value().orElseThrow().entries();
        List<RegionTable.Entry> second = tables.get(1).value().orElseThrow().entries();
        if (!new HashSet<>(first).equals(new HashSet<>(second))) {
            out.add(Kind.REGION_TABLES_DIFFER, Severity.ERROR, "region table 2", RegionTable.offsetOf(2),
                    "the regions of region table 1 (" + describe(first) + ")", describe(second),
                    "this reader uses table 1; a reader that uses table 2 sees another layout");
        }
    }

    private static String describe(List<RegionTable.Entry> entries) {
        StringBuilder b = new StringBuilder();
        for (RegionTable.Entry e : entries) {
            if (b.length() > 0) {
                b.append("; ");
            }
            b.append(e.name()).append(" at ").append(hex(e.fileOffset())).append(" length ").append(hex(e.length()))
                    .append(e.required() ? " required" : "");
        }
        return b.length() == 0 ? "no region" : b.toString();
    }

    /** GUIDs that a writer generates at random: all zeros means they were wiped or never written. */
    private static void guids(ImageInfo info, Findings out) {
        Header h = info.current();
        long at = Header.offsetOf(info.currentHeader());
        zero(out, h.fileWriteGuid(), "header " + info.currentHeader() + " FileWriteGuid", at + 16,
                "Hyper-V sets a new one each time it opens the file for writing");
        zero(out, h.dataWriteGuid(), "header " + info.currentHeader() + " DataWriteGuid", at + 32,
                "it identifies the disk's content: a child's parent_linkage names it");
        long page83 = info.regionTables().get(info.regionTableUsed() - 1).value()
                .flatMap(t -> t.find(RegionTable.METADATA)).map(RegionTable.Entry::fileOffset)
                .flatMap(region -> info.metadataTable().find(Page83Data.ID).map(e -> region + e.offset()))
                .orElse(-1L);
        zero(out, info.metadata().page83Data(), "metadata item Page 83 Data (VirtualDiskId)", page83,
                "the disk's SCSI identity, which guests see");
    }

    private static void zero(Findings out, UUID guid, String structure, long offset, String why) {
        if (guid.equals(Guids.ZERO)) {
            out.add(Kind.ZERO_GUID, Severity.WARNING, structure, offset, "a non-zero GUID", Guids.ZERO.toString(),
                    why + "; zeros mean it was wiped or never set");
        }
    }
}
