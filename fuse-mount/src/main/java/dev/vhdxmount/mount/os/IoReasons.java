package dev.vhdxmount.mount.os;

import java.io.IOException;
import java.nio.file.FileSystemException;

/** What an I/O failure says, without the Java class names: the text a user's message should carry. */
public final class IoReasons {
    private IoReasons() {}

    /** "Permission denied" for an AccessDeniedException on a path, the message of any other IOException. */
    public static String reason(IOException e) {
        if (e instanceof FileSystemException fse && fse.getReason() != null) {
            return fse.getReason();
        }
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }
}
