package dev.vhdxmount.mount.partitions;

import static dev.vhdxmount.mount.partitions.Tables.BASIC_DATA;
import static dev.vhdxmount.mount.partitions.Tables.EFI_SYSTEM;
import static dev.vhdxmount.mount.partitions.Tables.LINUX_FS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

import org.junit.jupiter.api.Test;

import dev.vhdxmount.mount.partitions.Partition.Kind;
import dev.vhdxmount.mount.partitions.PartitionTable.Scheme;

/**
 * GPT rules, each with the table that breaks it: the table is read from hand-built sectors, and a broken primary
 * falls back to the backup with a warning, a broken table gives no partitions and says why.
 */
class GptTest {
    private static final long SECTORS = 16384; // 8 MiB at 512 bytes

    private static Tables.Gpt threePartitions(int sectorSize, long sectors) {
        return new Tables.Gpt(sectorSize, sectors).part(0, EFI_SYSTEM, 2048 / (sectorSize / 512), 4095, "EFI")
                .part(1, LINUX_FS, 4096, 8191, "root \u00e9t\u00e9").part(4, BASIC_DATA, 8192, 10000, "");
    }

    @Test
    void partitionsAreNumberedByEntryWithTheirTypesAndNames() {
        MemoryDisk disk = threePartitions(512, SECTORS).build();
        PartitionTable t = PartitionTable.read(disk);
        assertEquals(Scheme.GPT, t.scheme());
        assertEquals(List.of(), t.warnings());
        assertEquals(Optional.of("11223344-5566-7788-99AA-BBCCDDEEFF00"), t.diskId());
        assertEquals(List.of(
                new Partition(1, Kind.GPT, 2048L * 512, 2048L * 512, PartitionType.gpt(EFI_SYSTEM), "EFI"),
                new Partition(2, Kind.GPT, 4096L * 512, 4096L * 512, PartitionType.gpt(LINUX_FS), "root \u00e9t\u00e9"),
                new Partition(5, Kind.GPT, 8192L * 512, 1809L * 512, PartitionType.gpt(BASIC_DATA), "")),
                t.partitions(), "entry 3 and 4 empty: partition 5 follows 2");
        assertEquals("Linux filesystem", t.partitions().get(1).type().name());
        assertEquals("0FC63DAF-8483-4772-8E79-3D69D8477DE4", t.partitions().get(1).type().id());
        assertEquals("p5.raw", t.partitions().get(2).fileName());
        assertTrue(disk.bytesRead <= 2 * (512 + 512 + 128 * 128), "only MBR, headers and entry arrays read: "
                + disk.bytesRead);
    }

    @Test
    void fourKibSectorsPutTheHeaderAtByte4096() {
        MemoryDisk disk = threePartitions(4096, SECTORS).build();
        PartitionTable t = PartitionTable.read(disk);
        assertEquals(List.of(), t.warnings());
        assertEquals(4096, t.sectorSize());
        assertEquals(3, t.partitions().size());
        assertEquals(4096L * 4096, t.partitions().get(1).start());
        assertEquals(4096L * 4096, t.partitions().get(1).length());
    }

    @Test
    void aGptWrittenForTheOtherSectorSizeIsNamedAndNotUsed() {
        MemoryDisk disk = new MemoryDisk(SECTORS * 512, 4096);
        threePartitions(512, SECTORS).write(disk); // a 512-byte table on a 4096-byte disk
        PartitionTable t = PartitionTable.read(disk);
        assertEquals(List.of(), t.partitions());
        assertTrue(t.warnings().get(0).contains("written for 512-byte sectors"), t.warnings().toString());

        MemoryDisk small = new MemoryDisk(SECTORS * 4096, 512);
        threePartitions(4096, SECTORS).write(small);
        assertTrue(PartitionTable.read(small).warnings().get(0).contains("written for 4096-byte sectors"));
    }

    @Test
    void aDamagedPrimaryHeaderFallsBackToTheBackup() {
        Tables.Gpt gpt = threePartitions(512, SECTORS);
        gpt.corruptPrimaryHeader = true;
        PartitionTable t = PartitionTable.read(gpt.build());
        assertEquals(3, t.partitions().size());
        assertEquals(1, t.warnings().size(), t.warnings().toString());
        String w = t.warnings().get(0);
        assertTrue(w.startsWith("primary GPT header at LBA 1: header CRC-32 mismatch (stored 0x"), w);
        assertTrue(w.endsWith("; using the backup GPT at LBA " + (SECTORS - 1)), w);
    }

    @Test
    void aDamagedPrimaryEntryArrayFallsBackToTheBackup() {
        Tables.Gpt gpt = threePartitions(512, SECTORS);
        gpt.corruptPrimaryEntries = true;
        PartitionTable t = PartitionTable.read(gpt.build());
        assertEquals(3, t.partitions().size());
        assertTrue(t.warnings().get(0).startsWith("primary GPT header at LBA 1: partition entry array at LBA 2: CRC-32"
                + " mismatch"), t.warnings().toString());
    }

    @Test
    void aMissingPrimaryFallsBackToTheBackupAtTheLastSector() {
        Tables.Gpt gpt = threePartitions(512, SECTORS);
        gpt.editPrimary = b -> b.put(0, (byte) 'X');
        PartitionTable t = PartitionTable.read(gpt.build());
        assertEquals(3, t.partitions().size());
        assertTrue(t.warnings().get(0).contains("no signature 'EFI PART'; using the backup"), t.warnings().get(0));
    }

    @Test
    void aDamagedBackupIsAWarningBesideTheIntactPrimary() {
        Tables.Gpt gpt = threePartitions(512, SECTORS);
        gpt.corruptBackupEntries = true;
        PartitionTable t = PartitionTable.read(gpt.build());
        assertEquals(3, t.partitions().size());
        assertEquals(1, t.warnings().size(), t.warnings().toString());
        String w = t.warnings().get(0);
        assertTrue(w.startsWith("backup GPT header at LBA 16383: partition entry array at LBA 16351: CRC-32 mismatch"
                + " (stored 0x") && w.endsWith(") (the primary GPT is intact and used)"), w);
    }

    @Test
    void bothCopiesDamagedGiveNoPartitionsAndBothReasons() {
        Tables.Gpt gpt = threePartitions(512, SECTORS);
        gpt.corruptPrimaryHeader = true;
        gpt.corruptBackupHeader = true;
        PartitionTable t = PartitionTable.read(gpt.build());
        assertEquals(Scheme.GPT, t.scheme());
        assertEquals(List.of(), t.partitions());
        String w = t.warnings().get(0);
        assertTrue(w.contains("primary GPT header at LBA 1: header CRC-32 mismatch")
                && w.contains("; backup GPT header at LBA 16383: header CRC-32 mismatch"), w);
    }

    @Test
    void copiesThatDifferAndABackupThatIsNotAtTheEndAreWarnings() {
        Tables.Gpt gpt = threePartitions(512, SECTORS);
        gpt.editPrimaryEntries = b -> b.put(56, (byte) 'e'); // a partition's name differs
        PartitionTable t = PartitionTable.read(gpt.build());
        assertEquals(3, t.partitions().size());
        assertTrue(t.warnings().get(0).startsWith("the backup GPT's partition entries differ from the primary's"),
                t.warnings().toString());

        MemoryDisk grown = new MemoryDisk((SECTORS + 2048) * 512, 512); // the disk grew after the table was made
        threePartitions(512, SECTORS).write(grown);
        PartitionTable g = PartitionTable.read(grown);
        assertEquals(3, g.partitions().size());
        assertEquals(List.of("the primary GPT header places its backup at LBA 16383, not at the disk's last sector"
                + " 18431 (was the disk resized?)"), g.warnings());
    }

    @Test
    void overlappingPartitionsAreKeptWithAWarning() {
        Tables.Gpt gpt = new Tables.Gpt(512, SECTORS).part(0, LINUX_FS, 2048, 6000, "a").part(1, LINUX_FS, 5000, 8000,
                "b");
        PartitionTable t = PartitionTable.read(gpt.build());
        assertEquals(2, t.partitions().size());
        assertEquals(List.of("partitions 1 and 2 overlap (bytes " + 5000 * 512 + ".." + (6001 * 512 - 1) + ")"),
                t.warnings());
    }

    @Test
    void withoutAProtectiveMbrAGptIsIgnoredAsLinuxIgnoresIt() {
        Tables.Gpt gpt = threePartitions(512, SECTORS);
        gpt.protectiveMbr = false;
        PartitionTable t = PartitionTable.read(gpt.build());
        assertEquals(Scheme.NONE, t.scheme());
        assertEquals(List.of(), t.partitions());
        assertTrue(t.warnings().get(0).startsWith("a GPT header at LBA 1, but sector 0 holds no protective MBR"));
    }

    /** Each header rule, broken in both copies (with valid CRCs), and the message that names it. */
    @Test
    void eachHeaderRuleWithItsFailingCase() {
        refused(b -> b.putInt(12, 91), "HeaderSize 91 is outside 92..512");
        refused(b -> b.putInt(12, 513), "HeaderSize 513 is outside 92..512");
        refused(b -> b.putLong(24, b.getLong(24) + 1), "MyLBA is ");
        refused(b -> b.putLong(40, b.getLong(48) + 1), "lies after LastUsableLBA");
        refused(b -> b.putLong(48, SECTORS), "LastUsableLBA 16384 lies past the disk's last sector 16383");
        refused(b -> b.putLong(40, 1), "the usable sectors 1..16350 reach over the MBR or a GPT header (LBA 0, 1 and"
                + " 16383)");
        refused(b -> b.putLong(48, SECTORS - 1), "the usable sectors 34..16383 reach over");
        refused(b -> b.putInt(84, 192), "SizeOfPartitionEntry 192 is not 128 x 2^n");
        refused(b -> b.putInt(84, 64), "SizeOfPartitionEntry 64 is not 128 x 2^n");
        refused(b -> b.putInt(84, 8192), "SizeOfPartitionEntry 8192 is not 128 x 2^n");
        refused(b -> b.putInt(80, -1), "4294967295 partition entries of 128 bytes are more than the 4 MiB read");
        refused(b -> b.putLong(72, SECTORS - 8), "partition entry array at LBA 16376 (32 sectors) does not lie on the"
                + " disk");
        refused(b -> b.putLong(72, 0), "partition entry array at LBA 0 (32 sectors) does not lie on the disk");
        refused(b -> b.putLong(72, b.getLong(24) == 1 ? 1 : b.getLong(24) - 31), "holds the header itself");
        refused(b -> b.putLong(72, 100), "partition entry array at LBA 100..131 overlaps the usable sectors");
    }

    private static void refused(Consumer<ByteBuffer> edit, String message) {
        Tables.Gpt gpt = threePartitions(512, SECTORS);
        gpt.editPrimary = edit;
        gpt.editBackup = edit;
        PartitionTable t = PartitionTable.read(gpt.build());
        assertEquals(List.of(), t.partitions(), message);
        assertEquals(1, t.warnings().size(), t.warnings().toString());
        String w = t.warnings().get(0);
        assertTrue(w.startsWith("primary GPT header at LBA 1: ") && w.contains(message)
                && w.contains("; backup GPT header at LBA "), "expected '" + message + "' in: " + w);
    }

    /** Each entry rule: an entry that breaks it gives no partitions at all, and says which entry. */
    @Test
    void eachEntryRuleWithItsFailingCase() {
        entryRefused(new Tables.Gpt(512, SECTORS).part(2, LINUX_FS, 5000, 4999, "backwards"),
                "GPT entry 3 (0fc63daf-8483-4772-8e79-3d69d8477de4): FirstLBA 5000 lies after LastLBA 4999");
        entryRefused(new Tables.Gpt(512, SECTORS).part(0, LINUX_FS, 33, 4000, "over the entries"),
                "GPT entry 1 (0fc63daf-8483-4772-8e79-3d69d8477de4): sectors 33..4000 lie outside the usable sectors"
                        + " 34..16350");
        entryRefused(new Tables.Gpt(512, SECTORS).part(0, LINUX_FS, 34, 16351, "over the backup"),
                "sectors 34..16351 lie outside the usable sectors 34..16350");
        entryRefused(new Tables.Gpt(512, SECTORS).part(1, LINUX_FS, 2048, 1L << 40, "past the disk"),
                "GPT entry 2 (0fc63daf-8483-4772-8e79-3d69d8477de4): sectors 2048..1099511627776 reach past the"
                        + " disk's last sector 16383");
        entryRefused(new Tables.Gpt(512, SECTORS).part(1, LINUX_FS, -1, -1, "unsigned"),
                "sectors 18446744073709551615..18446744073709551615 reach past the disk's last sector 16383");
    }

    private static void entryRefused(Tables.Gpt gpt, String message) {
        gpt.part(5, LINUX_FS, 12000, 12999, "a good one");
        PartitionTable t = PartitionTable.read(gpt.build());
        assertEquals(List.of(), t.partitions(), message);
        assertEquals(1, t.warnings().size(), t.warnings().toString());
        assertTrue(t.warnings().get(0).contains(message), "expected '" + message + "' in: " + t.warnings());
    }

    @Test
    void aDiskTooSmallOrUnreadableIsAWarningNotAnException() {
        assertEquals(new PartitionTable(Scheme.NONE, 512, Optional.empty(), List.of(), List.of()),
                PartitionTable.read(new MemoryDisk(511, 512)));
        MemoryDisk failing = threePartitions(512, SECTORS).build().failFrom(1024);
        PartitionTable t = PartitionTable.read(failing);
        assertEquals(List.of(), t.partitions());
        assertEquals(List.of("reading the partition table failed: Input/output error"), t.warnings());
        MemoryDisk tiny = new MemoryDisk(3 * 512, 512).sector(0, Tables.protectiveMbr(3));
        PartitionTable small = PartitionTable.read(tiny);
        assertEquals(List.of(), small.partitions());
        assertTrue(small.warnings().get(0).startsWith("primary GPT header at LBA 1: no signature"), small.warnings()
                .toString());
    }
}
