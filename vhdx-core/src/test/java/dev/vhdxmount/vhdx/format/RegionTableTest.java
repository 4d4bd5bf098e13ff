package dev.vhdxmount.vhdx.format;

import static dev.vhdxmount.vhdx.testkit.Sizes.MIB;
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

/** §2.2.3 on hand-built bytes: the table header, each entry's rules, and the limits it accepts. */
class RegionTableTest {
    private static final UUID BAT = UUID.fromString("2dc27766-f623-4200-9d64-115e9bfd4a08");
    private static final UUID METADATA = UUID.fromString("8b7ca206-4790-4b9a-b8fe-575f050f886e");

    /** A table of {@code count} entries written by {@code entries}, then {@code change}, then the CRC. */
    private static ByteBuffer table(int count, Consumer<byte[]> entries) {
        byte[] b = new byte[64 * 1024];
        Bin.ascii(b, 0, "regi");
        Bin.u32(b, 8, count);
        entries.accept(b);
        Bin.u32(b, 4, Bin.crc32c(b, 0, b.length));
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static void entry(byte[] b, int i, UUID guid, long offset, long length, int flags) {
        int at = 16 + 32 * i;
        Bin.guid(b, at, guid);
        Bin.u64(b, at + 16, offset);
        Bin.u32(b, at + 24, length);
        Bin.u32(b, at + 28, flags);
    }

    private static ByteBuffer twoRegions(Consumer<byte[]> change) {
        return table(2, b -> {
            entry(b, 0, BAT, 3 * MIB, MIB, 1);
            entry(b, 1, METADATA, 2 * MIB, MIB, 0);
            change.accept(b);
        });
    }

    private static String refused(ByteBuffer b) {
        return assertThrows(VhdxFormatException.class, () -> RegionTable.parse(b, 1)).getMessage();
    }

    @Test
    void parsesEntriesInOrder() throws Exception {
        RegionTable t = RegionTable.parse(twoRegions(b -> {}), 2);
        assertEquals(new RegionTable(2, List.of(new RegionTable.Entry(BAT, 3 * MIB, MIB, true),
                new RegionTable.Entry(METADATA, 2 * MIB, MIB, false))), t);
        assertEquals(4 * MIB, t.find(BAT).orElseThrow().end());
        assertTrue(t.find(UUID.randomUUID()).isEmpty());
    }

    @Test
    void signatureAndChecksum() {
        assertEquals("region table 1 at 0x30000: signature is not 'regi' (found 0x69676573)",
                refused(twoRegions(b -> b[0] = 's')));
        ByteBuffer torn = twoRegions(b -> {});
        torn.put(60000, (byte) 1);
        assertTrue(refused(torn).startsWith("region table 1 at 0x30000: CRC-32C mismatch"));
    }

    @Test
    void entryCountAtMost2047() throws Exception {
        assertEquals("region table 1 at 0x30000: EntryCount 2048 exceeds the maximum of 2047",
                refused(table(2048, b -> {})));
        ByteBuffer full = table(2047, b -> {
            for (int i = 0; i < 2047; i++) {
                entry(b, i, new UUID(1, i), (i + 1) * MIB, MIB, 0);
            }
        });
        assertEquals(2047, RegionTable.parse(full, 1).entries().size(), "the last entry ends at the table's end");
        assertEquals("region table 1 at 0x30000: EntryCount 4294967295 exceeds the maximum of 2047",
                refused(table(-1, b -> {})), "EntryCount is unsigned");
    }

    @Test
    void eachGuidOnce() {
        assertEquals("region table 1 at 0x30000, entry 1 (BAT region): the same region GUID appears twice",
                refused(twoRegions(b -> Bin.guid(b, 48, BAT))));
    }

    @Test
    void fileOffsetIsAMultipleOf1MiBFrom1MiB() {
        assertTrue(refused(twoRegions(b -> Bin.u64(b, 32, 3 * MIB + 4096)))
                .endsWith("entry 0 (BAT region): FileOffset 0x301000 must be a multiple of 1 MiB and at least 1 MiB"));
        assertTrue(refused(twoRegions(b -> Bin.u64(b, 32, 0))).contains("FileOffset 0x0 must be"));
        assertTrue(refused(twoRegions(b -> Bin.u64(b, 32, -MIB))).contains("must be a multiple of 1 MiB"),
                "a negative (huge unsigned) offset");
    }

    @Test
    void lengthIsANonZeroMultipleOf1MiB() {
        assertTrue(refused(twoRegions(b -> Bin.u32(b, 40, 0))).endsWith("Length 0x0 must be a non-zero multiple of"
                + " 1 MiB"));
        assertTrue(refused(twoRegions(b -> Bin.u32(b, 40, MIB + 512))).contains("Length 0x100200 must be"));
    }

    @Test
    void anEndPastTheLargestFileOffsetIsRefused() throws Exception {
        long last = Long.MAX_VALUE / MIB * MIB; // the largest 1 MiB multiple
        assertTrue(refused(twoRegions(b -> Bin.u64(b, 32, last))).contains("ends past the largest possible file"
                + " offset"));
        RegionTable.parse(twoRegions(b -> Bin.u64(b, 32, last - MIB)), 1); // ends exactly at the limit
    }

    @Test
    void onlyBit0OfFlagsIsRequired() throws Exception {
        RegionTable t = RegionTable.parse(twoRegions(b -> Bin.u32(b, 44, 0xfffffffe)), 1);
        assertEquals(false, t.find(BAT).orElseThrow().required());
    }
}
