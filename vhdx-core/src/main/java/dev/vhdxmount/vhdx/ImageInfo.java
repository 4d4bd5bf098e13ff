package dev.vhdxmount.vhdx;

import dev.vhdxmount.vhdx.format.BatGeometry;
import dev.vhdxmount.vhdx.format.Header;
import dev.vhdxmount.vhdx.format.Metadata;
import dev.vhdxmount.vhdx.format.MetadataTable;
import dev.vhdxmount.vhdx.format.PayloadBlockState;
import dev.vhdxmount.vhdx.format.RegionTable;
import dev.vhdxmount.vhdx.log.LogReplay;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Everything the open parsed, for {@code vhdx-info} and for diagnostics: immutable.
 *
 * @param headers        both headers as found: the parsed header, or why it is invalid
 * @param currentHeader  1 or 2
 * @param regionTables   both region tables as found
 * @param regionTableUsed 1, or 2 when copy 1 is corrupt
 * @param log            what the log replay applied, when the log was active
 * @param batStates      payload blocks per state, when the BAT was scanned at open (it is, up to a size bound)
 * @param parent         the parent disk's info, for a differencing disk
 */
public record ImageInfo(
        Path path,
        long fileSize,
        String creator,
        List<Found<Header>> headers,
        int currentHeader,
        List<Found<RegionTable>> regionTables,
        int regionTableUsed,
        MetadataTable metadataTable,
        Metadata metadata,
        BatGeometry batGeometry,
        Optional<LogReplay.Summary> log,
        Optional<Map<PayloadBlockState, Long>> batStates,
        Optional<ParentLink> parent) {

    /** A structure that was either parsed or found invalid (with the reason). */
    public record Found<T>(Optional<T> value, Optional<String> problem) {
        public static <T> Found<T> ok(T value) {
            return new Found<>(Optional.of(value), Optional.empty());
        }

        public static <T> Found<T> bad(String problem) {
            return new Found<>(Optional.empty(), Optional.of(problem));
        }
    }

    /** How a differencing disk's parent was found. */
    public record ParentLink(Path path, String foundBy, List<String> attempts, ImageInfo info) {}

    /** The same, with the BAT's payload block states counted. */
    public ImageInfo withBatStates(Optional<Map<PayloadBlockState, Long>> states) {
        return new ImageInfo(path, fileSize, creator, headers, currentHeader, regionTables, regionTableUsed,
                metadataTable, metadata, batGeometry, log, states, parent);
    }

    /** The same, with the parent that was found for it. */
    public ImageInfo withParent(ParentLink link) {
        return new ImageInfo(path, fileSize, creator, headers, currentHeader, regionTables, regionTableUsed,
                metadataTable, metadata, batGeometry, log, batStates, Optional.of(link));
    }

    public Header current() {
        return headers.get(currentHeader - 1).value().orElseThrow();
    }

    public boolean isDifferencing() {
        return metadata.fileParameters().hasParent();
    }

    public boolean isFixed() {
        return metadata.fileParameters().leaveBlocksAllocated();
    }

    public String diskType() {
        return isDifferencing() ? "differencing" : isFixed() ? "fixed" : "dynamic";
    }
}
