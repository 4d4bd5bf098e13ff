package dev.vhdxmount.mount.partitions;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Optional;

import dev.vhdxmount.mount.partitions.FileSystem.Type;

/** A LUKS1 or LUKS2 header at the start of the volume: magic "LUKS\xba\xbe", a big-endian version 1 or 2. */
record LuksHeader(int version, String uuid, String label) {
    private static final byte[] MAGIC = {'L', 'U', 'K', 'S', (byte) 0xba, (byte) 0xbe};

    static Optional<LuksHeader> parse(ByteBuffer head) {
        if (head.limit() < 512 || !Fields.has(head, 0, MAGIC)) {
            return Optional.empty();
        }
        int version = head.duplicate().order(ByteOrder.BIG_ENDIAN).getShort(6) & 0xffff;
        if (version != 1 && version != 2) {
            return Optional.empty();
        }
        // both versions keep the UUID at 168; only LUKS2 has a label, at 24
        return Optional.of(new LuksHeader(version, Fields.text(head, 168, 40),
                version == 2 ? Fields.text(head, 24, 48) : ""));
    }

    FileSystem fileSystem() {
        return FileSystem.of(Type.LUKS, label, uuid);
    }
}
