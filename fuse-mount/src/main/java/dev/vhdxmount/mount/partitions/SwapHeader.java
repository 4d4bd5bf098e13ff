package dev.vhdxmount.mount.partitions;

import java.nio.ByteBuffer;
import java.util.Optional;

import dev.vhdxmount.mount.partitions.FileSystem.Type;

/**
 * Linux swap space: the signature "SWAPSPACE2" (or the old "SWAP-SPACE") in the last 10 bytes of the first page, whose
 * size is the machine's that made it (4 KiB on x86, up to 64 KiB elsewhere). Version 1 keeps a UUID and a label after
 * the first 1024 bytes.
 */
record SwapHeader(int pageSize, String uuid, String label) {
    private static final int[] PAGE_SIZES = {4096, 8192, 16384, 65536};

    static Optional<SwapHeader> parse(ByteBuffer head) {
        for (int page : PAGE_SIZES) {
            if (Fields.has(head, page - 10, "SWAPSPACE2")) {
                return Optional.of(new SwapHeader(page, Fields.uuid(head, 1024 + 12), Fields.text(head, 1024 + 28,
                        16)));
            }
            if (Fields.has(head, page - 10, "SWAP-SPACE")) {
                return Optional.of(new SwapHeader(page, null, ""));
            }
        }
        return Optional.empty();
    }

    FileSystem fileSystem() {
        return FileSystem.of(Type.SWAP, label, uuid);
    }
}
