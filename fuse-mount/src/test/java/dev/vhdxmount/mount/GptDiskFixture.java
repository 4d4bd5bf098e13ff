package dev.vhdxmount.mount;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A 64 MiB GPT disk made by the usual tools: partition 1 (sectors 2048-34815, 16 MiB) holds ext4 with hello.txt,
 * partition 2 the rest. {@code disk.raw} is the disk; {@code disk.vhdx} is qemu-img's dynamic VHDX of it; {@code
 * expected.raw} is qemu-img's conversion of that VHDX back to raw, the reference a mount must match.
 */
record GptDiskFixture(Path raw, Path vhdx, Path expected) {
    static final long PARTITION1_OFFSET = 2048L * 512;
    static final long PARTITION1_SIZE = 32768L * 512;
    static final String HELLO = "hello from ext4 inside a VHDX\n";

    static GptDiskFixture create(Path dir) throws IOException {
        MountIt.shOk("cd '" + dir + "'\n"
                + "truncate -s 64M disk.raw\n"
                + "printf 'label: gpt\\nstart=2048, size=32768, type=L\\nstart=34816, type=L\\n' | sfdisk -q disk.raw\n"
                + "mkdir -p root && printf '" + HELLO.replace("\n", "\\n") + "' > root/hello.txt\n"
                + "truncate -s 16M part1.img && mkfs.ext4 -q -F -d root part1.img\n"
                + "dd if=part1.img of=disk.raw bs=1M seek=1 conv=notrunc,sparse status=none && rm -f part1.img\n"
                + "head -c 3M /dev/urandom | dd of=disk.raw bs=1M seek=20 conv=notrunc status=none\n"
                + "qemu-img convert -f raw -O vhdx -o subformat=dynamic disk.raw disk.vhdx\n"
                + "qemu-img convert -f vhdx -O raw disk.vhdx expected.raw\n");
        return new GptDiskFixture(dir.resolve("disk.raw"), dir.resolve("disk.vhdx"), dir.resolve("expected.raw"));
    }
}
