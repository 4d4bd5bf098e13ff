package dev.vhdxmount.vhdx.format;

import static dev.vhdxmount.vhdx.error.Hex.hex;

import dev.vhdxmount.vhdx.error.VhdxFormatException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * What the metadata region says about the virtual disk (MS-VHDX §2.6.2), validated and cross-checked: each item by
 * its own record's rule, and across items what no single item can check (the virtual size against the logical
 * sector size, a Parent Locator where HasParent is set).
 */
public record Metadata(
        FileParameters fileParameters,
        long virtualDiskSize,
        UUID page83Data,
        int logicalSectorSize,
        int physicalSectorSize,
        Optional<ParentLocator> parentLocator) {

    /** The system items this reader knows (§2.6.2): any other item marked IsRequired makes it refuse the image. */
    public static final Set<UUID> KNOWN_ITEMS = Set.of(FileParameters.ID, VirtualDiskSize.ID, Page83Data.ID,
            SectorSize.LOGICAL_ID, SectorSize.PHYSICAL_ID, ParentLocator.ID);

    /**
     * Reads the bytes of an item the table lists (the table has bounded its offset and length): the only I/O of
     * {@link #parse}, so that the items are read one by one and only once they are needed.
     */
    @FunctionalInterface
    public interface ItemReader {
        /** @param what the item's name for a truncation message, e.g. "metadata item File Parameters" */
        ByteBuffer read(MetadataTable.Entry entry, String what) throws IOException;
    }

    /**
     * §2.6.2: every required item present with its exact size and valid, unknown required items refused.
     *
     * @param regionOffset file offset of the metadata region, for messages
     */
    public static Metadata parse(MetadataTable table, ItemReader items, long regionOffset) throws IOException {
        String where = "metadata table at " + hex(regionOffset);
        for (MetadataTable.Entry e : table.entries()) {
            if (e.isRequired() && (e.isUser() || !KNOWN_ITEMS.contains(e.itemId()))) {
                throw new VhdxFormatException.Unsupported(where + ": metadata item " + e.itemId()
                        + " is marked required but is unknown to this reader");
            }
        }
        FileParameters params = FileParameters.parse(required(table, items, where, FileParameters.ID,
                "File Parameters", FileParameters.SIZE), where + ", File Parameters");
        ByteBuffer size = required(table, items, where, VirtualDiskSize.ID, "Virtual Disk Size",
                VirtualDiskSize.SIZE);
        Page83Data page83 = Page83Data.parse(required(table, items, where, Page83Data.ID, "Page 83 Data",
                Page83Data.SIZE));
        SectorSize logical = SectorSize.parse(required(table, items, where, SectorSize.LOGICAL_ID,
                "Logical Sector Size", SectorSize.SIZE), where + ", Logical Sector Size");
        SectorSize physical = SectorSize.parse(required(table, items, where, SectorSize.PHYSICAL_ID,
                "Physical Sector Size", SectorSize.SIZE), where + ", Physical Sector Size");
        VirtualDiskSize virtualSize = VirtualDiskSize.parse(size, logical.bytes(), where + ", Virtual Disk Size");
        Optional<ParentLocator> locator = Optional.empty();
        if (params.hasParent()) {
            MetadataTable.Entry e = table.find(ParentLocator.ID).orElseThrow(() -> new VhdxFormatException(
                    where + ": HasParent is set but there is no Parent Locator item (" + ParentLocator.ID + ")"));
            ByteBuffer b = items.read(e, "parent locator");
            locator = Optional.of(ParentLocator.parse(b, (int) e.length(), where + ", Parent Locator at "
                    + hex(regionOffset + e.offset())));
        }
        return new Metadata(params, virtualSize.bytes(), page83.guid(), logical.bytes(), physical.bytes(), locator);
    }

    /** A required item's bytes, once the table is known to list it with its exact size. */
    private static ByteBuffer required(MetadataTable table, ItemReader items, String where, UUID id, String name,
            int size) throws IOException {
        MetadataTable.Entry e = table.find(id).orElseThrow(() -> new VhdxFormatException(where + ": required item "
                + name + " (" + id + ") is missing"));
        if (e.length() != size) {
            throw new VhdxFormatException(where + ": item " + name + " is " + e.length() + " bytes, expected " + size);
        }
        return items.read(e, "metadata item " + name);
    }
}
