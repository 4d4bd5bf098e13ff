package dev.vhdxmount.vhdx;

import dev.vhdxmount.vhdx.read.ReadTarget;
import java.io.IOException;

/**
 * Test-only window into a disk that {@link VhdxImage} opened: the translation of a virtual offset, which the public
 * API keeps to itself (a server needs {@link VirtualDisk#locate}, not the BAT's arithmetic). In the test-jar, for
 * tests of both modules.
 */
public final class DiskInternals {
    private DiskInternals() {}

    /** Where the bytes at {@code virtualOffset} live, for at most {@code maxLength} bytes. */
    public static ReadTarget translate(VirtualDisk disk, long virtualOffset, int maxLength) throws IOException {
        return ((VhdxDisk) disk).translate(virtualOffset, maxLength);
    }
}
