package dev.vhdxmount.mount.partitions;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Optional;

import dev.vhdxmount.mount.partitions.FileSystem.Type;

/**
 * The label of an LVM2 physical volume, in one of its first four 512-byte sectors: "LABELONE", the sector's own
 * number, the type "LVM2 001", and the offset of the PV header, which starts with the PV's UUID (32 characters).
 */
record LvmLabel(int sector, String pvUuid) {

    static Optional<LvmLabel> parse(ByteBuffer head) {
        ByteBuffer b = head.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        for (int sector = 0; sector < 4; sector++) {
            int at = sector * 512;
            if (b.limit() < at + 512 || !Fields.has(b, at, "LABELONE") || b.getLong(at + 8) != sector
                    || !Fields.has(b, at + 24, "LVM2 001")) {
                continue;
            }
            long header = at + Integer.toUnsignedLong(b.getInt(at + 20));
            if (header + 32 > at + 512) {
                continue;
            }
            return Optional.of(new LvmLabel(sector, dashed(Fields.text(b, (int) header, 32))));
        }
        return Optional.empty();
    }

    /** LVM prints a PV UUID in groups of 6-4-4-4-4-4-6. */
    private static String dashed(String uuid) {
        if (uuid.length() != 32) {
            return uuid;
        }
        StringBuilder s = new StringBuilder(uuid);
        for (int at : new int[] {26, 22, 18, 14, 10, 6}) {
            s.insert(at, '-');
        }
        return s.toString();
    }

    FileSystem fileSystem() {
        return FileSystem.of(Type.LVM2, null, pvUuid);
    }
}
