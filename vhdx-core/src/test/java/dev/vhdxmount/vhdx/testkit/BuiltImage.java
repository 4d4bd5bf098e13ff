package dev.vhdxmount.vhdx.testkit;

import java.nio.file.Path;
import java.util.List;
import java.util.UUID;

/**
 * What {@link VhdxBuilder#build} wrote.
 *
 * @param path          the image file
 * @param layout        where every structure and block lies in the file
 * @param dataWriteGuid the DataWriteGuid in the headers (a child's parent_linkage must name it)
 * @param logGuid       the LogGuid in the headers, or the zero GUID when the log is not active
 * @param logEntries    every log entry written, in declaration order
 */
public record BuiltImage(Path path, Layout layout, UUID dataWriteGuid, UUID logGuid, List<LogEntryInfo> logEntries) {

    public BuiltImage {
        logEntries = List.copyOf(logEntries);
    }

    /**
     * One log entry as written.
     *
     * @param logOffset      offset inside the log region
     * @param fileOffset     offset in the file
     * @param length         EntryLength
     * @param sequenceNumber SequenceNumber
     * @param tail           Tail
     * @param replayed       whether a correct reader replays it (an entry of the active sequence)
     */
    public record LogEntryInfo(long logOffset, long fileOffset, int length, long sequenceNumber, long tail,
            boolean replayed) {}
}
