package dev.vhdxmount.vhdx.read;

import static dev.vhdxmount.vhdx.error.Hex.hex;

import java.util.ArrayList;
import java.util.List;

/**
 * The file ranges that hold structures (header section, log, BAT, metadata): a payload or sector-bitmap block must
 * not overlap any of them, and must lie inside the file.
 *
 * @param fileSize size of the file as the reader sees it (after log replay, which may grow it)
 */
public record FileLayout(long fileSize, List<Range> reserved) {

    /** A named, reserved file range {@code [start, end)}. */
    public record Range(String name, long start, long end) {
        public boolean overlaps(long otherStart, long otherEnd) {
            return otherStart < end && start < otherEnd;
        }
    }

    public FileLayout {
        reserved = List.copyOf(reserved);
    }

    /** The layout before any region is placed: the header section and the log (if any). */
    public static FileLayout of(long fileSize, long logOffset, long logLength) {
        List<Range> reserved = new ArrayList<>();
        reserved.add(new Range("header section", 0, 1 << 20));
        if (logLength > 0) {
            reserved.add(new Range("log", logOffset, logOffset + logLength));
        }
        return new FileLayout(fileSize, reserved);
    }

    /** The structure that {@code [start, end)} overlaps, or null. */
    public Range overlapping(long start, long end) {
        for (Range r : reserved) {
            if (r.overlaps(start, end)) {
                return r;
            }
        }
        return null;
    }

    public static String describe(Range r) {
        return r.name + " [" + hex(r.start) + ", " + hex(r.end) + ")";
    }
}
