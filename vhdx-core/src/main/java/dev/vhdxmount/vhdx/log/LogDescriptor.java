package dev.vhdxmount.vhdx.log;

/** A log entry's descriptor (MS-VHDX §2.3.1.2, §2.3.1.3): one write that replay applies to the file. */
public sealed interface LogDescriptor {

    long fileOffset();

    /** Writes {@code length} zero bytes at {@code fileOffset}. */
    record Zero(long fileOffset, long length) implements LogDescriptor {}

    /**
     * Writes one 4 KiB sector at {@code fileOffset}: the data sector's 4084 middle bytes framed by the descriptor's
     * 8 leading and 4 trailing bytes (which the data sector's own first 8 and last 4 bytes stand in for).
     */
    record Data(long fileOffset, byte[] sector) implements LogDescriptor {}
}
