package dev.vhdxmount.mount.partitions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import dev.vhdxmount.mount.partitions.Partition.Kind;
import dev.vhdxmount.mount.partitions.PartitionTable.Scheme;
import dev.vhdxmount.mount.partitions.Tables.Entry;

/**
 * MBR tables from hand-built sectors: primary partitions by slot, the logical ones numbered 5 on along their chain of
 * EBRs, as Linux numbers them; and each rule with the table that breaks it (no partitions, a warning that says why).
 */
class MbrTest {
    private static final long SECTORS = 1 << 20; // 512 MiB at 512 bytes

    /**
     * Primary 1 (Linux), an extended partition in slot 3 (sectors 100000..499999) with logical partitions at 100002,
     * 200002 and 300002 (EBRs at 100000, 200000, 300000), and an NTFS primary in slot 4.
     */
    private static MemoryDisk extendedDisk(int sectorSize) {
        MemoryDisk disk = new MemoryDisk(SECTORS * sectorSize, sectorSize);
        disk.sector(0, Tables.mbr(new Entry(0x80, 0x83, 2048, 2048), null, Entry.of(0x0f, 100000, 400000),
                Entry.of(0x07, 500000, 1000)));
        disk.sector(100000, Tables.mbr(Entry.of(0x83, 2, 1000), Entry.of(0x05, 100000, 1002)));
        disk.sector(200000, Tables.mbr(Entry.of(0x82, 2, 2000), Entry.of(0x05, 200000, 2002)));
        disk.sector(300000, Tables.mbr(Entry.of(0x8e, 2, 3000)));
        return disk;
    }

    @Test
    void primaryExtendedAndLogicalPartitionsAreNumberedAsLinuxNumbersThem() {
        PartitionTable t = PartitionTable.read(extendedDisk(512));
        assertEquals(Scheme.MBR, t.scheme());
        assertEquals(List.of(), t.warnings());
        assertEquals(Optional.of("0x1234abcd"), t.diskId());
        assertEquals(List.of(
                new Partition(1, Kind.PRIMARY, 2048L * 512, 2048L * 512, PartitionType.mbr(0x83), ""),
                new Partition(3, Kind.EXTENDED, 100000L * 512, 400000L * 512, PartitionType.mbr(0x0f), ""),
                new Partition(4, Kind.PRIMARY, 500000L * 512, 1000L * 512, PartitionType.mbr(0x07), ""),
                new Partition(5, Kind.LOGICAL, 100002L * 512, 1000L * 512, PartitionType.mbr(0x83), ""),
                new Partition(6, Kind.LOGICAL, 200002L * 512, 2000L * 512, PartitionType.mbr(0x82), ""),
                new Partition(7, Kind.LOGICAL, 300002L * 512, 3000L * 512, PartitionType.mbr(0x8e), "")),
                t.partitions());
        assertEquals(List.of(1, 4, 5, 6, 7), t.dataPartitions().stream().map(Partition::number).toList());
        assertEquals("Linux swap / Solaris", t.partitions().get(4).type().name());
        assertEquals("0x8e", t.partitions().get(5).type().id());
    }

    @Test
    void sectorNumbersAreInTheDisksLogicalSectors() {
        PartitionTable t = PartitionTable.read(extendedDisk(4096));
        assertEquals(List.of(), t.warnings());
        assertEquals(200002L * 4096, t.partitions().get(4).start());
        assertEquals(2000L * 4096, t.partitions().get(4).length());
    }

    @Test
    void garbageInAnEbrsThirdAndFourthEntriesIsSkippedAsLinuxSkipsIt() {
        MemoryDisk disk = extendedDisk(512);
        // the third EBR's extent is 2002 sectors, as the link to it says
        disk.sector(300000, Tables.mbr(Entry.of(0x8e, 2, 1000), null, Entry.of(0x83, 90000, 5)));
        assertEquals(6, PartitionTable.read(disk).partitions().size(), "entry 3 reaches past its EBR's extent");
        disk.sector(300000, Tables.mbr(Entry.of(0x8e, 2, 1000), null, Entry.of(0x83, 1500, 5)));
        PartitionTable t = PartitionTable.read(disk);
        assertEquals(List.of(), t.warnings());
        assertEquals(new Partition(8, Kind.LOGICAL, 301500L * 512, 5L * 512, PartitionType.mbr(0x83), ""),
                t.partitions().get(6), "a sound third entry is a partition, as OS/2 made them");
    }

    @Test
    void theProtectiveMbrOfAGptDiskIsNoMbrTable() {
        MemoryDisk disk = new MemoryDisk(SECTORS * 512, 512).sector(0, Tables.protectiveMbr(SECTORS));
        PartitionTable t = PartitionTable.read(disk);
        assertEquals(Scheme.GPT, t.scheme());
        assertEquals(List.of(), t.partitions());
        MemoryDisk hybrid = new MemoryDisk(SECTORS * 512, 512).sector(0, Tables.mbr(Entry.of(0x83, 2048, 100),
                Entry.of(0xee, 1, 2047)));
        assertEquals(Scheme.GPT, PartitionTable.read(hybrid).scheme(), "a hybrid MBR: the GPT rules, as in Linux");
    }

    @Test
    void aFileSystemsBootSectorAtSector0IsNoPartitionTable() {
        byte[] fat = FileSystemsTest.fatBootSector(512, 4, 1, 2, 512, 65536, 64, false);
        PartitionTable t = PartitionTable.read(new MemoryDisk(SECTORS * 512, 512).sector(0, fat));
        assertEquals(new PartitionTable(Scheme.NONE, 512, Optional.empty(), List.of(), List.of()), t);
    }

    @Test
    void aBootSignatureWithoutSoundBootIndicatorsIsNoPartitionTable() {
        MemoryDisk disk = new MemoryDisk(SECTORS * 512, 512).sector(0, Tables.mbr(new Entry(0x12, 0x83, 2048, 10)));
        PartitionTable t = PartitionTable.read(disk);
        assertEquals(Scheme.NONE, t.scheme());
        assertEquals(List.of("sector 0 has a boot signature but holds no partition table: entry 1's boot indicator is"
                + " 0x12 (0x00 or 0x80 expected)"), t.warnings());
    }

    @Test
    void aChainOfEbrsThatLoopsIsDamage() {
        MemoryDisk disk = extendedDisk(512);
        disk.sector(300000, Tables.mbr(Entry.of(0x8e, 2, 3000), Entry.of(0x05, 100000, 1002))); // back to the 2nd
        refused(disk, "the chain of EBRs of extended partition 3 (sectors 100000..499999) loops back to the EBR at"
                + " sector 200000");
        MemoryDisk self = extendedDisk(512);
        self.sector(100000, Tables.mbr(Entry.of(0x83, 2, 1000), Entry.of(0x05, 0, 1002)));
        refused(self, "the chain of EBRs of extended partition 3 (sectors 100000..499999) loops back to the EBR at"
                + " sector 100000");
    }

    @Test
    void aChainLongerThanLinuxNumbersIsDamage() {
        MemoryDisk disk = new MemoryDisk(SECTORS * 512, 512);
        disk.sector(0, Tables.mbr(Entry.of(0x05, 2048, SECTORS - 4096)));
        for (int i = 0; i <= MbrReader.MAX_LOGICAL; i++) {
            disk.sector(2048 + 10L * i, Tables.mbr(Entry.of(0x83, 1, 9), Entry.of(0x05, 10L * (i + 1), 10)));
        }
        refused(disk, "the chain of EBRs of extended partition 1 (sectors 2048..1046527) holds more than 256 of them");
    }

    @Test
    void eachPlacementRuleWithItsFailingCase() {
        refused(new MemoryDisk(SECTORS * 512, 512).sector(0, Tables.mbr(Entry.of(0x83, 2048, SECTORS))),
                "primary partition 1: sectors 2048..1050623 reach past the disk's last sector 1048575");
        refused(new MemoryDisk(SECTORS * 512, 512).sector(0, Tables.mbr(null, Entry.of(0x83, 0, 100))),
                "primary partition 2: starts at sector 0, over the MBR");
        refused(new MemoryDisk(SECTORS * 512, 512).sector(0, Tables.mbr(Entry.of(0x83, 2048, 100),
                Entry.of(0x05, SECTORS - 100, 0xffffffffL))),
                "extended partition 2: sectors 1048476..4296015770 reach past the disk's last sector 1048575");

        MemoryDisk outside = extendedDisk(512);
        outside.sector(200000, Tables.mbr(Entry.of(0x82, 2, 400000), Entry.of(0x05, 200000, 2002)));
        refused(outside, "logical partition 6 (entry 1 of the EBR at sector 200000): sectors 200002..600001 reach"
                + " outside extended partition 3 (sectors 100000..499999)");
        MemoryDisk pastDisk = extendedDisk(512);
        pastDisk.sector(200000, Tables.mbr(Entry.of(0x82, 2, SECTORS), Entry.of(0x05, 200000, 2002)));
        refused(pastDisk, "logical partition 6 (entry 1 of the EBR at sector 200000): sectors 200002..1248577 reach"
                + " past the disk's last sector 1048575");
        MemoryDisk onItsEbr = extendedDisk(512);
        onItsEbr.sector(100000, Tables.mbr(Entry.of(0x83, 0, 1000), Entry.of(0x05, 100000, 1002)));
        refused(onItsEbr, "logical partition 5 (entry 1 of the EBR at sector 100000): starts at its own EBR");
        MemoryDisk linkOutside = extendedDisk(512);
        linkOutside.sector(200000, Tables.mbr(Entry.of(0x82, 2, 2000), Entry.of(0x05, 400000, 2002)));
        refused(linkOutside, "EBR at sector 200000: the next EBR at sector 500000 lies outside extended partition 3");
        MemoryDisk unsigned = extendedDisk(512);
        unsigned.sector(300000, new byte[512]);
        refused(unsigned, "EBR at sector 300000 (in extended partition 3 (sectors 100000..499999)): no boot signature"
                + " 0x55AA");
    }

    private static void refused(MemoryDisk disk, String message) {
        PartitionTable t = PartitionTable.read(disk);
        assertEquals(Scheme.MBR, t.scheme());
        assertEquals(List.of(), t.partitions(), message);
        assertEquals(1, t.warnings().size(), t.warnings().toString());
        assertTrue(t.warnings().get(0).startsWith(message), "expected '" + message + "' in: " + t.warnings());
        assertTrue(disk.highestRead <= disk.size());
    }

    @Test
    void overlappingPrimariesAreKeptWithAWarning() {
        MemoryDisk disk = new MemoryDisk(SECTORS * 512, 512).sector(0, Tables.mbr(Entry.of(0x83, 2048, 4096),
                Entry.of(0x83, 4096, 4096)));
        PartitionTable t = PartitionTable.read(disk);
        assertEquals(2, t.partitions().size());
        assertEquals(List.of("partitions 1 and 2 overlap (bytes 2097152..3145727)"), t.warnings());
    }
}
