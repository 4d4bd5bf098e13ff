package dev.vhdxmount.vhdx.check;

/** How much a {@link Finding} matters, least first. */
public enum Severity {
    /** Worth knowing, nothing wrong: the image is clean. */
    NOTE,
    /** A reader gets the disk right, but something is off: a copy that failed, a dirty log, data nothing uses. */
    WARNING,
    /** The image breaks a rule of MS-VHDX, or readers may disagree about (or cannot read) the disk's content. */
    ERROR
}
