package dev.vhdxmount.mount.partitions;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Where a non-resident attribute's clusters lie: a runlist (mapping pairs) decoded. Each pair is a header byte (the
 * length's byte count in its low nibble, the offset's in its high one; 0 ends the list), the run's length in
 * clusters, and its first cluster as a signed step from the previous run's; a run without an offset is sparse
 * (reads as zeros).
 */
record NtfsRunlist(List<Run> runs) {
    /** Clusters {@code vcn}.. of the value lie at {@code lcn}.. of the volume, or nowhere ({@link #SPARSE}). */
    record Run(long vcn, long lcn, long length) {}

    static final long SPARSE = -1;

    /**
     * The runs of {@code pairs}; empty if a run has no length, lies (in part) past the volume's {@code clusters},
     * or the value would be longer than {@code maxClusters}, or the list runs past its attribute.
     */
    static Optional<NtfsRunlist> decode(ByteBuffer pairs, long clusters, long maxClusters) {
        List<Run> runs = new ArrayList<>();
        long vcn = 0;
        long lcn = 0;
        int at = 0;
        // each pair takes at least one byte of an attribute of at most 64 KiB: a bounded loop
        while (at < pairs.limit()) {
            int header = pairs.get(at) & 0xff;
            if (header == 0) {
                return Optional.of(new NtfsRunlist(List.copyOf(runs)));
            }
            int lengthBytes = header & 0x0f;
            int offsetBytes = header >>> 4;
            if (lengthBytes == 0 || lengthBytes > 8 || offsetBytes > 8
                    || at + 1 + lengthBytes + offsetBytes > pairs.limit()) {
                return Optional.empty();
            }
            long length = unsigned(pairs, at + 1, lengthBytes);
            if (length <= 0 || length > maxClusters - vcn) {
                return Optional.empty();
            }
            long start = SPARSE;
            if (offsetBytes > 0) {
                // lcn is within the volume, so a positive step can only overflow to a negative number
                lcn += signed(pairs, at + 1 + lengthBytes, offsetBytes);
                if (lcn < 0 || lcn > clusters - length) {
                    return Optional.empty();
                }
                start = lcn;
            }
            runs.add(new Run(vcn, start, length));
            vcn += length;
            at += 1 + lengthBytes + offsetBytes;
        }
        return Optional.empty();
    }

    private static long unsigned(ByteBuffer b, int at, int bytes) {
        long v = 0;
        for (int i = bytes - 1; i >= 0; i--) {
            v = (v << 8) | (b.get(at + i) & 0xff);
        }
        return v;
    }

    private static long signed(ByteBuffer b, int at, int bytes) {
        long v = unsigned(b, at, bytes);
        int unused = 64 - 8 * bytes;
        return unused == 0 ? v : (v << unused) >> unused;
    }
}
