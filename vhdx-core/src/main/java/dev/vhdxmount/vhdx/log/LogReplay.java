package dev.vhdxmount.vhdx.log;

import static dev.vhdxmount.vhdx.error.Hex.hex;

import dev.vhdxmount.vhdx.error.VhdxFormatException;
import dev.vhdxmount.vhdx.format.Header;
import dev.vhdxmount.vhdx.io.ByteSource;
import dev.vhdxmount.vhdx.io.OverlayByteSource;
import dev.vhdxmount.vhdx.io.Structures;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Finds the active log sequence and replays it into an in-memory overlay (MS-VHDX §2.3.2, §2.3.3). The image file
 * is never written.
 *
 * <p>The log is a circular buffer of 4 KiB sectors. Entries count only when their LogGuid is the header's, their
 * CRC-32C matches and their data sectors carry the entry's sequence number (a torn write fails these). A sequence
 * is a run of entries, each starting where the previous one ends (wrapping round the end of the log), with
 * sequence numbers rising by one; it is valid when its newest entry (the head) names, in its Tail field, the log
 * offset of an entry of the run. The active sequence is the valid one with the highest head sequence number; it
 * is replayed from the tail named by the head.
 */
public final class LogReplay {
    /**
     * Logs larger than this are refused: replay holds the active sequence's data in memory, and real logs are 1 MiB
     * (Hyper-V and QEMU alike).
     */
    public static final long MAX_LOG_LENGTH = 64L << 20;

    /** What replay found, for diagnostics ({@code vhdx-info}). */
    public record Summary(int entries, long tailLogOffset, long headLogOffset, long headSequenceNumber,
            int dataSectors, int zeroDescriptors, long flushedFileOffset, long lastFileOffset) {}

    /** The file as the log says it is, and what the log held. */
    public record Replayed(OverlayByteSource view, Summary summary) {}

    private final ByteSource file;
    private final Header header;
    private final Map<Long, Optional<LogEntry>> parsed = new HashMap<>();
    private String firstProblem;

    private LogReplay(ByteSource file, Header header) {
        this.file = file;
        this.header = header;
    }

    /** Replays the active log of {@code file} described by its current {@code header} (whose LogGuid is set). */
    public static Replayed replay(ByteSource file, Header header) throws IOException {
        return new LogReplay(file, header).run();
    }

    private Replayed run() throws IOException {
        String where = "log at " + hex(header.logOffset()) + " (length " + hex(header.logLength()) + ")";
        if (header.logVersion() != 0) {
            throw new VhdxFormatException.Unsupported(where + ": LogVersion " + header.logVersion()
                    + " is not 0, the only version defined");
        }
        if (header.logLength() == 0) {
            throw new VhdxFormatException(where + ": LogGuid is set but LogLength is 0");
        }
        if (header.logLength() > MAX_LOG_LENGTH) {
            throw new VhdxFormatException.Unsupported(where + ": a log longer than " + hex(MAX_LOG_LENGTH)
                    + " is not supported");
        }
        if (header.logOffset() > file.size() - header.logLength()) { // the sum may overflow: LogOffset is 64 bits
            throw new VhdxFormatException.Truncated(where + ": the log ends past the end of the file at "
                    + hex(file.size()) + " (truncated image)", "log", -1, -1, header.logOffset(), file.size());
        }
        List<LogEntry> sequence = findActiveSequence();
        if (sequence.isEmpty()) {
            throw new VhdxFormatException(where + ": LogGuid " + header.logGuid()
                    + " is set but the log holds no valid sequence of entries"
                    + (firstProblem == null ? "" : " (first problem: " + firstProblem + ")"));
        }
        LogEntry head = sequence.get(sequence.size() - 1);
        if (file.size() < head.flushedFileOffset()) {
            throw new VhdxFormatException.Truncated("log entry at log offset " + hex(head.logOffset())
                    + ": FlushedFileOffset " + hex(head.flushedFileOffset()) + " lies past the end of the file at "
                    + hex(file.size()) + " (truncated image)", "log entry at log offset " + hex(head.logOffset()), -1, -1,
                    file.size(), file.size());
        }
        OverlayByteSource.Builder overlay = new OverlayByteSource.Builder(file);
        int dataSectors = 0;
        int zeros = 0;
        for (LogEntry entry : sequence) {
            for (LogDescriptor d : entry.descriptors()) {
                if (d instanceof LogDescriptor.Data data) {
                    overlay.write(data.fileOffset(), data.sector());
                    dataSectors++;
                } else if (d instanceof LogDescriptor.Zero zero) {
                    overlay.writeZeros(zero.fileOffset(), zero.length());
                    zeros++;
                }
            }
        }
        overlay.growTo(head.lastFileOffset());
        Summary summary = new Summary(sequence.size(), sequence.get(0).logOffset(), head.logOffset(),
                head.sequenceNumber(), dataSectors, zeros, head.flushedFileOffset(), head.lastFileOffset());
        return new Replayed(overlay.build(), summary);
    }

    /** Scans the whole log once, trying each run of entries, and keeps the valid run with the newest head. */
    private List<LogEntry> findActiveSequence() throws IOException {
        long length = header.logLength();
        List<LogEntry> best = List.of();
        long start = 0;
        while (start < length) {
            List<LogEntry> run = runFrom(start);
            if (run.isEmpty()) {
                start += LogEntry.SECTOR;
                continue;
            }
            List<LogEntry> valid = trimToTail(run);
            LogEntry head = run.get(run.size() - 1);
            if (!valid.isEmpty() && (best.isEmpty()
                    || Long.compareUnsigned(head.sequenceNumber(), best.get(best.size() - 1).sequenceNumber()) > 0)) {
                best = valid;
            }
            // a run that starts inside this one ends at the same head, so it cannot do better: skip past it
            long covered = 0;
            for (LogEntry e : run) {
                covered += e.entryLength();
            }
            start += covered;
        }
        return best;
    }

    /** The longest run of consecutive entries starting at log offset {@code start}, not wrapping onto itself. */
    private List<LogEntry> runFrom(long start) throws IOException {
        List<LogEntry> run = new ArrayList<>();
        long offset = start;
        long covered = 0;
        while (covered < header.logLength()) {
            Optional<LogEntry> entry = entryAt(offset);
            if (entry.isEmpty()) {
                break;
            }
            LogEntry e = entry.get();
            if (!run.isEmpty() && e.sequenceNumber() != run.get(run.size() - 1).sequenceNumber() + 1) {
                break;
            }
            if (covered + e.entryLength() > header.logLength()) {
                break;
            }
            run.add(e);
            covered += e.entryLength();
            offset = (offset + e.entryLength()) % header.logLength();
        }
        return run;
    }

    /** The part of {@code run} from the entry its head names as Tail, or empty when the Tail is not in the run. */
    private static List<LogEntry> trimToTail(List<LogEntry> run) {
        long tail = run.get(run.size() - 1).tail();
        for (int i = 0; i < run.size(); i++) {
            if (run.get(i).logOffset() == tail) {
                return run.subList(i, run.size());
            }
        }
        return List.of();
    }

    private Optional<LogEntry> entryAt(long logOffset) throws IOException {
        Optional<LogEntry> known = parsed.get(logOffset);
        if (known != null) {
            return known;
        }
        Optional<LogEntry> entry;
        try {
            entry = Optional.of(readEntry(logOffset));
        } catch (VhdxFormatException e) {
            if (firstProblem == null) {
                firstProblem = e.getMessage();
            }
            entry = Optional.empty();
        }
        parsed.put(logOffset, entry);
        return entry;
    }

    private LogEntry readEntry(long logOffset) throws IOException {
        String where = "log entry at log offset " + hex(logOffset);
        ByteBuffer first = readLog(logOffset, LogEntry.SECTOR);
        if (!LogEntry.hasSignature(first)) {
            throw new VhdxFormatException(where + ": signature is not 'loge'");
        }
        long entryLength = LogEntry.entryLength(first);
        if (entryLength < LogEntry.SECTOR || entryLength % LogEntry.SECTOR != 0
                || entryLength > header.logLength()) {
            throw new VhdxFormatException(where + ": EntryLength " + hex(entryLength)
                    + " is not a multiple of 4 KiB between 4 KiB and the log's length");
        }
        return LogEntry.parse(index -> index == 0 ? first
                : readLog((logOffset + (long) index * LogEntry.SECTOR) % header.logLength(), LogEntry.SECTOR),
                (int) entryLength, logOffset, header.logLength(), header.logGuid());
    }

    /** Reads {@code length} bytes of the circular log starting at {@code logOffset}, wrapping at its end. */
    private ByteBuffer readLog(long logOffset, int length) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        long firstPart = Math.min(length, header.logLength() - logOffset);
        b.put(Structures.read(file, header.logOffset() + logOffset, (int) firstPart, "log"));
        if (firstPart < length) {
            b.put(Structures.read(file, header.logOffset(), (int) (length - firstPart), "log"));
        }
        return b.flip();
    }
}
