package dev.vhdxmount.vhdx.format;

/**
 * The state of a payload block's BAT entry (MS-VHDX §2.5.1.1). Values 4 and above 7 are not defined; 5 meant
 * UNMAPPED in a pre-release version of the spec and still appears in images.
 */
public enum PayloadBlockState {
    NOT_PRESENT(0),
    UNDEFINED(1),
    ZERO(2),
    UNMAPPED(3),
    UNMAPPED_V1(5),
    FULLY_PRESENT(6),
    PARTIALLY_PRESENT(7);

    private static final PayloadBlockState[] BY_VALUE = new PayloadBlockState[8];

    static {
        for (PayloadBlockState s : values()) {
            BY_VALUE[s.value] = s;
        }
    }

    public final int value;

    PayloadBlockState(int value) {
        this.value = value;
    }

    /** The state for a 3-bit value, or null for the reserved value 4. */
    public static PayloadBlockState of(int value) {
        return BY_VALUE[value & 7];
    }
}
