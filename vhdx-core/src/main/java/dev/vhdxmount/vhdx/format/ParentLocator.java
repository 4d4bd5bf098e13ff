package dev.vhdxmount.vhdx.format;

import dev.vhdxmount.vhdx.error.VhdxFormatException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The Parent Locator metadata item (MS-VHDX §2.6.2.6): a locator type GUID and UTF-16LE key/value pairs that say
 * where a differencing disk's parent is. For VHDX parents the type is {@link #VHDX_TYPE} and the keys are
 * parent_linkage, parent_linkage2, relative_path, volume_path and absolute_win32_path.
 */
public record ParentLocator(UUID locatorType, Map<String, String> entries) {
    public static final UUID ID = UUID.fromString("a8d35f2d-b30b-454d-abf7-d3d84834ab0c");
    public static final UUID VHDX_TYPE = UUID.fromString("b04aefb7-d19e-4a81-b789-25b8e9445913");
    private static final int HEADER_SIZE = 20;
    private static final int ENTRY_SIZE = 12;

    public ParentLocator {
        entries = Collections.unmodifiableMap(new LinkedHashMap<>(entries));
    }

    /** Parses the item from its {@code length} bytes. */
    public static ParentLocator parse(ByteBuffer b, int length, String where) throws VhdxFormatException {
        if (length < HEADER_SIZE) {
            throw new VhdxFormatException(where + ": parent locator is " + length + " bytes, shorter than its "
                    + HEADER_SIZE + "-byte header");
        }
        UUID type = Guids.read(b, 0);
        if (!type.equals(VHDX_TYPE)) {
            throw new VhdxFormatException.Unsupported(where + ": parent locator type " + type
                    + " is not the VHDX parent locator " + VHDX_TYPE);
        }
        int count = Short.toUnsignedInt(b.getShort(18));
        if (HEADER_SIZE + (long) count * ENTRY_SIZE > length) {
            throw new VhdxFormatException(where + ": KeyValueCount " + count + " needs "
                    + (HEADER_SIZE + count * ENTRY_SIZE) + " bytes but the item is " + length);
        }
        Map<String, String> entries = new LinkedHashMap<>();
        for (int i = 0; i < count; i++) {
            int at = HEADER_SIZE + ENTRY_SIZE * i;
            String entryWhere = where + ", key/value entry " + i;
            String key = utf16(b, Integer.toUnsignedLong(b.getInt(at)), Short.toUnsignedInt(b.getShort(at + 8)),
                    length, entryWhere + " key");
            String value = utf16(b, Integer.toUnsignedLong(b.getInt(at + 4)),
                    Short.toUnsignedInt(b.getShort(at + 10)), length, entryWhere + " value");
            if (entries.putIfAbsent(key, value) != null) {
                throw new VhdxFormatException(entryWhere + ": key '" + key + "' appears twice");
            }
        }
        return new ParentLocator(type, entries);
    }

    private static String utf16(ByteBuffer b, long offset, int length, int itemLength, String where)
            throws VhdxFormatException {
        if (length == 0 || length % 2 != 0 || offset + length > itemLength || offset < HEADER_SIZE) {
            throw new VhdxFormatException(where + ": offset " + offset + " length " + length
                    + " is not a non-empty UTF-16 string inside the " + itemLength + "-byte item");
        }
        byte[] raw = new byte[length];
        b.get((int) offset, raw);
        return new String(raw, StandardCharsets.UTF_16LE);
    }

    public Optional<String> get(String key) {
        return Optional.ofNullable(entries.get(key));
    }

    /** A linkage GUID such as parent_linkage, written {@code {xxxxxxxx-...}}; empty when absent or malformed. */
    public Optional<UUID> guid(String key) {
        return get(key).flatMap(ParentLocator::parseGuid);
    }

    static Optional<UUID> parseGuid(String text) {
        String t = text.trim();
        if (t.startsWith("{") && t.endsWith("}")) {
            t = t.substring(1, t.length() - 1);
        }
        if (t.length() != 36) {
            return Optional.empty();
        }
        try {
            return Optional.of(UUID.fromString(t));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
