package dev.vhdxmount.mount.overlay;

import java.io.IOException;

/**
 * A write needed room the overlay does not have: its bound was reached, or the file system that holds its file is
 * full or over quota. One exception for both because the guest can do the same about either (nothing: its write
 * failed for want of space), and a server answers both with ENOSPC, as a full disk would. Nothing the failing write
 * would have added to the overlay is mapped; what was there before is intact, and reads go on.
 */
public final class OverlayFullException extends IOException {
    private static final long serialVersionUID = 1L;

    public OverlayFullException(String message) {
        super(message);
    }

    public OverlayFullException(String message, IOException cause) {
        super(message, cause);
    }
}
