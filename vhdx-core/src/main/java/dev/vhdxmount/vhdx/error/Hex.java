package dev.vhdxmount.vhdx.error;

/** How messages write offsets and sizes of the file: in hexadecimal, as the spec's tables and hex dumps do. */
public final class Hex {
    private Hex() {}

    public static String hex(long value) {
        return "0x" + Long.toHexString(value);
    }
}
