package dev.vhdxmount.mount.partitions;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

import dev.vhdxmount.vhdx.format.Guids;

/**
 * A GPT partition entry (UEFI specification 2.10, §5.3.3): 128 bytes of an entry of any size.
 *
 * @param name the PartitionName, UTF-16LE up to its first NUL
 */
public record GptEntry(UUID type, UUID unique, long firstLba, long lastLba, long attributes, String name) {
    /** The bytes of an entry this record reads; SizeOfPartitionEntry may be larger. */
    public static final int SIZE = 128;

    /** The entry at index {@code offset} of {@code array}. */
    public static GptEntry parse(ByteBuffer array, int offset) {
        ByteBuffer b = array.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        int length = 0;
        while (length < 72 && b.getShort(offset + 56 + length) != 0) {
            length += 2;
        }
        byte[] name = new byte[length];
        b.get(offset + 56, name);
        return new GptEntry(Guids.read(b, offset), Guids.read(b, offset + 16), b.getLong(offset + 32),
                b.getLong(offset + 40), b.getLong(offset + 48), new String(name, StandardCharsets.UTF_16LE));
    }

    /** Whether the slot holds a partition: its type GUID is not zero. */
    public boolean isUsed() {
        return !type.equals(Guids.ZERO);
    }
}
