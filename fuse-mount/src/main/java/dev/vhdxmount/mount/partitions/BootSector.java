package dev.vhdxmount.mount.partitions;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Optional;

import dev.vhdxmount.mount.partitions.FileSystem.Type;

/**
 * The boot sector of a FAT, NTFS, exFAT or BitLocker volume: an x86 jump, the OEM name at 3, and the boot signature
 * 0x55 0xAA at 510, like an MBR's, which is why a table reader must tell them apart. NTFS, exFAT and BitLocker name
 * themselves at 3; FAT is known by a sound BIOS parameter block. FAT32 is the one whose 16-bit FAT size is 0, as Linux
 * and libblkid tell it (mkfs.fat makes FAT32 volumes with fewer clusters than Microsoft's specification wants); FAT12
 * and FAT16 by the count of clusters, under 4085 FAT12.
 *
 * @param serial the volume serial number, as blkid prints it
 * @param label  the label the FAT boot sector holds ("NO NAME" means none)
 */
record BootSector(Type type, String serial, String label) {
    static final int SIZE = 512;
    private static final byte[] SIGNATURE = {0x55, (byte) 0xaa};

    static Optional<BootSector> parse(ByteBuffer head) {
        if (head.limit() < SIZE || !Fields.has(head, 510, SIGNATURE)) {
            return Optional.empty();
        }
        ByteBuffer b = head.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        if (Fields.has(b, 3, "NTFS    ")) {
            return Optional.of(new BootSector(Type.NTFS, String.format("%016X", b.getLong(0x48)), ""));
        }
        if (Fields.has(b, 3, "EXFAT   ")) {
            return Optional.of(new BootSector(Type.EXFAT, Fields.serial32(b.getInt(0x64)), ""));
        }
        if (Fields.has(b, 3, "-FVE-FS-")) {
            return Optional.of(new BootSector(Type.BITLOCKER, "", ""));
        }
        return fat(b);
    }

    /** A FAT boot sector: its parameters must be sound before its clusters are counted. */
    private static Optional<BootSector> fat(ByteBuffer b) {
        int jump = b.get(0) & 0xff;
        if (!(jump == 0xe9 || (jump == 0xeb && (b.get(2) & 0xff) == 0x90))) {
            return Optional.empty();
        }
        int bytesPerSector = b.getShort(11) & 0xffff;
        int sectorsPerCluster = b.get(13) & 0xff;
        int reserved = b.getShort(14) & 0xffff;
        int fats = b.get(16) & 0xff;
        int rootEntries = b.getShort(17) & 0xffff;
        long total = (b.getShort(19) & 0xffff) != 0 ? b.getShort(19) & 0xffff : Integer.toUnsignedLong(b.getInt(32));
        int media = b.get(21) & 0xff;
        boolean fat32 = (b.getShort(22) & 0xffff) == 0;
        long fatSize = fat32 ? Integer.toUnsignedLong(b.getInt(36)) : b.getShort(22) & 0xffff;
        if (bytesPerSector < 512 || bytesPerSector > 4096 || Integer.bitCount(bytesPerSector) != 1
                || sectorsPerCluster == 0 || Integer.bitCount(sectorsPerCluster) != 1 || reserved == 0 || fats == 0
                || (media != 0xf0 && media < 0xf8) || fatSize == 0) {
            return Optional.empty();
        }
        long rootSectors = ((long) rootEntries * 32 + bytesPerSector - 1) / bytesPerSector;
        long meta = reserved + fats * fatSize + rootSectors;
        if (total <= meta) {
            return Optional.empty();
        }
        long clusters = (total - meta) / sectorsPerCluster;
        Type type = fat32 ? Type.FAT32 : clusters < 4085 ? Type.FAT12 : Type.FAT16;
        // the extended parameters (serial, label) follow the FAT32 BPB at 64, the FAT12/16 one at 36
        int ext = type == Type.FAT32 ? 64 : 36;
        boolean extended = (b.get(ext + 2) & 0xff) == 0x29;
        String label = extended ? Fields.text(b, ext + 7, 11) : "";
        return Optional.of(new BootSector(type, extended ? Fields.serial32(b.getInt(ext + 3)) : "",
                label.equals("NO NAME") ? "" : label));
    }

    /** NTFS's dirty and hibernated states are further in: {@link FileSystem.Recovery#UNKNOWN} until read. */
    FileSystem fileSystem() {
        FileSystem fs = FileSystem.of(type, label, serial);
        return type == Type.NTFS ? fs.withRecovery(FileSystem.Recovery.UNKNOWN) : fs;
    }
}
