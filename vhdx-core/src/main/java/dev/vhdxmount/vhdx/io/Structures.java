package dev.vhdxmount.vhdx.io;

import static dev.vhdxmount.vhdx.error.Hex.hex;

import dev.vhdxmount.vhdx.error.VhdxFormatException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Reads a whole on-disk structure, or says which structure the file is too short for. */
public final class Structures {
    private Structures() {}

    /**
     * Reads exactly {@code length} bytes at {@code position} into a new little-endian buffer.
     *
     * @param what the structure's name for the error message, e.g. "header 1"
     * @throws VhdxFormatException.Truncated when the source ends first
     */
    public static ByteBuffer read(ByteSource source, long position, int length, String what) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        int n = source.readFully(buffer, position);
        if (n < length) {
            throw new VhdxFormatException.Truncated(String.format(
                    "%s at %s: needs %d bytes up to %s but the file ends at %s (truncated image)",
                    what, hex(position), length, hex(position + length), hex(source.size())), what, -1, -1, position,
                    source.size());
        }
        return buffer.flip();
    }
}
