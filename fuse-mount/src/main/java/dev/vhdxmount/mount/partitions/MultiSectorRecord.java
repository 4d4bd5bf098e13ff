package dev.vhdxmount.mount.partitions;

import java.nio.ByteBuffer;
import java.util.Optional;

/**
 * NTFS's protection of its multi-sector records (MFT records "FILE", index blocks "INDX") against torn writes: the
 * last two bytes of every 512-byte stride hold the update sequence number, and their real contents are saved in the
 * update sequence array. A stride whose last bytes do not match was not written with the others, and the record
 * is not to be trusted: ntfs-3g and the kernel both refuse it, and so does this.
 */
final class MultiSectorRecord {
    /** The stride, whatever the sector size: NTFS_BLOCK_SIZE. */
    static final int STRIDE = 512;

    private MultiSectorRecord() {}

    /**
     * {@code raw} (a whole record, little-endian, read just for this) with its fixups applied in place, if it begins
     * with {@code magic} and every stride matches; empty if not.
     */
    static Optional<ByteBuffer> fixUp(ByteBuffer raw, String magic) {
        int size = raw.limit();
        if (size < STRIDE || size % STRIDE != 0 || !Fields.has(raw, 0, magic)) {
            return Optional.empty();
        }
        int arrayOffset = raw.getShort(4) & 0xffff;
        int count = raw.getShort(6) & 0xffff;
        // one number, then one saved pair per stride; the array lies in the first stride, before its last bytes
        if (count - 1 != size / STRIDE || arrayOffset % 2 != 0 || arrayOffset < 8
                || arrayOffset + 2 * count > STRIDE - 2) {
            return Optional.empty();
        }
        short sequence = raw.getShort(arrayOffset);
        for (int i = 1; i < count; i++) {
            int last = i * STRIDE - 2;
            if (raw.getShort(last) != sequence) {
                return Optional.empty();
            }
        }
        for (int i = 1; i < count; i++) {
            raw.putShort(i * STRIDE - 2, raw.getShort(arrayOffset + 2 * i));
        }
        return Optional.of(raw);
    }
}
