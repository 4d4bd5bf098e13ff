package dev.vhdxmount.vhdx;

import dev.vhdxmount.vhdx.error.VhdxFormatException;

import static dev.vhdxmount.vhdx.error.Hex.hex;

import dev.vhdxmount.vhdx.ImageInfo.Found;
import dev.vhdxmount.vhdx.format.BatGeometry;
import dev.vhdxmount.vhdx.format.FileIdentifier;
import dev.vhdxmount.vhdx.format.FileParameters;
import dev.vhdxmount.vhdx.format.Header;
import dev.vhdxmount.vhdx.format.Metadata;
import dev.vhdxmount.vhdx.format.MetadataTable;
import dev.vhdxmount.vhdx.format.PayloadBlockState;
import dev.vhdxmount.vhdx.format.RegionTable;
import dev.vhdxmount.vhdx.io.ByteSource;
import dev.vhdxmount.vhdx.io.FileByteSource;
import dev.vhdxmount.vhdx.io.Structures;
import dev.vhdxmount.vhdx.log.LogReplay;
import dev.vhdxmount.vhdx.read.BlockMap;
import dev.vhdxmount.vhdx.read.FileLayout;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens one VHDX file in the spec's own order (MS-VHDX §2): file identifier, header pair, log replay (in memory),
 * region table, metadata, BAT. Each step validates what it reads before the next uses it.
 */
final class ImageOpener {
    private static final Logger log = LoggerFactory.getLogger(ImageOpener.class);
    /** The BAT is scanned whole at open (validation, state counts) up to this size; beyond, entries are checked when read. */
    static final long BAT_SCAN_LIMIT = 64L << 20;
    private static final Set<UUID> KNOWN_REGIONS = Set.of(RegionTable.BAT, RegionTable.METADATA);

    private final FileByteSource file;
    private final OpenOptions options;
    private final String creator;
    private final List<Found<Header>> headers;
    private final int current;

    private ImageOpener(FileByteSource file, OpenOptions options) throws IOException {
        this.file = file;
        this.options = options;
        this.creator = readFileIdentifier().creator();
        this.headers = List.of(readHeader(1), readHeader(2));
        this.current = chooseCurrentHeader(headers);
    }

    /**
     * Reads only what identifies the image: the file identifier and the header pair. A candidate parent is checked
     * against its child's linkage GUID at this point, before anything else of it is read.
     */
    static ImageOpener identify(FileByteSource file, OpenOptions options) throws IOException {
        try {
            return new ImageOpener(file, options);
        } catch (VhdxFormatException.Truncated e) {
            throw e.inFile(file.path());
        }
    }

    /** The current header (it holds DataWriteGuid, the identity of the disk's content). */
    Header header() {
        return headers.get(current - 1).value().orElseThrow();
    }

    /** Parses the rest and returns the disk; the caller closes the file if this throws. */
    VhdxDisk open(ParentResolver parents) throws IOException {
        try {
            return openIdentified(parents);
        } catch (VhdxFormatException.Truncated e) {
            throw e.inFile(file.path());
        }
    }

    /**
     * The structures up to the BAT, parsed in the spec's order; the BAT entries are not yet validated and no parent
     * is opened. The file it reads through is the caller's to close.
     */
    ImageStructure structure() throws IOException {
        try {
            return parse();
        } catch (VhdxFormatException.Truncated e) {
            throw e.inFile(file.path());
        }
    }

    private ImageStructure parse() throws IOException {
        Header header = header();
        log.debug("{}: creator '{}', current header {} (sequence {})", file.path(), creator, current,
                Long.toUnsignedString(header.sequenceNumber()));

        ByteSource view = file;
        Optional<LogReplay.Summary> logSummary = Optional.empty();
        if (header.logActive()) {
            LogReplay.Replayed replayed = LogReplay.replay(file, header);
            view = replayed.view();
            logSummary = Optional.of(replayed.summary());
            log.debug("{}: replayed the log in memory: {}", file.path(), replayed.summary());
        }

        List<Found<RegionTable>> tables = List.of(readRegionTable(view, 1), readRegionTable(view, 2));
        int tableUsed = tables.get(0).value().isPresent() ? 1 : 2;
        RegionTable regions = tables.get(tableUsed - 1).value().orElseThrow(() -> new VhdxFormatException(
                "both region tables are invalid: " + tables.get(0).problem().orElseThrow() + "; "
                        + tables.get(1).problem().orElseThrow()));
        if (tableUsed == 2) {
            log.warn("{}: {}; using region table 2", file.path(), tables.get(0).problem().orElseThrow());
        }
        RegionTable.Entry batRegion = requireRegion(regions, RegionTable.BAT);
        RegionTable.Entry metadataRegion = requireRegion(regions, RegionTable.METADATA);
        FileLayout layout = checkRegions(regions, header, view.size());

        MetadataTable metadataTable = MetadataTable.parse(
                Structures.read(view, metadataRegion.fileOffset(), MetadataTable.SIZE, "metadata table"),
                metadataRegion.fileOffset(), metadataRegion.length());
        ByteSource metadataSource = view;
        Metadata metadata = Metadata.parse(metadataTable, (item, what) -> Structures.read(metadataSource,
                metadataRegion.fileOffset() + item.offset(), (int) item.length(), what), metadataRegion.fileOffset());

        FileParameters params = metadata.fileParameters();
        BatGeometry geometry = new BatGeometry(metadata.virtualDiskSize(), params.blockSize(),
                metadata.logicalSectorSize(), params.hasParent());
        long batBytes = geometry.totalEntries() * 8;
        if (batBytes > batRegion.length()) {
            throw new VhdxFormatException("BAT region at " + hex(batRegion.fileOffset()) + ": length "
                    + hex(batRegion.length()) + " is too small for " + geometry.totalEntries() + " entries ("
                    + hex(batBytes) + " bytes)");
        }
        BlockMap blocks = new BlockMap(view, batRegion.fileOffset(), geometry, layout, options.allowTruncated());
        ImageInfo info = new ImageInfo(file.path(), file.size(), creator, headers, current, tables, tableUsed,
                metadataTable, metadata, geometry, logSummary, Optional.empty(), Optional.empty());
        return new ImageStructure(info, file, view, blocks, layout, options);
    }

    private VhdxDisk openIdentified(ParentResolver parents) throws IOException {
        ImageStructure s = parse();
        ImageInfo parsed = s.info();
        BlockMap blocks = s.blocks();
        long batBytes = parsed.batGeometry().totalEntries() * 8;
        Optional<Map<PayloadBlockState, Long>> states = batBytes <= BAT_SCAN_LIMIT
                ? Optional.of(scanBat(blocks, options.allowTruncated())) : Optional.empty();
        ImageInfo info = parsed.withBatStates(states);
        if (!parsed.isDifferencing()) {
            return new VhdxDisk(info, s.view(), blocks, null);
        }
        ParentResolver.Resolved parent = parents.resolve(file.path(), info, options);
        return new VhdxDisk(info.withParent(parent.link()), s.view(), blocks, parent.disk());
    }

    /** §2.2.1: the signature {@code vhdxfile} at offset 0; anything else is not a VHDX at all. */
    private FileIdentifier readFileIdentifier() throws IOException {
        ByteBuffer b = ByteBuffer.allocate((int) Math.min(file.size(), FileIdentifier.SIZE))
                .order(ByteOrder.LITTLE_ENDIAN);
        file.readFully(b, 0);
        b.flip();
        if (!FileIdentifier.hasSignature(b)) {
            ImageSniffer.Guess guess = ImageSniffer.guess(file);
            throw new VhdxFormatException.NotVhdx(file.path() + " is not a VHDX image: no 'vhdxfile' signature at"
                    + " offset 0; " + guess.words(), guess.kind());
        }
        if (b.limit() < FileIdentifier.SIZE) {
            throw new VhdxFormatException.Truncated("file identifier at 0x0: the file ends at " + hex(file.size())
                    + ", inside the 1 MiB header section (truncated image)", "file identifier", -1, -1, 0,
                    file.size());
        }
        return FileIdentifier.parse(b);
    }

    private Found<Header> readHeader(int n) throws IOException {
        try {
            return Found.ok(Header.parse(Structures.read(file, Header.offsetOf(n), Header.SIZE, "header " + n), n));
        } catch (VhdxFormatException.Truncated e) {
            throw e;
        } catch (VhdxFormatException e) {
            return Found.bad(e.getMessage());
        }
    }

    /**
     * §2.2.2.1: the current header is the only valid one, or of two valid ones the one with the higher sequence
     * number. Equal numbers are accepted only when the headers are identical (Disk2vhd writes them so).
     */
    static int chooseCurrentHeader(List<Found<Header>> headers) throws VhdxFormatException {
        Optional<Header> h1 = headers.get(0).value();
        Optional<Header> h2 = headers.get(1).value();
        if (h1.isEmpty() && h2.isEmpty()) {
            throw new VhdxFormatException("no valid header: " + headers.get(0).problem().orElseThrow() + "; "
                    + headers.get(1).problem().orElseThrow());
        }
        if (h1.isEmpty()) {
            return 2;
        }
        if (h2.isEmpty()) {
            return 1;
        }
        int order = Long.compareUnsigned(h1.get().sequenceNumber(), h2.get().sequenceNumber());
        if (order == 0 && !h1.get().equals(h2.get())) {
            throw new VhdxFormatException("headers 1 at 0x10000 and 2 at 0x20000: both valid with the same "
                    + "SequenceNumber " + Long.toUnsignedString(h1.get().sequenceNumber())
                    + " but different contents; cannot tell which is current");
        }
        return order >= 0 ? 1 : 2;
    }

    private static Found<RegionTable> readRegionTable(ByteSource view, int copy) throws IOException {
        try {
            return Found.ok(RegionTable.parse(
                    Structures.read(view, RegionTable.offsetOf(copy), RegionTable.SIZE, "region table " + copy), copy));
        } catch (VhdxFormatException.Truncated e) {
            throw e;
        } catch (VhdxFormatException e) {
            return Found.bad(e.getMessage());
        }
    }

    private static RegionTable.Entry requireRegion(RegionTable table, UUID guid) throws VhdxFormatException {
        String name = guid.equals(RegionTable.BAT) ? "BAT" : "metadata";
        return table.find(guid).orElseThrow(() -> new VhdxFormatException("region table " + table.copy() + " at "
                + hex(RegionTable.offsetOf(table.copy())) + ": no " + name + " region (" + guid + ")"));
    }

    /**
     * §2.2.3: an unknown region marked required means this reader must not open the file; regions must lie inside
     * the file and overlap neither each other, the header section nor the log.
     */
    private FileLayout checkRegions(RegionTable table, Header header, long fileSize) throws VhdxFormatException {
        String where = "region table " + table.copy() + " at " + hex(RegionTable.offsetOf(table.copy()));
        List<FileLayout.Range> ranges = new ArrayList<>();
        for (RegionTable.Entry e : table.entries()) {
            if (!KNOWN_REGIONS.contains(e.guid()) && e.required()) {
                throw new VhdxFormatException.Unsupported(where + ": region " + e.guid() + " at "
                        + hex(e.fileOffset()) + " is marked required but is unknown to this reader");
            }
            ranges.add(new FileLayout.Range(e.name(), e.fileOffset(), e.end()));
        }
        FileLayout layout = FileLayout.of(fileSize, header.logOffset(), header.logLength());
        List<FileLayout.Range> placed = new ArrayList<>(layout.reserved());
        for (FileLayout.Range r : ranges) {
            for (FileLayout.Range other : placed) {
                if (r.overlaps(other.start(), other.end())) {
                    throw new VhdxFormatException(where + ": " + FileLayout.describe(r) + " overlaps the "
                            + FileLayout.describe(other));
                }
            }
            if (r.end() > fileSize && !options.allowTruncated()) {
                throw new VhdxFormatException.Truncated(where + ": " + FileLayout.describe(r)
                        + " ends past the end of the file at " + hex(fileSize) + " (truncated image)", r.name(), -1, -1,
                        r.start(), fileSize);
            }
            placed.add(r);
        }
        return new FileLayout(fileSize, placed);
    }

    /**
     * Validates every payload entry (state, reserved bits, placement) and counts the states. When salvaging a
     * truncated image, the scan stops where the BAT itself is cut off: reads of those blocks fail one by one.
     */
    private Map<PayloadBlockState, Long> scanBat(BlockMap blocks, boolean salvage) throws IOException {
        Map<PayloadBlockState, Long> counts = new EnumMap<>(PayloadBlockState.class);
        BatGeometry g = blocks.geometry();
        long payloadBlocks = g.payloadBlocks();
        for (long block = 0; block < payloadBlocks; block++) {
            long index = g.payloadIndex(block);
            long entry;
            try {
                entry = blocks.entry(index);
            } catch (VhdxFormatException.Truncated e) {
                if (!salvage) {
                    throw e;
                }
                log.warn("{}: {}; blocks {} and after cannot be read", file.path(), e.getMessage(), block);
                break;
            }
            counts.merge(blocks.checkPayloadEntry(index, block, entry), 1L, Long::sum);
        }
        return counts;
    }
}
