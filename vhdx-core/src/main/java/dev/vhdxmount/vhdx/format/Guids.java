package dev.vhdxmount.vhdx.format;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.UUID;

/**
 * GUIDs as VHDX stores them: Microsoft's mixed-endian form (Data1, Data2 and Data3 little-endian, Data4 as bytes).
 * In memory they are plain {@link UUID}s, so {@code toString()} prints the form Windows shows.
 */
public final class Guids {
    public static final UUID ZERO = new UUID(0, 0);

    private Guids() {}

    /** Reads the 16-byte GUID at absolute index {@code offset} of {@code buffer}. */
    public static UUID read(ByteBuffer buffer, int offset) {
        ByteBuffer le = buffer.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        long data1 = Integer.toUnsignedLong(le.getInt(offset));
        long data2 = Short.toUnsignedLong(le.getShort(offset + 4));
        long data3 = Short.toUnsignedLong(le.getShort(offset + 6));
        long data4 = buffer.duplicate().order(ByteOrder.BIG_ENDIAN).getLong(offset + 8);
        return new UUID((data1 << 32) | (data2 << 16) | data3, data4);
    }

    /** Writes {@code guid} at absolute index {@code offset} in the on-disk form. */
    public static void write(ByteBuffer buffer, int offset, UUID guid) {
        ByteBuffer le = buffer.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        long msb = guid.getMostSignificantBits();
        le.putInt(offset, (int) (msb >>> 32));
        le.putShort(offset + 4, (short) (msb >>> 16));
        le.putShort(offset + 6, (short) msb);
        buffer.duplicate().order(ByteOrder.BIG_ENDIAN).putLong(offset + 8, guid.getLeastSignificantBits());
    }
}
