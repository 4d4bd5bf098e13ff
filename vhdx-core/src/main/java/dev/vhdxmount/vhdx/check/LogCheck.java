package dev.vhdxmount.vhdx.check;

import static dev.vhdxmount.vhdx.error.Hex.hex;

import dev.vhdxmount.vhdx.ImageInfo;
import dev.vhdxmount.vhdx.ImageStructure;
import dev.vhdxmount.vhdx.io.ByteSource;
import dev.vhdxmount.vhdx.io.OverlayByteSource;
import dev.vhdxmount.vhdx.log.LogReplay;
import dev.vhdxmount.vhdx.read.FileLayout;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A dirty log (MS-VHDX §2.3): the image was not closed cleanly. The open has replayed it in memory; this says what
 * the replay changes, by comparing each range it writes with the file's own bytes, grouped by the structure written.
 */
final class LogCheck {
    private LogCheck() {}

    static void check(ImageStructure s, Findings out, Progress progress) throws IOException {
        ImageInfo info = s.info();
        if (info.log().isEmpty() || !(s.view() instanceof OverlayByteSource overlay)) {
            return;
        }
        LogReplay.Summary summary = info.log().orElseThrow();
        ByteSource file = overlay.base();
        Map<String, long[]> changed = new LinkedHashMap<>(); // structure -> {bytes written, bytes changed}
        long written = 0;
        long differing = 0;
        for (OverlayByteSource.Write w : overlay.writes()) {
            progress.checkCancelled();
            long diff = differingBytes(file, overlay, w);
            String where = structureAt(s.layout(), w.fileOffset(), file.size());
            long[] c = changed.computeIfAbsent(where, k -> new long[2]);
            c[0] += w.length();
            c[1] += diff;
            written += w.length();
            differing += diff;
        }
        StringBuilder found = new StringBuilder("LogGuid " + info.current().logGuid() + ": " + summary.entries()
                + " entries to replay (head sequence number " + Long.toUnsignedString(summary.headSequenceNumber())
                + "), writing " + written + " bytes of which " + differing + " differ from the file");
        changed.forEach((where, c) -> found.append("; ").append(where).append(": ").append(c[1]).append(" of ")
                .append(c[0]).append(" bytes changed"));
        if (summary.lastFileOffset() > file.size()) {
            found.append("; the file grows from ").append(hex(file.size())).append(" to ")
                    .append(hex(summary.lastFileOffset()));
        }
        out.add(Kind.LOG_DIRTY, Severity.WARNING, "log", info.current().logOffset(), "a clean log (LogGuid zero)",
                found.toString(), "the image was not closed cleanly; vhdx-mount replays the log in memory, readers that"
                        + " ignore it (libvhdi, 7-Zip) show the disk as it was before");
    }

    /**
     * How many of the bytes {@code w} writes differ from the file's. Past the file's end the file reads as zeros, so
     * only the data there differs: a zero write, whose length the log bounds by nothing but 2^63, is compared only
     * as far as the file goes.
     */
    private static long differingBytes(ByteSource file, OverlayByteSource replayed, OverlayByteSource.Write w)
            throws IOException {
        long end = w.zeros() ? Math.min(w.end(), Math.max(w.fileOffset(), file.size())) : w.end();
        long differing = 0;
        byte[] before = new byte[64 * 1024];
        byte[] after = new byte[before.length];
        for (long at = w.fileOffset(); at < end; ) {
            int n = (int) Math.min(before.length, end - at);
            int got = file.readFully(ByteBuffer.wrap(before, 0, n), at);
            Arrays.fill(before, Math.max(0, got), n, (byte) 0); // past the file's end it reads as zeros
            if (w.zeros()) {
                Arrays.fill(after, 0, n, (byte) 0);
            } else {
                replayed.readFully(ByteBuffer.wrap(after, 0, n), at);
            }
            for (int i = 0; i < n; i++) {
                if (before[i] != after[i]) {
                    differing++;
                }
            }
            at += n;
        }
        return differing;
    }

    static String structureAt(FileLayout layout, long fileOffset, long fileSize) {
        for (FileLayout.Range r : layout.reserved()) {
            if (fileOffset >= r.start() && fileOffset < r.end()) {
                return r.name();
            }
        }
        return fileOffset >= fileSize ? "past the file's end" : "block data";
    }
}
