package dev.vhdxmount.vhdx.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vhdxmount.vhdx.error.VhdxFormatException;
import dev.vhdxmount.vhdx.testkit.Bin;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** §2.6.2.6 on hand-built bytes: the locator header, its key/value entries, and the linkage GUID's text form. */
class ParentLocatorTest {
    private static final UUID VHDX = UUID.fromString("b04aefb7-d19e-4a81-b789-25b8e9445913");

    /** Header, entries, then keys and values back to back, as Hyper-V lays them out; {@code change} edits last. */
    private static byte[] locator(UUID type, Map<String, String> pairs, Consumer<byte[]> change) {
        int pos = 20 + 12 * pairs.size();
        byte[] b = new byte[pos + pairs.entrySet().stream()
                .mapToInt(e -> 2 * (e.getKey().length() + e.getValue().length())).sum()];
        Bin.guid(b, 0, type);
        Bin.u16(b, 18, pairs.size());
        int i = 0;
        for (Map.Entry<String, String> e : pairs.entrySet()) {
            byte[] k = Bin.utf16le(e.getKey());
            byte[] v = Bin.utf16le(e.getValue());
            int at = 20 + 12 * i++;
            Bin.u32(b, at, pos);
            Bin.u32(b, at + 4, pos + k.length);
            Bin.u16(b, at + 8, k.length);
            Bin.u16(b, at + 10, v.length);
            System.arraycopy(k, 0, b, pos, k.length);
            System.arraycopy(v, 0, b, pos + k.length, v.length);
            pos += k.length + v.length;
        }
        change.accept(b);
        return b;
    }

    private static Map<String, String> pairs() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("parent_linkage", "{83ab7a4c-4a5e-4bd1-a3c8-39d2a6d1a6b4}");
        m.put("relative_path", ".\\base.vhdx");
        return m;
    }

    private static ParentLocator parse(byte[] b) throws VhdxFormatException {
        return ParentLocator.parse(ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN), b.length, "pl");
    }

    private static String refused(byte[] b) {
        return assertThrows(VhdxFormatException.class, () -> parse(b)).getMessage();
    }

    @Test
    void keysAndValuesInOrder() throws Exception {
        ParentLocator l = parse(locator(VHDX, pairs(), b -> {}));
        assertEquals(VHDX, l.locatorType());
        assertEquals(pairs(), l.entries());
        assertEquals(Optional.of(UUID.fromString("83ab7a4c-4a5e-4bd1-a3c8-39d2a6d1a6b4")), l.guid("parent_linkage"));
        assertEquals(Optional.empty(), l.get("volume_path"));
        assertEquals(Map.of(), parse(locator(VHDX, Map.of(), b -> {})).entries(), "no entries at all");
    }

    @Test
    void shorterThanItsHeader() {
        assertEquals("pl: parent locator is 19 bytes, shorter than its 20-byte header",
                assertThrows(VhdxFormatException.class, () -> ParentLocator.parse(ByteBuffer.wrap(new byte[19]), 19,
                        "pl")).getMessage());
    }

    @Test
    void anotherLocatorTypeIsUnsupported() {
        UUID other = UUID.fromString("12345678-1234-1234-1234-123456789abc");
        VhdxFormatException e = assertThrows(VhdxFormatException.Unsupported.class,
                () -> parse(locator(other, pairs(), b -> {})));
        assertEquals("pl: parent locator type " + other + " is not the VHDX parent locator " + VHDX, e.getMessage());
    }

    @Test
    void keyValueCountMustFitTheItem() {
        assertEquals("pl: KeyValueCount 200 needs 2420 bytes but the item is " + locator(VHDX, pairs(), b -> {}).length,
                refused(locator(VHDX, pairs(), b -> Bin.u16(b, 18, 200))));
        assertTrue(refused(locator(VHDX, pairs(), b -> Bin.u16(b, 18, 0xffff))).contains("KeyValueCount 65535"),
                "the largest count, unsigned");
    }

    @Test
    void eachStringIsNonEmptyEvenLengthUtf16InsideTheItem() {
        assertTrue(refused(locator(VHDX, pairs(), b -> Bin.u16(b, 28, 0)))
                .startsWith("pl, key/value entry 0 key: offset 44 length 0 is not a non-empty UTF-16 string"));
        assertTrue(refused(locator(VHDX, pairs(), b -> Bin.u16(b, 30, 3))).startsWith("pl, key/value entry 0 value:"),
                "odd length");
        assertTrue(refused(locator(VHDX, pairs(), b -> Bin.u32(b, 20, 10))).contains("offset 10 length 28"),
                "a key inside the header");
        assertTrue(refused(locator(VHDX, pairs(), b -> Bin.u32(b, 36, 0xfffffff0L))).contains("offset 4294967280"),
                "a value past the end, unsigned");
        int length = locator(VHDX, pairs(), b -> {}).length;
        assertTrue(refused(locator(VHDX, pairs(), b -> Bin.u16(b, 42, 2 * length))).contains("inside the " + length
                + "-byte item"));
    }

    @Test
    void eachKeyOnce() {
        Map<String, String> twice = pairs();
        byte[] b = locator(VHDX, twice, x -> {});
        // point entry 1's key at entry 0's key
        Bin.u32(b, 32, Bin.readU32(b, 20));
        Bin.u16(b, 40, b[28] & 0xff | (b[29] & 0xff) << 8);
        assertEquals("pl, key/value entry 1: key 'parent_linkage' appears twice", refused(b));
    }

    @Test
    void linkageGuidsWithOrWithoutBraces() {
        UUID g = UUID.fromString("83ab7a4c-4a5e-4bd1-a3c8-39d2a6d1a6b4");
        assertEquals(Optional.of(g), ParentLocator.parseGuid("{83ab7a4c-4a5e-4bd1-a3c8-39d2a6d1a6b4}"));
        assertEquals(Optional.of(g), ParentLocator.parseGuid("83AB7A4C-4A5E-4BD1-A3C8-39D2A6D1A6B4"));
        assertEquals(Optional.of(g), ParentLocator.parseGuid(" {83ab7a4c-4a5e-4bd1-a3c8-39d2a6d1a6b4} "));
        assertEquals(Optional.empty(), ParentLocator.parseGuid("{83ab7a4c-4a5e-4bd1-a3c8-39d2a6d1a6b}"), "short");
        assertEquals(Optional.empty(), ParentLocator.parseGuid("1-1-1-1-1"), "UUID.fromString's lax form");
        assertEquals(Optional.empty(), ParentLocator.parseGuid("{83ab7a4c-4a5e-4bd1-a3c8-39d2a6d1a6bz}"), "not hex");
        assertEquals(Optional.empty(), ParentLocator.parseGuid("{83ab7a4c-4a5e-4bd1-a3c8-39d2a6d1a6b4"), "one brace");
        assertEquals(Optional.empty(), ParentLocator.parseGuid(""));
    }
}
