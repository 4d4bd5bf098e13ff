package dev.vhdxmount.mount.partitions;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import dev.vhdxmount.mount.partitions.FileSystem.Recovery;
import dev.vhdxmount.mount.partitions.FileSystem.Type;
import dev.vhdxmount.vhdx.testkit.Bin;

/**
 * Signatures from hand-built superblocks and boot sectors, each with a near miss that must not be taken for it.
 * Offsets are those of the kernel's and libblkid's structure definitions; the tests on real file systems
 * (mkfs.ext4, mkfs.vfat, mkswap) check the same parsers against what the tools write.
 */
class FileSystemsTest {
    private static final UUID ID = UUID.fromString("0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9");

    private static byte[] head() {
        return new byte[FileSystems.HEAD];
    }

    private static Optional<FileSystem> identify(byte[] head) {
        return FileSystems.identify(ByteBuffer.wrap(head));
    }

    private static FileSystem fs(Type type, String label, String uuid) {
        return FileSystem.of(type, label, uuid);
    }

    private static void uuidBytes(byte[] b, int at, UUID u) {
        ByteBuffer.wrap(b).putLong(at, u.getMostSignificantBits()).putLong(at + 8, u.getLeastSignificantBits());
    }

    /** An ext superblock with these feature flags (compat, incompat, ro_compat). */
    private static byte[] ext(int compat, int incompat, int roCompat) {
        byte[] b = head();
        int sb = 1024;
        Bin.u32(b, sb + 24, 2); // 4 KiB blocks
        Bin.u16(b, sb + 56, 0xef53);
        Bin.u32(b, sb + 0x5c, compat);
        Bin.u32(b, sb + 0x60, incompat);
        Bin.u32(b, sb + 0x64, roCompat);
        uuidBytes(b, sb + 0x68, ID);
        Bin.ascii(b, sb + 0x78, "rootfs");
        return b;
    }

    @Test
    void extTwoThreeAndFourByTheirFeatures() {
        String id = ID.toString();
        assertEquals(Optional.of(fs(Type.EXT2, "rootfs", id)), identify(ext(0, 0x2, 0x3)));
        assertEquals(Optional.of(fs(Type.EXT3, "rootfs", id)), identify(ext(0x4, 0x2, 0x3)), "a journal");
        assertEquals(Optional.of(fs(Type.EXT4, "rootfs", id)), identify(ext(0x4, 0x2 | 0x40 | 0x80 | 0x200, 0x3)),
                "extents, 64bit, flex_bg");
        assertEquals(Optional.of(fs(Type.EXT4, "rootfs", id)), identify(ext(0, 0x2 | 0x40, 0x3)), "no journal");
        assertEquals(Optional.of(fs(Type.EXT4, "rootfs", id)), identify(ext(0x4, 0x2, 0x3 | 0x8)), "huge_file");
        assertEquals(Optional.of(new FileSystem(Type.EXT4, Optional.of("rootfs"), Optional.of(id),
                Recovery.JOURNAL)),
                identify(ext(0x4, 0x2 | 0x4 | 0x40, 0x3)), "needs_recovery");
        assertEquals(Optional.of(new FileSystem(Type.EXT3, Optional.of("rootfs"), Optional.of(id),
                Recovery.JOURNAL)),
                identify(ext(0x4, 0x2 | 0x4, 0x3)), "needs_recovery");
        assertEquals(Optional.empty(), identify(ext(0, 0x8, 0)), "an external journal holds no file system");
        byte[] badMagic = ext(0x4, 0x2, 0x3);
        badMagic[1024 + 56] = 0x54;
        assertEquals(Optional.empty(), identify(badMagic));
        byte[] badBlocks = ext(0x4, 0x2, 0x3);
        Bin.u32(badBlocks, 1024 + 24, 7);
        assertEquals(Optional.empty(), identify(badBlocks), "blocks over 64 KiB");
    }

    @Test
    void xfsWithASoundBlockSize() {
        byte[] b = head();
        Bin.ascii(b, 0, "XFSB");
        ByteBuffer.wrap(b).putInt(4, 4096);
        uuidBytes(b, 32, ID);
        Bin.ascii(b, 108, "data");
        assertEquals(Optional.of(fs(Type.XFS, "data", ID.toString()).withRecovery(Recovery.UNKNOWN)), identify(b),
                "the log is not in the superblock");
        ByteBuffer.wrap(b).putInt(4, 4095);
        assertEquals(Optional.empty(), identify(b));
    }

    @Test
    void btrfsAt64KibWithItsLogTree() {
        byte[] b = head();
        int sb = 65536;
        Bin.ascii(b, sb + 0x40, "_BHRfS_M");
        uuidBytes(b, sb + 0x20, ID);
        Bin.ascii(b, sb + 0x12b, "pool");
        assertEquals(Optional.of(fs(Type.BTRFS, "pool", ID.toString())), identify(b));
        Bin.u64(b, sb + 0x60, 0x1234000);
        assertEquals(Optional.of(new FileSystem(Type.BTRFS, Optional.of("pool"), Optional.of(ID.toString()),
                Recovery.LOG_TREE)),
                identify(b));
        assertEquals(Optional.empty(), FileSystems.identify(ByteBuffer.wrap(b, 0, 65536 + 0x40).slice()),
                "a volume too small to hold it");
    }

    /** A boot sector: the jump, the OEM name, the boot signature. */
    private static byte[] bootSector(String oem) {
        byte[] b = head();
        b[0] = (byte) 0xeb;
        b[1] = 0x52;
        b[2] = (byte) 0x90;
        Bin.ascii(b, 3, oem);
        b[510] = 0x55;
        b[511] = (byte) 0xaa;
        return b;
    }

    @Test
    void ntfsExfatAndBitlockerByTheirNames() {
        byte[] ntfs = bootSector("NTFS    ");
        Bin.u64(ntfs, 0x48, 0x01d2c3b4a5968778L);
        assertEquals(Optional.of(fs(Type.NTFS, null, "01D2C3B4A5968778").withRecovery(Recovery.UNKNOWN)),
                identify(ntfs), "$Volume and hiberfil.sys are not in the boot sector");
        byte[] exfat = bootSector("EXFAT   ");
        Bin.u32(exfat, 0x64, 0x1a2b3c4dL);
        assertEquals(Optional.of(fs(Type.EXFAT, null, "1A2B-3C4D")), identify(exfat));
        assertEquals(Optional.of(fs(Type.BITLOCKER, null, null)), identify(bootSector("-FVE-FS-")));
        byte[] unsigned = bootSector("NTFS    ");
        unsigned[511] = 0;
        assertEquals(Optional.empty(), identify(unsigned), "no boot signature");
    }

    /**
     * A FAT boot sector with this BIOS parameter block; FAT32's puts the FAT size at 36 and its extended parameters
     * at 64, FAT12/16's at 36.
     */
    static byte[] fatBootSector(int bytesPerSector, int sectorsPerCluster, int reserved, int fats, int rootEntries,
            long totalSectors, long fatSize, boolean fat32) {
        byte[] b = bootSector("mkfs.fat");
        Bin.u16(b, 11, bytesPerSector);
        b[13] = (byte) sectorsPerCluster;
        Bin.u16(b, 14, reserved);
        b[16] = (byte) fats;
        Bin.u16(b, 17, rootEntries);
        if (totalSectors < 65536) {
            Bin.u16(b, 19, (int) totalSectors);
        } else {
            Bin.u32(b, 32, totalSectors);
        }
        b[21] = (byte) 0xf8;
        int ext = 36;
        if (fat32) {
            Bin.u32(b, 36, fatSize);
            ext = 64;
        } else {
            Bin.u16(b, 22, (int) fatSize);
        }
        b[ext + 2] = 0x29;
        Bin.u32(b, ext + 3, 0xc0ffee42L);
        Bin.ascii(b, ext + 7, "BOOT       ");
        return b;
    }

    @Test
    void fatTwelveAndSixteenByTheirCountOfClustersAndFat32ByItsBpb() {
        assertEquals(Optional.of(fs(Type.FAT16, "BOOT", "C0FF-EE42")),
                identify(fatBootSector(512, 4, 1, 2, 512, 65536, 64, false)));
        assertEquals(Optional.of(fs(Type.FAT32, "BOOT", "C0FF-EE42")),
                identify(fatBootSector(512, 8, 32, 2, 0, 4194304, 4096, true)));
        // one FAT of one sector, no root directory: clusters = total sectors - 2
        assertEquals(Type.FAT12, identify(fatBootSector(512, 1, 1, 1, 0, 4086, 1, false)).orElseThrow().type());
        assertEquals(Type.FAT16, identify(fatBootSector(512, 1, 1, 1, 0, 4087, 1, false)).orElseThrow().type());
        assertEquals(Type.FAT16, identify(fatBootSector(512, 1, 1, 1, 0, 100000, 1, false)).orElseThrow().type(),
                "a 16-bit FAT size, however many clusters");
        assertEquals(Type.FAT32, identify(fatBootSector(512, 1, 1, 1, 0, 16000, 1, true)).orElseThrow().type(),
                "no 16-bit FAT size, however few clusters (mkfs.fat -F 32 on 8 MiB)");
        byte[] noName = fatBootSector(512, 4, 1, 2, 512, 65536, 64, false);
        Bin.ascii(noName, 43, "NO NAME    ");
        assertEquals(Optional.empty(), identify(noName).orElseThrow().label(), "the label of no label");
    }

    @Test
    void aFatBootSectorMustHaveSoundParameters() {
        byte[] good = fatBootSector(512, 4, 1, 2, 512, 65536, 64, false);
        for (int[] edit : new int[][] {{11, 0x00, 0x03}, {11, 0x00, 0x01}, {13, 3}, {13, 0}, {14, 0, 0}, {16, 0},
            {21, 0x12}, {22, 0, 0}, {0, 0x33}, {2, 0x00}, {19, 100, 0}}) {
            byte[] b = good.clone();
            for (int i = 1; i < edit.length; i++) {
                b[edit[0] + i - 1] = (byte) edit[i];
            }
            assertEquals(Optional.empty(), identify(b), "byte " + edit[0] + " edited");
        }
    }

    @Test
    void luksOneAndTwo() {
        byte[] b = head();
        b[0] = 'L';
        b[1] = 'U';
        b[2] = 'K';
        b[3] = 'S';
        b[4] = (byte) 0xba;
        b[5] = (byte) 0xbe;
        b[7] = 1;
        Bin.ascii(b, 168, ID.toString());
        Bin.ascii(b, 24, "not a label in LUKS1");
        assertEquals(Optional.of(fs(Type.LUKS, null, ID.toString())), identify(b));
        b[7] = 2;
        Bin.ascii(b, 24, "secret\0");
        assertEquals(Optional.of(fs(Type.LUKS, "secret", ID.toString())), identify(b));
        b[7] = 3;
        assertEquals(Optional.empty(), identify(b));
    }

    @Test
    void lvm2LabelInAnyOfTheFirstFourSectors() {
        byte[] b = head();
        int at = 512;
        Bin.ascii(b, at, "LABELONE");
        Bin.u64(b, at + 8, 1);
        Bin.u32(b, at + 20, 32);
        Bin.ascii(b, at + 24, "LVM2 001");
        Bin.ascii(b, at + 32, "AbCdEf0123456789ghIJklMNopQRstUV");
        assertEquals(Optional.of(fs(Type.LVM2, null, "AbCdEf-0123-4567-89gh-IJkl-MNop-QRstUV")), identify(b));
        Bin.u64(b, at + 8, 2);
        assertEquals(Optional.empty(), identify(b), "a label that names another sector");
    }

    @Test
    void swapAtTheEndOfItsFirstPage() {
        byte[] b = head();
        Bin.ascii(b, 4096 - 10, "SWAPSPACE2");
        Bin.u32(b, 1024, 1);
        uuidBytes(b, 1024 + 12, ID);
        Bin.ascii(b, 1024 + 28, "swap");
        assertEquals(Optional.of(fs(Type.SWAP, "swap", ID.toString())), identify(b));
        byte[] big = head();
        Bin.ascii(big, 65536 - 10, "SWAPSPACE2");
        assertEquals(Type.SWAP, identify(big).orElseThrow().type(), "64 KiB pages");
        byte[] old = head();
        Bin.ascii(old, 4096 - 10, "SWAP-SPACE");
        assertEquals(Optional.of(fs(Type.SWAP, null, null)), identify(old));
        byte[] shifted = head();
        Bin.ascii(shifted, 4096 - 11, "SWAPSPACE2");
        assertEquals(Optional.empty(), identify(shifted));
    }

    @Test
    void signaturesAtTheStartWinOverOnesFurtherIn() {
        byte[] luksOverExt = ext(0x4, 0x2, 0x3);
        System.arraycopy(new byte[] {'L', 'U', 'K', 'S', (byte) 0xba, (byte) 0xbe, 0, 2}, 0, luksOverExt, 0, 8);
        assertEquals(Type.LUKS, identify(luksOverExt).orElseThrow().type());
        byte[] fatOverExt = ext(0x4, 0x2, 0x3);
        System.arraycopy(fatBootSector(512, 4, 1, 2, 512, 65536, 64, false), 0, fatOverExt, 0, 512);
        assertEquals(Type.FAT16, identify(fatOverExt).orElseThrow().type());
        assertEquals(Optional.empty(), identify(head()), "zeros");
    }

    @Test
    void aProbeReadsNoFurtherThanThePartitionAndTheDisk() throws Exception {
        MemoryDisk disk = new MemoryDisk(1 << 20, 512);
        disk.write(4096, ext(0x4, 0x2, 0x3));
        assertEquals(Type.EXT3, FileSystems.probe(disk, 4096, 8192).orElseThrow().type());
        assertEquals(4096 + 8192, disk.highestRead, "the partition's 8 KiB only");
        assertEquals(Optional.empty(), FileSystems.probe(disk, 4096, 1500), "too small for the superblock");
        assertEquals(Type.EXT3, FileSystems.probe(disk, 4096, Long.MAX_VALUE).orElseThrow().type());
        assertEquals(Optional.empty(), FileSystems.probe(disk, 1 << 20, 4096), "at the end");
    }
}
