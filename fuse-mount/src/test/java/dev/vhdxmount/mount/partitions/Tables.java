package dev.vhdxmount.mount.partitions;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.zip.CRC32;

import dev.vhdxmount.vhdx.testkit.Bin;

/**
 * Partition tables built by hand, byte by byte from the UEFI specification and the MBR layout (with the test kit's
 * encoding of integers and GUIDs, not the parser's), so that each rule can be broken on purpose.
 */
final class Tables {
    static final UUID LINUX_FS = UUID.fromString("0FC63DAF-8483-4772-8E79-3D69D8477DE4");
    static final UUID BASIC_DATA = UUID.fromString("EBD0A0A2-B9E5-4433-87C0-68B6B72699C7");
    static final UUID EFI_SYSTEM = UUID.fromString("C12A7328-F81F-11D2-BA4B-00A0C93EC93B");

    private Tables() {}

    /** An MBR or EBR entry: boot indicator, type code, first sector, sectors. */
    record Entry(int status, int type, long first, long sectors) {
        static Entry of(int type, long first, long sectors) {
            return new Entry(0, type, first, sectors);
        }
    }

    /** A 512-byte MBR (or EBR) with these entries in slots 0.., the boot signature, and a disk signature. */
    static byte[] mbr(Entry... entries) {
        byte[] b = new byte[512];
        Bin.u32(b, 440, 0x1234abcdL);
        for (int i = 0; i < entries.length; i++) {
            Entry e = entries[i];
            if (e == null) {
                continue;
            }
            int at = 446 + 16 * i;
            b[at] = (byte) e.status;
            b[at + 4] = (byte) e.type;
            Bin.u32(b, at + 8, e.first);
            Bin.u32(b, at + 12, e.sectors);
        }
        b[510] = 0x55;
        b[511] = (byte) 0xaa;
        return b;
    }

    /** The protective MBR of a GPT disk of {@code sectors} sectors. */
    static byte[] protectiveMbr(long sectors) {
        return mbr(Entry.of(0xee, 1, Math.min(sectors - 1, 0xffffffffL)));
    }

    /** A GPT partition: its entry index (0-based), type, LBAs and name. */
    record Part(int index, UUID type, long first, long last, String name) {}

    /**
     * A GPT disk: the protective MBR, the primary header and entries at LBA 1 and 2, the backup entries and header at
     * the end. Edits of a header or an entry array run before its CRC is computed (a rule broken with a valid
     * checksum); the corrupt flags break a CRC afterwards.
     */
    static final class Gpt {
        final int sectorSize;
        final long sectors;
        int entryCount = 128;
        int entrySize = 128;
        UUID diskGuid = UUID.fromString("11223344-5566-7788-99AA-BBCCDDEEFF00");
        final List<Part> parts = new ArrayList<>();
        Consumer<ByteBuffer> editPrimary = b -> {};
        Consumer<ByteBuffer> editBackup = b -> {};
        Consumer<ByteBuffer> editPrimaryEntries = b -> {};
        boolean corruptPrimaryHeader;
        boolean corruptPrimaryEntries;
        boolean corruptBackupHeader;
        boolean corruptBackupEntries;
        boolean protectiveMbr = true;

        Gpt(int sectorSize, long sectors) {
            this.sectorSize = sectorSize;
            this.sectors = sectors;
        }

        Gpt part(int index, UUID type, long first, long last, String name) {
            parts.add(new Part(index, type, first, last, name));
            return this;
        }

        long arraySectors() {
            return ((long) entryCount * entrySize + sectorSize - 1) / sectorSize;
        }

        long firstUsable() {
            return 2 + arraySectors();
        }

        long lastUsable() {
            return sectors - 2 - arraySectors();
        }

        MemoryDisk build() {
            return write(new MemoryDisk(sectors * sectorSize, sectorSize));
        }

        MemoryDisk write(MemoryDisk disk) {
            if (protectiveMbr) {
                disk.write(0, protectiveMbr(sectors));
            }
            byte[] entries = entries();
            byte[] primaryEntries = entries.clone();
            editPrimaryEntries.accept(ByteBuffer.wrap(primaryEntries).order(ByteOrder.LITTLE_ENDIAN));
            int primaryCrc = crc(primaryEntries, primaryEntries.length);
            if (corruptPrimaryEntries) {
                primaryEntries[primaryEntries.length - 1] ^= 1;
            }
            byte[] backupEntries = entries.clone();
            int backupCrc = crc(backupEntries, backupEntries.length);
            if (corruptBackupEntries) {
                backupEntries[0] ^= 1;
            }
            long backupArray = sectors - 1 - arraySectors();
            // at this table's sector size, which need not be the disk's
            disk.write(sectorSize, header(1, sectors - 1, 2, primaryCrc, editPrimary, corruptPrimaryHeader));
            disk.write(2L * sectorSize, primaryEntries);
            disk.write(backupArray * sectorSize, backupEntries);
            disk.write((sectors - 1) * sectorSize, header(sectors - 1, 1, backupArray, backupCrc, editBackup,
                    corruptBackupHeader));
            return disk;
        }

        private byte[] entries() {
            byte[] b = new byte[entryCount * entrySize];
            for (Part p : parts) {
                int at = p.index * entrySize;
                Bin.guid(b, at, p.type);
                Bin.guid(b, at + 16, new UUID(p.index + 1, 42));
                Bin.u64(b, at + 32, p.first);
                Bin.u64(b, at + 40, p.last);
                byte[] name = Bin.utf16le(p.name);
                System.arraycopy(name, 0, b, at + 56, Math.min(72, name.length));
            }
            return b;
        }

        private byte[] header(long my, long alternate, long entriesLba, int entriesCrc, Consumer<ByteBuffer> edit,
                boolean corrupt) {
            byte[] b = new byte[sectorSize];
            Bin.ascii(b, 0, "EFI PART");
            Bin.u32(b, 8, 0x00010000);
            Bin.u32(b, 12, 92);
            Bin.u64(b, 24, my);
            Bin.u64(b, 32, alternate);
            Bin.u64(b, 40, firstUsable());
            Bin.u64(b, 48, lastUsable());
            Bin.guid(b, 56, diskGuid);
            Bin.u64(b, 72, entriesLba);
            Bin.u32(b, 80, entryCount);
            Bin.u32(b, 84, entrySize);
            Bin.u32(b, 88, entriesCrc);
            edit.accept(ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN));
            int size = (int) Math.min(Bin.readU32(b, 12), sectorSize);
            Bin.u32(b, 16, 0);
            Bin.u32(b, 16, crc(b, Math.max(size, 0)) + (corrupt ? 1 : 0));
            return b;
        }
    }

    static int crc(byte[] b, int length) {
        CRC32 crc = new CRC32();
        crc.update(b, 0, length);
        return (int) crc.getValue();
    }
}
