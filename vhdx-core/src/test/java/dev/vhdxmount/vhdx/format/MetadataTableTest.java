package dev.vhdxmount.vhdx.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vhdxmount.vhdx.error.VhdxFormatException;
import dev.vhdxmount.vhdx.testkit.Bin;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.UUID;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** §2.6.1 on hand-built bytes: the table header and each entry's rules. */
class MetadataTableTest {
    private static final UUID A = UUID.fromString("caa16737-fa36-4d43-b3b6-33f0aa44e76b");
    private static final UUID B = UUID.fromString("2fa54224-cd1b-4876-b211-5dbed83bf4b8");
    private static final long REGION = 1 << 20;

    static ByteBuffer table(int count, Consumer<byte[]> entries) {
        byte[] b = new byte[64 * 1024];
        Bin.ascii(b, 0, "metadata");
        Bin.u16(b, 10, count);
        entries.accept(b);
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    }

    static void entry(byte[] b, int i, UUID id, long offset, long length, int flags) {
        int at = 32 + 32 * i;
        Bin.guid(b, at, id);
        Bin.u32(b, at + 16, offset);
        Bin.u32(b, at + 20, length);
        Bin.u32(b, at + 24, flags);
    }

    private static ByteBuffer two(Consumer<byte[]> change) {
        return table(2, b -> {
            entry(b, 0, A, 0x10000, 8, 4);
            entry(b, 1, B, 0x10008, 8, 6);
            change.accept(b);
        });
    }

    private static String refused(ByteBuffer b) {
        return assertThrows(VhdxFormatException.class, () -> MetadataTable.parse(b, 0x200000, REGION)).getMessage();
    }

    @Test
    void parsesEntriesAndTheirFlags() throws Exception {
        MetadataTable t = MetadataTable.parse(two(b -> {}), 0x200000, REGION);
        assertEquals(List.of(new MetadataTable.Entry(A, 0x10000, 8, false, false, true),
                new MetadataTable.Entry(B, 0x10008, 8, false, true, true)), t.entries());
        assertEquals(0x10010, t.find(B).orElseThrow().end());
    }

    @Test
    void signature() {
        assertEquals("metadata table at 0x200000: signature is not 'metadata' (found 0x617461646174656e)",
                refused(two(b -> b[0] = 'n')));
    }

    @Test
    void entryCountAtMost2047() throws Exception {
        assertEquals("metadata table at 0x200000: EntryCount 2048 exceeds the maximum of 2047",
                refused(table(2048, b -> {})));
        ByteBuffer full = table(2047, b -> {
            for (int i = 0; i < 2047; i++) {
                entry(b, i, new UUID(7, i), 0, 0, 0);
            }
        });
        assertEquals(2047, MetadataTable.parse(full, 0x200000, REGION).entries().size());
    }

    @Test
    void anItemIdOncePerNamespace() throws Exception {
        assertTrue(refused(two(b -> Bin.guid(b, 64, A))).endsWith("entry 1 (item " + A + "): the same item ID appears"
                + " twice"));
        // IsUser = 1: the user namespace may reuse a system item's ID, and find() sees only the system one
        MetadataTable t = MetadataTable.parse(two(b -> {
            Bin.guid(b, 64, A);
            Bin.u32(b, 64 + 24, 1);
        }), 0x200000, REGION);
        assertEquals(0x10000, t.find(A).orElseThrow().offset());
        assertTrue(t.find(B).isEmpty());
    }

    @Test
    void anEmptyItemHasOffsetZero() throws Exception {
        assertTrue(refused(two(b -> Bin.u32(b, 52, 0))).endsWith("Length is 0 but Offset is 0x10000 (expected 0)"));
        MetadataTable.parse(two(b -> {
            Bin.u32(b, 48, 0);
            Bin.u32(b, 52, 0);
        }), 0x200000, REGION);
    }

    @Test
    void itemsLieAfterTheTableInsideTheRegion() throws Exception {
        assertTrue(refused(two(b -> Bin.u32(b, 48, 0xffff))).contains("Offset 0xffff lies inside the metadata table"
                + " (expected >= 0x10000)"));
        assertTrue(refused(two(b -> Bin.u32(b, 52, (1 << 20) + 1))).contains("Length 0x100001 exceeds the 1 MiB"
                + " limit"));
        assertTrue(refused(two(b -> Bin.u32(b, 48, REGION - 4))).contains("item at region offset 0xffffc length 0x8"
                + " ends past the metadata region's length 0x100000"));
        assertTrue(refused(two(b -> Bin.u32(b, 48, 0xffffffffL))).contains("ends past the metadata region"),
                "offsets are unsigned");
        MetadataTable.parse(two(b -> Bin.u32(b, 48, REGION - 8)), 0x200000, REGION); // ends exactly at the end
        MetadataTable.parse(two(b -> { // exactly 1 MiB
            Bin.u32(b, 52, 1 << 20);
            Bin.u32(b, 80, 0x110000);
        }), 0x200000, 4 * REGION);
    }

    @Test
    void itemsDoNotOverlap() throws Exception {
        assertTrue(refused(two(b -> Bin.u32(b, 80, 0x10004))).endsWith("items " + A + " and " + B
                + " overlap at region offset 0x10004"));
        MetadataTable.parse(two(b -> Bin.u32(b, 80, 0x10008)), 0x200000, REGION); // adjacent
    }
}
