package dev.vhdxmount.vhdx.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vhdxmount.vhdx.error.VhdxFormatException;
import dev.vhdxmount.vhdx.testkit.Bin;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** §2.6.2: the items together: presence, exact sizes, unknown required items, and the rules across items. */
class MetadataTest {
    private static final UUID PAGE83 = UUID.fromString("01234567-89ab-cdef-0123-456789abcdef");
    private static final UUID UNKNOWN = UUID.fromString("12345678-1234-1234-1234-123456789abc");

    /** Items by ID with their bytes and flags; offsets are assigned in order from 64 KiB. */
    private final Map<UUID, byte[]> data = new LinkedHashMap<>();
    private final Map<UUID, Integer> flags = new LinkedHashMap<>();

    private MetadataTest item(UUID id, byte[] bytes, int itemFlags) {
        data.put(id, bytes);
        flags.put(id, itemFlags);
        return this;
    }

    private static byte[] u32(long v) {
        byte[] b = new byte[4];
        Bin.u32(b, 0, v);
        return b;
    }

    private static byte[] u32x2(long a, long b) {
        byte[] x = new byte[8];
        Bin.u32(x, 0, a);
        Bin.u32(x, 4, b);
        return x;
    }

    private static byte[] u64(long v) {
        byte[] b = new byte[8];
        Bin.u64(b, 0, v);
        return b;
    }

    /** A valid dynamic disk of 1 GiB with 512-byte logical sectors. */
    private MetadataTest valid() {
        return item(FileParameters.ID, u32x2(32 << 20, 0), 4).item(VirtualDiskSize.ID, u64(1L << 30), 6)
                .item(Page83Data.ID, Bin.guid(PAGE83), 6).item(SectorSize.LOGICAL_ID, u32(512), 6)
                .item(SectorSize.PHYSICAL_ID, u32(4096), 6);
    }

    private Metadata parse() throws IOException {
        List<MetadataTable.Entry> entries = new ArrayList<>();
        Map<MetadataTable.Entry, byte[]> bytes = new LinkedHashMap<>();
        long offset = 64 * 1024;
        for (Map.Entry<UUID, byte[]> e : data.entrySet()) {
            int f = flags.get(e.getKey());
            MetadataTable.Entry entry = new MetadataTable.Entry(e.getKey(), offset, e.getValue().length,
                    (f & 1) != 0, (f & 2) != 0, (f & 4) != 0);
            entries.add(entry);
            bytes.put(entry, e.getValue());
            offset += e.getValue().length;
        }
        return Metadata.parse(new MetadataTable(entries),
                (entry, what) -> ByteBuffer.wrap(bytes.get(entry)).order(ByteOrder.LITTLE_ENDIAN), 0x200000);
    }

    private String refused() {
        return assertThrows(VhdxFormatException.class, this::parse).getMessage();
    }

    @Test
    void aValidSetOfItems() throws Exception {
        assertEquals(new Metadata(new FileParameters(32 << 20, false, false), 1L << 30, PAGE83, 512, 4096,
                Optional.empty()), valid().parse());
    }

    @Test
    void anUnknownItemIsRefusedOnlyWhenRequired() throws Exception {
        valid().item(UNKNOWN, new byte[8], 2).parse();
        VhdxFormatException e = assertThrows(VhdxFormatException.Unsupported.class,
                () -> valid().item(UNKNOWN, new byte[8], 4).parse());
        assertEquals("metadata table at 0x200000: metadata item " + UNKNOWN + " is marked required but is unknown to"
                + " this reader", e.getMessage());
    }

    @Test
    void aRequiredUserItemIsUnknownWhateverItsId() {
        // IsUser = 1 puts the ID in the user namespace: even File Parameters' GUID is no system item there
        MetadataTest m = valid();
        m.data.remove(FileParameters.ID);
        m.flags.remove(FileParameters.ID);
        assertThrows(VhdxFormatException.Unsupported.class, () -> m.item(FileParameters.ID, u32x2(1 << 20, 0), 5)
                .parse());
    }

    @Test
    void everyRequiredItemIsPresent() {
        for (UUID id : List.of(FileParameters.ID, VirtualDiskSize.ID, Page83Data.ID, SectorSize.LOGICAL_ID,
                SectorSize.PHYSICAL_ID)) {
            MetadataTest m = new MetadataTest().valid();
            m.data.remove(id);
            String message = m.refused();
            assertTrue(message.startsWith("metadata table at 0x200000: required item ")
                    && message.endsWith(" (" + id + ") is missing"), message);
        }
    }

    @Test
    void eachItemHasItsExactSize() {
        assertEquals("metadata table at 0x200000: item Virtual Disk Size is 4 bytes, expected 8",
                valid().item(VirtualDiskSize.ID, u32(1 << 30), 6).refused());
        assertEquals("metadata table at 0x200000: item Page 83 Data is 12 bytes, expected 16",
                valid().item(Page83Data.ID, new byte[12], 6).refused());
    }

    @Test
    void eachItemsRuleNamesTheItem() {
        assertTrue(valid().item(SectorSize.PHYSICAL_ID, u32(1000), 6).refused()
                .startsWith("metadata table at 0x200000, Physical Sector Size: sector size is 1000"));
        assertEquals("metadata table at 0x200000, Virtual Disk Size: VirtualDiskSize is 0 (an empty virtual disk)",
                valid().item(VirtualDiskSize.ID, u64(0), 6).refused());
    }

    @Test
    void theVirtualSizeIsCheckedAgainstTheLogicalSectorSize() throws Exception {
        assertEquals("metadata table at 0x200000, Virtual Disk Size: VirtualDiskSize 1073741312 bytes is not a"
                + " multiple of the 4096-byte logical sector size", valid().item(VirtualDiskSize.ID,
                        u64((1L << 30) - 512), 6).item(SectorSize.LOGICAL_ID, u32(4096), 6).refused());
        assertEquals("metadata table at 0x200000, Virtual Disk Size: VirtualDiskSize 70368744181760 bytes is more than"
                + " 64 TiB, the largest MS-VHDX allows", valid().item(VirtualDiskSize.ID, u64((64L << 40) + 4096), 6)
                        .refused());
        assertEquals("metadata table at 0x200000, Virtual Disk Size: VirtualDiskSize 18446744073709551615 bytes is"
                + " more than 64 TiB, the largest MS-VHDX allows", valid().item(VirtualDiskSize.ID, u64(-1), 6)
                        .refused());
        assertEquals(4096, valid().item(SectorSize.LOGICAL_ID, u32(4096), 6).parse().logicalSectorSize());
    }

    @Test
    void hasParentNeedsAParentLocator() throws Exception {
        assertEquals("metadata table at 0x200000: HasParent is set but there is no Parent Locator item ("
                + ParentLocator.ID + ")", valid().item(FileParameters.ID, u32x2(1 << 20, 2), 4).refused());
        byte[] locator = new byte[20];
        Bin.guid(locator, 0, ParentLocator.VHDX_TYPE);
        Metadata m = valid().item(FileParameters.ID, u32x2(1 << 20, 2), 4).item(ParentLocator.ID, locator, 4).parse();
        assertEquals(Map.of(), m.parentLocator().orElseThrow().entries());
        assertTrue(valid().item(ParentLocator.ID, new byte[3], 4).parse().parentLocator().isEmpty(),
                "without HasParent a locator is not even read");
    }
}
