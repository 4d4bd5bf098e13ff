package dev.vhdxmount.vhdx;

import dev.vhdxmount.vhdx.io.FileByteSource;
import java.io.IOException;

/**
 * Where the bytes of a virtual range live, piece by piece and in order ({@link VirtualDisk#locate}). Each method
 * describes the next {@code length} bytes of the range, and returns false to stop (a caller with room for only so
 * many pieces, say).
 */
public interface ExtentSink {

    /** The next bytes are exactly {@code file}'s bytes at {@code fileOffset}, as the file held them when opened. */
    boolean inFile(FileByteSource file, long fileOffset, int length) throws IOException;

    /** The next bytes are zeros. */
    boolean zeros(int length) throws IOException;

    /**
     * The next bytes, from {@code virtualOffset}, are in no file as they are: a replayed log holds them in memory, or
     * they lie past the file's end (a truncated image). Read them with {@link VirtualDisk#read}, which also says
     * what is wrong with them.
     */
    boolean read(long virtualOffset, int length) throws IOException;
}
