package dev.vhdxmount.vhdx.check;

import static dev.vhdxmount.vhdx.error.Hex.hex;

import dev.vhdxmount.vhdx.ImageInfo;
import dev.vhdxmount.vhdx.ImageStructure;
import dev.vhdxmount.vhdx.format.FileIdentifier;
import dev.vhdxmount.vhdx.format.Header;
import dev.vhdxmount.vhdx.format.MetadataTable;
import dev.vhdxmount.vhdx.format.RegionTable;
import dev.vhdxmount.vhdx.io.ByteSource;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Reads what nothing refers to: the file space no structure or block claims (from the {@link SpaceMap} the BAT
 * check filled), the reserved parts of the header section, and the parts of the BAT and metadata regions that hold
 * no entry or item. A sound writer leaves them zero; data there is a former block, a wiped structure's remains, or
 * something hidden. Space after the last structure is trailing data.
 */
final class SpaceScan {
    private static final int CHUNK = 1 << 20;

    /** A file range to read, and what to call it. */
    private record Area(String name, long start, long end) {}

    private SpaceScan() {}

    static void scan(ImageStructure s, SpaceMap space, Findings out, Progress progress) throws IOException {
        List<Area> areas = new ArrayList<>(insideStructures(s.info(), s.view()));
        Area trailing = null;
        long units = space.units();
        for (long u = 0; u < units; ) {
            if (space.used(u)) {
                u++;
                continue;
            }
            long from = u;
            while (u < units && !space.used(u)) {
                u++;
            }
            long start = from * SpaceMap.UNIT;
            long end = Math.min(space.mappedSize(), u * SpaceMap.UNIT);
            if (u == units && space.mappedSize() == space.fileSize()) {
                trailing = new Area("after the last structure", start, end);
            } else {
                areas.add(new Area("file space no structure or block refers to", start, end));
            }
        }
        long total = trailing == null ? 0 : trailing.end - trailing.start;
        for (Area a : areas) {
            total += a.end - a.start;
        }
        progress.addTotal(total);
        ByteSource view = s.view();
        // past the file's own end a replayed log's view holds zeros and the log's writes, which the log check
        // reports: reading it would take as long as the log's LastFileOffset says, whatever that is
        long readable = Math.min(view.size(), s.file().size());
        byte[] buffer = new byte[CHUNK];
        for (Area a : areas) {
            long[] nonZero = nonZero(view, readable, a, buffer, progress);
            if (nonZero[0] > 0) {
                out.add(Kind.UNREFERENCED_DATA, Severity.WARNING, a.name + " [" + hex(a.start) + ", " + hex(a.end)
                        + ")", nonZero[1], "zeros", nonZero[0] + " non-zero bytes between " + hex(nonZero[1])
                                + " and " + hex(nonZero[2]), "no reader shows them: stale or hidden data");
            }
        }
        if (trailing != null) {
            long[] nonZero = nonZero(view, readable, trailing, buffer, progress);
            long length = trailing.end - trailing.start;
            if (nonZero[0] > 0) {
                out.add(Kind.TRAILING_DATA, Severity.WARNING, "data " + trailing.name, trailing.start,
                        "the file to end with its last structure or block", length + " bytes, " + nonZero[0]
                                + " of them non-zero, between " + hex(nonZero[1]) + " and " + hex(nonZero[2]),
                        "no reader shows them: appended or left over data");
            } else {
                out.add(Kind.TRAILING_DATA, Severity.NOTE, "space " + trailing.name, trailing.start,
                        "the file to end with its last structure or block", length + " zero bytes",
                        "space a writer allocated ahead");
            }
        }
        if (space.mappedSize() < space.fileSize()) {
            out.add(Kind.UNREFERENCED_DATA, Severity.NOTE, "file space from " + hex(space.mappedSize()), -1,
                    "", "not read: the check maps the first " + hex(space.mappedSize()) + " bytes of a "
                            + hex(space.fileSize()) + "-byte file", "");
        }
    }

    /** The parts of structures no field uses: the header section's reserved space, and the regions' unused tails. */
    private static List<Area> insideStructures(ImageInfo info, ByteSource view) throws IOException {
        List<Area> areas = new ArrayList<>();
        long h1 = Header.offsetOf(1);
        long h2 = Header.offsetOf(2);
        long rt1 = RegionTable.offsetOf(1);
        long rt2 = RegionTable.offsetOf(2);
        String reserved = "reserved space of the header section";
        areas.add(new Area(reserved, FileIdentifier.SIZE, h1));
        areas.add(new Area(reserved, h1 + Header.SIZE, h2));
        areas.add(new Area(reserved, h2 + Header.SIZE, rt1));
        areas.add(new Area(reserved, rt2 + RegionTable.SIZE, 1 << 20));
        RegionTable regions = info.regionTables().get(info.regionTableUsed() - 1).value().orElseThrow();
        regions.find(RegionTable.BAT).ifPresent(bat -> {
            long end = bat.fileOffset() + info.batGeometry().totalEntries() * 8;
            if (end < bat.end()) {
                areas.add(new Area("unused part of the BAT region", end, bat.end()));
            }
        });
        Optional<RegionTable.Entry> metadata = regions.find(RegionTable.METADATA);
        if (metadata.isPresent()) {
            RegionTable.Entry m = metadata.get();
            long tableEnd = metadataTableEnd(info.metadataTable(), view, m.fileOffset());
            List<long[]> used = new ArrayList<>();
            // Windows (every version in the corpus) repeats the table's last entry in the slot after it: that slot
            // is read as the table's (see tableEnd)
            used.add(new long[] {0, tableEnd});
            for (MetadataTable.Entry e : info.metadataTable().entries()) {
                if (e.length() > 0) {
                    used.add(new long[] {e.offset(), e.end()});
                }
            }
            used.sort((a, b) -> Long.compare(a[0], b[0]));
            long at = 0;
            for (long[] u : used) {
                if (u[0] > at) {
                    areas.add(new Area("unused part of the metadata region", m.fileOffset() + at,
                            m.fileOffset() + u[0]));
                }
                at = Math.max(at, u[1]);
            }
            if (at < m.length()) {
                areas.add(new Area("unused part of the metadata region", m.fileOffset() + at, m.end()));
            }
        }
        return areas;
    }

    /**
     * Where the metadata table's entries end (region offset): after EntryCount entries, and one slot more when that
     * slot repeats one of them, as Windows writes it.
     */
    private static long metadataTableEnd(MetadataTable table, ByteSource view, long regionOffset) throws IOException {
        int count = table.entries().size();
        long end = 32 + 32L * count;
        if (count == 0) {
            return end;
        }
        ByteBuffer slots = ByteBuffer.allocate(32 * (count + 1));
        if (view.readFully(slots, regionOffset + 32) < slots.capacity()) {
            return end;
        }
        byte[] b = slots.array();
        for (int i = 0; i < count; i++) {
            if (Arrays.equals(b, 32 * count, 32 * count + 32, b, 32 * i, 32 * i + 32)) {
                return end + 32;
            }
        }
        return end;
    }

    /** {count, first, last} of the non-zero bytes of {@code a}, up to {@code readable}. */
    private static long[] nonZero(ByteSource view, long readable, Area a, byte[] buffer, Progress progress)
            throws IOException {
        long count = 0;
        long first = -1;
        long last = -1;
        long end = Math.min(a.end, readable);
        for (long at = a.start; at < end; ) {
            progress.checkCancelled();
            int n = (int) Math.min(buffer.length, end - at);
            int got = view.readFully(ByteBuffer.wrap(buffer, 0, n), at);
            if (got <= 0) {
                break;
            }
            int i = Arrays.mismatch(buffer, 0, got, ZEROS, 0, got);
            if (i >= 0) {
                for (; i < got; i++) {
                    if (buffer[i] != 0) {
                        count++;
                        last = at + i;
                        if (first < 0) {
                            first = at + i;
                        }
                    }
                }
            }
            progress.advance(got);
            at += got;
        }
        progress.advance(Math.max(0, a.end - end));
        return new long[] {count, first, last};
    }

    private static final byte[] ZEROS = new byte[CHUNK];
}
