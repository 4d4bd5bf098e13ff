package dev.vhdxmount.vhdx.check;

import java.util.Locale;

/**
 * What a {@link Finding} is about. docs/usage.md explains each to users; {@link #id} is its name in reports.
 */
public enum Kind {
    /** One header copy is unreadable (signature, CRC-32C, version): the other is used. */
    HEADER_INVALID,
    /** The header copies' sequence numbers are not consecutive: the older copy missed updates. */
    HEADER_STALE,
    /** Both header copies are valid but place or version the log differently. */
    HEADERS_DIFFER,
    /** One region table copy is unreadable: the other is used. */
    REGION_TABLE_INVALID,
    /** Both region table copies are valid but list different regions: readers may disagree on the layout. */
    REGION_TABLES_DIFFER,
    /** The log is active: the image was not closed cleanly; what replay changes. */
    LOG_DIRTY,
    /** A GUID that identifies the disk or its content is all zeros (wiped, or written by a careless tool). */
    ZERO_GUID,
    /** A BAT entry with a reserved state, reserved bits set, or an offset no file can have. */
    BAT_ENTRY_INVALID,
    /** A payload block in a state the disk type does not allow. */
    BLOCK_STATE_FORBIDDEN,
    /** A block's data overlaps the header section, the log, the metadata region, the BAT or another region. */
    BLOCK_OVERLAPS_STRUCTURE,
    /** Two BAT entries point at the same file space. */
    BLOCKS_OVERLAP,
    /** A structure or a block lies (partly) past the end of the file: the file was cut short. */
    PAST_END,
    /** A sector bitmap disagrees with its block's state, or a partially present block has none. */
    SECTOR_BITMAP_INCONSISTENT,
    /** Non-zero bytes in file space that no structure or block refers to. */
    UNREFERENCED_DATA,
    /** Bytes after the end of the last structure or block. */
    TRAILING_DATA,
    /** A differencing disk's parent is missing, or its linkage or sizes disagree with the child's. */
    PARENT_CHAIN,
    /** The findings of one kind beyond the first few, counted. */
    MORE_FINDINGS;

    /** The kind's name in reports: {@code header-invalid}. */
    public String id() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
