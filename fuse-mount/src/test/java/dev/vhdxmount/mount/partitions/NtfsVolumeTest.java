package dev.vhdxmount.mount.partitions;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;

import org.junit.jupiter.api.Test;

import dev.vhdxmount.mount.partitions.FileSystem.Recovery;
import dev.vhdxmount.mount.partitions.FileSystem.Type;
import dev.vhdxmount.vhdx.testkit.Bin;

/**
 * NTFS's dirty and hibernated states from hand-built volumes: a boot sector, MFT records with their update sequence
 * fixups, $Volume's $VOLUME_INFORMATION, a root index with or without hiberfil.sys (in the $INDEX_ROOT or an INDX
 * block), and hiberfil.sys's $DATA resident or not; then the same with one structure broken at a time, which must
 * read as UNKNOWN and never throw. Layouts follow the NTFS on-disk format as ntfs-3g's layout.h documents it, written
 * with the test kit's integer writers.
 */
class NtfsVolumeTest {
    private static final int CLUSTER = 4096;
    private static final int VOLUME = 1 << 20;
    private static final long MFT_LCN = 4;
    /** Records 16.. of the $MFT lie in its second run, here. */
    private static final long MFT_SECOND_LCN = 50;
    private static final long HIBERFILE_LCN = 100;
    private static final long INDEX_LCN = 120;
    private static final int HIBERFILE_RECORD = 20;
    private static final int HIBERFILE_SEQUENCE = 7;
    private static final short USN = 0x0102;

    /** A volume under construction: its bytes, and the choices each test varies. */
    static final class Volume {
        final byte[] bytes = new byte[VOLUME];
        int recordSize = 1024;
        int volumeFlags;
        /** Where hiberfil.sys is named: nowhere, in the root's $INDEX_ROOT, or in an INDX block. */
        String hiberfileIndex = "none";
        boolean indexBlockInUse = true;
        /** hiberfil.sys's first bytes and size, and whether its $DATA is in its record. */
        byte[] hiberfileStart = "hibr".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        long hiberfileSize = 8192;
        boolean resident;
        boolean sparse;
        long hiberfileLcn = HIBERFILE_LCN;

        Volume build() {
            bootSector();
            int mftClusters = 16 * recordSize / CLUSTER;
            record(0, 1, mftRecord(mftClusters));
            record(3, 1, attribute(0x70, "", volumeInformation()));
            record(5, 5, root());
            byte[] data;
            if (resident) {
                byte[] value = new byte[(int) hiberfileSize];
                System.arraycopy(hiberfileStart, 0, value, 0, Math.min(hiberfileStart.length, value.length));
                data = attribute(0x80, "", value);
            } else {
                long clusters = (hiberfileSize + CLUSTER - 1) / CLUSTER;
                data = nonResident(0x80, "", hiberfileSize, sparse ? runs(clusters, -1) : runs(clusters,
                        hiberfileLcn));
                if (!sparse && hiberfileLcn * CLUSTER + hiberfileStart.length <= VOLUME) {
                    System.arraycopy(hiberfileStart, 0, bytes, (int) (hiberfileLcn * CLUSTER), hiberfileStart.length);
                }
            }
            record(HIBERFILE_RECORD, HIBERFILE_SEQUENCE, data);
            return this;
        }

        private void bootSector() {
            bytes[0] = (byte) 0xeb;
            bytes[1] = 0x52;
            bytes[2] = (byte) 0x90;
            Bin.ascii(bytes, 3, "NTFS    ");
            Bin.u16(bytes, 0x0b, 512);
            bytes[0x0d] = (byte) (CLUSTER / 512);
            Bin.u64(bytes, 0x28, VOLUME / 512 - 1);
            Bin.u64(bytes, 0x30, MFT_LCN);
            Bin.u64(bytes, 0x38, 200);
            bytes[0x40] = (byte) -Integer.numberOfTrailingZeros(recordSize); // 2^-n bytes: under a cluster
            bytes[0x44] = 1; // one cluster per index block
            bytes[510] = 0x55;
            bytes[511] = (byte) 0xaa;
        }

        /** $MFT's unnamed $DATA: records 0..15 at MFT_LCN, 16..31 at MFT_SECOND_LCN. */
        private byte[] mftRecord(int clusters) {
            ByteArrayOutputStream pairs = new ByteArrayOutputStream();
            pairs.writeBytes(run(clusters, MFT_LCN));
            pairs.writeBytes(run(clusters, MFT_SECOND_LCN - MFT_LCN));
            pairs.write(0);
            return nonResident(0x80, "", 2L * clusters * CLUSTER, pairs.toByteArray());
        }

        private byte[] volumeInformation() {
            byte[] v = new byte[12];
            v[8] = 3;
            v[9] = 1;
            Bin.u16(v, 10, volumeFlags);
            return v;
        }

        /** The root: its $INDEX_ROOT, and an $INDEX_ALLOCATION of one block with its $BITMAP. */
        private byte[] root() {
            byte[] rootEntries = hiberfileIndex.equals("root") ? concat(entry("$MFT", 0), entry("hIbErFiL.SyS",
                    HIBERFILE_RECORD | ((long) HIBERFILE_SEQUENCE << 48)), last(false)) : concat(entry("$MFT", 0),
                    last(hiberfileIndex.equals("block")));
            byte[] indexRoot = new byte[16 + 16 + rootEntries.length];
            Bin.u32(indexRoot, 0, 0x30);
            Bin.u32(indexRoot, 4, 1);
            Bin.u32(indexRoot, 8, CLUSTER);
            indexRoot[12] = 1;
            indexHeader(indexRoot, 16, rootEntries);
            byte[] attributes = attribute(0x90, "$I30", indexRoot);
            if (hiberfileIndex.equals("block")) {
                byte[] block = new byte[CLUSTER];
                Bin.ascii(block, 0, "INDX");
                byte[] blockEntries = concat(entry("boot.ini", 30), entry("HIBERFIL.SYS",
                        HIBERFILE_RECORD | ((long) HIBERFILE_SEQUENCE << 48)), last(false));
                indexHeader(block, 0x18, blockEntries);
                fixups(block, 0x28);
                System.arraycopy(block, 0, bytes, (int) (INDEX_LCN * CLUSTER), CLUSTER);
                attributes = concat(attributes, nonResident(0xa0, "$I30", CLUSTER, runs(1, INDEX_LCN)),
                        attribute(0xb0, "$I30", new byte[] {(byte) (indexBlockInUse ? 1 : 0), 0, 0, 0, 0, 0, 0, 0}));
            }
            return attributes;
        }

        /** An index header at {@code at}, its entries right after it (offsets from the header, 8-aligned). */
        private static void indexHeader(byte[] node, int at, byte[] entries) {
            int first = at == 16 ? 16 : 0x40 - 0x18; // INDX: after the header and the update sequence array
            Bin.u32(node, at, first);
            Bin.u32(node, at + 4, first + entries.length);
            Bin.u32(node, at + 8, first + entries.length);
            System.arraycopy(entries, 0, node, at + first, entries.length);
        }

        /** MFT record {@code number}: header, these attributes, the end marker, fixups. */
        private void record(int number, int sequence, byte[] attributes) {
            byte[] r = new byte[recordSize];
            Bin.ascii(r, 0, "FILE");
            Bin.u16(r, 0x10, sequence);
            Bin.u16(r, 0x12, 1);
            int first = align(0x30 + 2 * (recordSize / 512 + 1)); // after the update sequence array: 0x38 in 1 KiB
            Bin.u16(r, 0x14, first);
            Bin.u16(r, 0x16, number == 5 ? 3 : 1); // in use (a directory)
            System.arraycopy(attributes, 0, r, first, attributes.length);
            Bin.u32(r, first + attributes.length, 0xffffffffL);
            Bin.u32(r, 0x18, first + attributes.length + 8);
            Bin.u32(r, 0x1c, recordSize);
            fixups(r, 0x30);
            System.arraycopy(r, 0, bytes, recordOffset(number), recordSize);
        }

        int recordOffset(int number) {
            long byteInMft = (long) number * recordSize;
            long inFirstRun = 16L * recordSize;
            return (int) (byteInMft < inFirstRun ? MFT_LCN * CLUSTER + byteInMft
                    : MFT_SECOND_LCN * CLUSTER + byteInMft - inFirstRun);
        }
    }

    /** The update sequence array at {@code at}: the last two bytes of each 512-byte stride saved, USN put there. */
    private static void fixups(byte[] r, int at) {
        int strides = r.length / 512;
        Bin.u16(r, 4, at);
        Bin.u16(r, 6, strides + 1);
        Bin.u16(r, at, USN);
        for (int i = 1; i <= strides; i++) {
            r[at + 2 * i] = r[i * 512 - 2];
            r[at + 2 * i + 1] = r[i * 512 - 1];
            Bin.u16(r, i * 512 - 2, USN);
        }
    }

    /** A resident attribute: header, name, value. */
    private static byte[] attribute(int type, String name, byte[] value) {
        byte[] n = Bin.utf16le(name);
        int valueOffset = align(24 + n.length);
        byte[] a = new byte[align(valueOffset + value.length)];
        Bin.u32(a, 0, type);
        Bin.u32(a, 4, a.length);
        a[9] = (byte) name.length();
        Bin.u16(a, 10, 24);
        System.arraycopy(n, 0, a, 24, n.length);
        Bin.u32(a, 16, value.length);
        Bin.u16(a, 20, valueOffset);
        System.arraycopy(value, 0, a, valueOffset, value.length);
        return a;
    }

    /** A non-resident attribute: header, name, runlist. */
    private static byte[] nonResident(int type, String name, long size, byte[] pairs) {
        byte[] n = Bin.utf16le(name);
        int runsOffset = align(64 + n.length);
        byte[] a = new byte[align(runsOffset + pairs.length)];
        Bin.u32(a, 0, type);
        Bin.u32(a, 4, a.length);
        a[8] = 1;
        a[9] = (byte) name.length();
        Bin.u16(a, 10, 64);
        System.arraycopy(n, 0, a, 64, n.length);
        Bin.u64(a, 24, (size + CLUSTER - 1) / CLUSTER - 1);
        Bin.u16(a, 32, runsOffset);
        Bin.u64(a, 40, align(size));
        Bin.u64(a, 48, size);
        Bin.u64(a, 56, size);
        System.arraycopy(pairs, 0, a, runsOffset, pairs.length);
        return a;
    }

    /** A runlist of one run: {@code clusters} at {@code lcn}, or sparse for -1. */
    private static byte[] runs(long clusters, long lcn) {
        return concat(lcn < 0 ? sparseRun(clusters) : run(clusters, lcn), new byte[] {0});
    }

    /** One mapping pair: a 4-byte length and a 4-byte signed step. */
    private static byte[] run(long clusters, long step) {
        byte[] p = new byte[9];
        p[0] = 0x44;
        Bin.u32(p, 1, clusters);
        Bin.u32(p, 5, step);
        return p;
    }

    private static byte[] sparseRun(long clusters) {
        byte[] p = new byte[5];
        p[0] = 0x04;
        Bin.u32(p, 1, clusters);
        return p;
    }

    /** An $I30 entry for {@code name}, its $FILE_NAME key. */
    private static byte[] entry(String name, long reference) {
        byte[] n = Bin.utf16le(name);
        int keyLength = 0x42 + n.length;
        byte[] e = new byte[align(16 + keyLength)];
        Bin.u64(e, 0, reference);
        Bin.u16(e, 8, e.length);
        Bin.u16(e, 10, keyLength);
        Bin.u64(e, 16, 5); // the parent: the root
        e[16 + 0x40] = (byte) name.length();
        e[16 + 0x41] = 3;
        System.arraycopy(n, 0, e, 16 + 0x42, n.length);
        return e;
    }

    /** The entry that ends a node, pointing at a subnode (VCN 0) where asked. */
    private static byte[] last(boolean subnode) {
        byte[] e = new byte[subnode ? 24 : 16];
        Bin.u16(e, 8, e.length);
        Bin.u16(e, 12, 0x02 | (subnode ? 0x01 : 0));
        return e;
    }

    private static int align(int n) {
        return (n + 7) & ~7;
    }

    private static long align(long n) {
        return (n + CLUSTER - 1) / CLUSTER * CLUSTER;
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    private static Recovery state(byte[] volume) throws Exception {
        return state(volume, VOLUME);
    }

    private static Recovery state(byte[] volume, long length) throws Exception {
        MemoryDisk disk = new MemoryDisk(VOLUME, 512).write(0, volume);
        ByteBuffer boot = ByteBuffer.wrap(volume, 0, 512).slice().order(ByteOrder.LITTLE_ENDIAN);
        return NtfsVolume.state(disk, 0, length, boot);
    }

    static Volume volume() {
        return new Volume();
    }

    @Test
    void cleanDirtyAndHibernated() throws Exception {
        assertEquals(Recovery.NONE, state(volume().build().bytes), "no hiberfil.sys in the root");
        Volume dirty = volume();
        dirty.volumeFlags = 0x0001;
        assertEquals(Recovery.DIRTY, state(dirty.build().bytes));
        Volume otherFlags = volume();
        otherFlags.volumeFlags = 0x0080 | 0x0004; // as Windows 8 leaves it; upgrade on mount
        assertEquals(Recovery.NONE, state(otherFlags.build().bytes), "only 0x0001 is dirty");
        Volume hibernated = volume();
        hibernated.hiberfileIndex = "root";
        assertEquals(Recovery.HIBERNATED, state(hibernated.build().bytes), "\"hibr\" in its first cluster");
        Volume both = volume();
        both.hiberfileIndex = "root";
        both.volumeFlags = 0x0001;
        assertEquals(Recovery.HIBERNATED, state(both.build().bytes), "the stronger state wins");
    }

    @Test
    void hiberfilSysMustSayHibernated() throws Exception {
        for (String start : new String[] {"HIBR", "Hibr"}) {
            Volume v = volume();
            v.hiberfileIndex = "root";
            v.hiberfileStart = start.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            assertEquals(Recovery.HIBERNATED, state(v.build().bytes), start);
        }
        for (String start : new String[] {"\0\0\0\0", "wake", "RSTR", "hib"}) {
            Volume v = volume();
            v.hiberfileIndex = "root";
            v.hiberfileStart = start.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            assertEquals(Recovery.NONE, state(v.build().bytes), "resumed or zeroed: " + start);
        }
        Volume sparse = volume();
        sparse.hiberfileIndex = "root";
        sparse.sparse = true;
        assertEquals(Recovery.NONE, state(sparse.build().bytes), "a sparse first run reads as zeros");
    }

    @Test
    void aResidentHiberfilSysAndAShortOne() throws Exception {
        Volume big = volume();
        big.recordSize = 8192; // room for a resident value of 4 KiB and more
        big.resident = true;
        big.hiberfileSize = 4096;
        big.hiberfileIndex = "root";
        assertEquals(Recovery.HIBERNATED, state(big.build().bytes));
        Volume zeros = volume();
        zeros.recordSize = 8192;
        zeros.resident = true;
        zeros.hiberfileSize = 4096;
        zeros.hiberfileIndex = "root";
        zeros.hiberfileStart = new byte[4];
        assertEquals(Recovery.NONE, state(zeros.build().bytes));
        Volume small = volume();
        small.resident = true;
        small.hiberfileSize = 100;
        small.hiberfileStart = new byte[4];
        small.hiberfileIndex = "root";
        assertEquals(Recovery.HIBERNATED, state(small.build().bytes),
                "under 4 KiB: ntfs-3g refuses it as a hibernated non-system partition, whatever it holds");
    }

    @Test
    void hiberfilSysInAnIndexBlockInUse() throws Exception {
        Volume inBlock = volume();
        inBlock.hiberfileIndex = "block";
        assertEquals(Recovery.HIBERNATED, state(inBlock.build().bytes));
        Volume free = volume();
        free.hiberfileIndex = "block";
        free.indexBlockInUse = false;
        assertEquals(Recovery.NONE, state(free.build().bytes), "a free block's entries are stale");
        Volume torn = volume();
        torn.hiberfileIndex = "block";
        torn.build();
        torn.bytes[(int) (INDEX_LCN * CLUSTER) + 1022] ^= 1;
        assertEquals(Recovery.UNKNOWN, state(torn.bytes), "an INDX block with a bad fixup");
    }

    @Test
    void brokenStructuresAreUnknown() throws Exception {
        Volume v = volume();
        v.hiberfileIndex = "root";
        v.build();

        byte[] badFixup = v.bytes.clone();
        badFixup[v.recordOffset(3) + 510] ^= 1;
        assertEquals(Recovery.HIBERNATED, state(badFixup), "$Volume unread, hiberfil.sys still found");
        byte[] cleanBadFixup = volume().build().bytes;
        cleanBadFixup[volume().recordOffset(3) + 1023] ^= 1;
        assertEquals(Recovery.UNKNOWN, state(cleanBadFixup), "a torn $Volume: dirty or not is not known");

        byte[] zeroLength = volume().build().bytes;
        Bin.u32(zeroLength, volume().recordOffset(3) + 0x38 + 4, 0);
        assertEquals(Recovery.UNKNOWN, state(zeroLength), "an attribute of length 0");
        byte[] pastRecord = volume().build().bytes;
        Bin.u32(pastRecord, volume().recordOffset(3) + 0x38 + 4, 1024);
        assertEquals(Recovery.UNKNOWN, state(pastRecord), "an attribute past the record");
        byte[] valuePast = volume().build().bytes;
        Bin.u32(valuePast, volume().recordOffset(3) + 0x38 + 16, 4000);
        assertEquals(Recovery.UNKNOWN, state(valuePast), "a value past its attribute");
        byte[] badMagic = volume().build().bytes;
        Bin.ascii(badMagic, volume().recordOffset(5), "BAAD");
        assertEquals(Recovery.UNKNOWN, state(badMagic), "a root record Windows marked bad");

        Volume pastVolume = volume();
        pastVolume.hiberfileIndex = "root";
        pastVolume.hiberfileLcn = VOLUME / CLUSTER - 1; // two clusters from the last one
        assertEquals(Recovery.UNKNOWN, state(pastVolume.build().bytes), "a runlist past the volume");
        Volume farPast = volume();
        farPast.hiberfileIndex = "root";
        farPast.hiberfileLcn = 0x7fff_fff0L;
        assertEquals(Recovery.UNKNOWN, state(farPast.build().bytes));

        byte[] stale = v.bytes.clone();
        Bin.u16(stale, v.recordOffset(HIBERFILE_RECORD) + 0x10, HIBERFILE_SEQUENCE + 1);
        assertEquals(Recovery.UNKNOWN, state(stale), "the record was reused since the entry was written");
        byte[] unused = v.bytes.clone();
        Bin.u16(unused, v.recordOffset(HIBERFILE_RECORD) + 0x16, 0);
        assertEquals(Recovery.UNKNOWN, state(unused), "the record is free");

        byte[] entryPast = v.bytes.clone();
        int rootEntries = v.recordOffset(5) + 0x38 + 0x18 + 8 + 16 + 16; // the attribute's name "$I30" is 8 bytes
        Bin.u16(entryPast, rootEntries + 8, 2000);
        assertEquals(Recovery.UNKNOWN, state(entryPast), "an index entry past the index");

        assertEquals(Recovery.UNKNOWN, state(v.bytes, 20 * CLUSTER), "a volume cut short before the MFT's end");
    }

    @Test
    void bootSectorsOutOfBoundsAreUnknown() throws Exception {
        int[][] edits = {
            {0x40, 0xef}, // 2^17-byte records
            {0x40, 0xf8}, // 2^8 = 256 bytes: in the boot sector's bounds, not in the fixups' (one stride is 512)
            {0x40, 0}, {0x44, 0}, {0x44, 0x80}, // 2^128
            {0x0b, 0, 0x20}, // 8192-byte sectors
            {0x0b, 0x00, 0x03}, // 768
            {0x0d, 0}, {0x0d, 3}, {0x0d, 0xf3}, // 2^13 sectors of 512: 4 MiB clusters
            {0x30, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f}, {0x30, 0xff, 0}, // the MFT past the volume
        };
        for (int[] edit : edits) {
            byte[] b = volume().build().bytes;
            for (int i = 1; i < edit.length; i++) {
                b[edit[0] + i - 1] = (byte) edit[i];
            }
            assertEquals(Recovery.UNKNOWN, state(b), "byte 0x" + Integer.toHexString(edit[0]) + " edited");
        }
    }

    @Test
    void theBootSectorsBounds() {
        byte[] b = volume().build().bytes;
        b[0x0d] = (byte) 0xf4; // 2^12 sectors of 512: 2 MiB clusters, the largest Windows formats
        b[0x30] = 0;
        b[0x40] = (byte) 0xf0; // 64 KiB records
        b[0x44] = (byte) 0xf7; // 512-byte index blocks
        assertEquals(java.util.Optional.of(new NtfsBootSector(2 << 20, 0, 65536, 512)),
                NtfsBootSector.parse(ByteBuffer.wrap(b, 0, 512), 16L << 20));
        assertEquals(java.util.Optional.empty(), NtfsBootSector.parse(ByteBuffer.wrap(b, 0, 512), 16 * 65536 - 1),
                "the 16 system records must fit in the volume");
        b[0x0d] = (byte) 0x80;
        b[0x40] = 2; // two clusters of 64 KiB
        b[0x30] = 1;
        assertEquals(java.util.Optional.empty(), NtfsBootSector.parse(ByteBuffer.wrap(b, 0, 512), 1L << 30),
                "128 KiB records");
        b[0x40] = 1;
        assertEquals(java.util.Optional.of(new NtfsBootSector(65536, 65536, 65536, 512)),
                NtfsBootSector.parse(ByteBuffer.wrap(b, 0, 512), 1L << 30), "one cluster of 64 KiB");
    }

    @Test
    void noHostileByteThrows() throws Exception {
        Volume v = volume();
        v.hiberfileIndex = "block";
        v.build();
        Random random = new Random(14);
        int[] structures = {v.recordOffset(0), v.recordOffset(3), v.recordOffset(5), v.recordOffset(HIBERFILE_RECORD),
            (int) (INDEX_LCN * CLUSTER)};
        for (int i = 0; i < 1000; i++) {
            byte[] b = v.bytes.clone();
            int at = structures[i % structures.length];
            for (int k = 0; k < 1 + random.nextInt(4); k++) {
                b[at + random.nextInt(1024)] = (byte) random.nextInt(256);
            }
            assertDoesNotThrow(() -> state(b), "edit " + i);
        }
    }

    @Test
    void probeReadsTheStateOfAnNtfsPartition() throws Exception {
        Volume v = volume();
        v.volumeFlags = 1;
        v.build();
        long start = 3 * 1024 * 1024;
        MemoryDisk disk = new MemoryDisk(start + VOLUME, 512).write(start, v.bytes);
        FileSystem fs = FileSystems.probe(disk, start, VOLUME).orElseThrow();
        assertEquals(Type.NTFS, fs.type());
        assertEquals(Recovery.DIRTY, fs.recovery());
        assertEquals(true, fs.needsRecovery());
        MemoryDisk cut = new MemoryDisk(start + 6 * CLUSTER, 512).write(start, java.util.Arrays.copyOf(v.bytes,
                6 * CLUSTER));
        assertEquals(Recovery.UNKNOWN, FileSystems.probe(cut, start, VOLUME).orElseThrow().recovery(),
                "an image cut short within the MFT");
    }
}
