package dev.vhdxmount.vhdx.fuzz;

import static dev.vhdxmount.vhdx.testkit.Sizes.KIB;
import static dev.vhdxmount.vhdx.testkit.Sizes.MIB;

import dev.vhdxmount.vhdx.testkit.Bin;
import dev.vhdxmount.vhdx.testkit.Layout;
import dev.vhdxmount.vhdx.testkit.VhdxBuilder;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.UUID;

/**
 * Where the structures and fields of one valid VHDX file lie, found from the spec's fixed offsets and tables alone
 * (MS-VHDX §2: identifier at 0, headers at 64/128 KiB, region tables at 192/256 KiB, then the metadata table, its
 * items, the BAT, sector bitmaps and the log entries they point to). It uses no project parsing code, so that the
 * fuzzer aims at the spec's fields, not at what the reader happens to look at.
 *
 * <p>Built once per seed file; the mutator then edits a copy at these positions.
 */
final class ImageMap {

    enum Kind { FILE_IDENTIFIER, HEADER, REGION_TABLE, METADATA_TABLE, METADATA_ITEM, PARENT_LOCATOR, BAT,
        SECTOR_BITMAP, LOG_ENTRY }

    /** How a field's bytes are mutated. */
    enum Type { INT, GUID, SIGNATURE, FLAGS, BAT_ENTRY, UTF16, BYTES, CHECKSUM }

    /** One field: {@code width} bytes at {@code offset} from the start of its structure. */
    record Field(String name, int offset, int width, Type type) {}

    /**
     * One structure. Its bytes lie at {@code start} on; a log entry lies in the circular log ({@code ringStart},
     * {@code ringLength}) and wraps round its end. {@code crc}: a CRC-32C at byte 4 covers the structure.
     */
    record Structure(Kind kind, String name, long start, int length, long ringStart, long ringLength, boolean crc,
            List<Field> fields) {
        Structure {
            fields = List.copyOf(fields);
        }

        /** File offset of byte {@code relative} of the structure. */
        long fileOffset(long relative) {
            if (ringLength == 0) {
                return start + relative;
            }
            return ringStart + Math.floorMod(start - ringStart + relative, ringLength);
        }
    }

    /** Known GUIDs (§2.2.3.2, §2.6.2, §2.6.2.6): what a GUID mutation swaps in besides the file's own. */
    static final List<UUID> KNOWN_GUIDS = List.of(VhdxBuilder.BAT_REGION, VhdxBuilder.METADATA_REGION,
            VhdxBuilder.FILE_PARAMETERS, VhdxBuilder.VIRTUAL_DISK_SIZE, VhdxBuilder.PAGE_83_DATA,
            VhdxBuilder.LOGICAL_SECTOR_SIZE, VhdxBuilder.PHYSICAL_SECTOR_SIZE, VhdxBuilder.PARENT_LOCATOR,
            VhdxBuilder.VHDX_PARENT_LOCATOR_TYPE);
    private static final UUID BAT_REGION = KNOWN_GUIDS.get(0);
    private static final UUID METADATA_REGION = KNOWN_GUIDS.get(1);
    private static final UUID FILE_PARAMETERS = KNOWN_GUIDS.get(2);
    private static final UUID VIRTUAL_DISK_SIZE = KNOWN_GUIDS.get(3);
    private static final UUID PAGE_83 = KNOWN_GUIDS.get(4);
    private static final UUID LOGICAL_SECTOR = KNOWN_GUIDS.get(5);
    private static final UUID PHYSICAL_SECTOR = KNOWN_GUIDS.get(6);
    private static final UUID PARENT_LOCATOR = KNOWN_GUIDS.get(7);

    private final long fileSize;
    private final List<Structure> structures;
    private final Map<Kind, List<Structure>> byKind = new EnumMap<>(Kind.class);
    private final List<UUID> guids;
    private final List<Long> offsets;
    private final Geometry geometry;
    private final long logOffset;
    private final long logLength;

    /** What the seed's metadata says, for mutations that resize the disk and move the BAT. */
    record Geometry(long virtualSize, int blockSize, int logicalSectorSize, boolean hasParent, long batOffset,
            long batLength, long metadataOffset, long fileParametersAt, long virtualSizeAt, long logicalSectorAt) {
    }

    private ImageMap(long fileSize, List<Structure> structures, Set<UUID> guids, Set<Long> offsets,
            Geometry geometry, long logOffset, long logLength) {
        this.fileSize = fileSize;
        this.structures = List.copyOf(structures);
        for (Kind k : Kind.values()) {
            byKind.put(k, this.structures.stream().filter(s -> s.kind() == k).toList());
        }
        this.guids = List.copyOf(guids);
        this.offsets = List.copyOf(offsets);
        this.geometry = geometry;
        this.logOffset = logOffset;
        this.logLength = logLength;
    }

    long fileSize() {
        return fileSize;
    }

    List<Structure> structures() {
        return structures;
    }

    List<Structure> ofKind(Kind kind) {
        return byKind.get(kind);
    }

    /** Every GUID found in the file (headers, region and item IDs, Page 83, locator type). */
    List<UUID> guids() {
        return guids;
    }

    /** File offsets worth pointing at: structure starts and ends, regions, blocks, the end of the file. */
    List<Long> offsets() {
        return offsets;
    }

    /** Null when the seed's metadata could not be read (it always can for the seeds used). */
    Geometry geometry() {
        return geometry;
    }

    /** LogOffset and LogLength of the current header. */
    long logOffset() {
        return logOffset;
    }

    long logLength() {
        return logLength;
    }

    static ImageMap of(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return new Reader(ch).read();
        }
    }

    /** Reads a seed file front to back in the spec's order. */
    private static final class Reader {
        private final FileChannel ch;
        private final long size;
        private final List<Structure> out = new ArrayList<>();
        private final Set<UUID> guids = new LinkedHashSet<>();
        private final Set<Long> offsets = new LinkedHashSet<>();

        Reader(FileChannel ch) throws IOException {
            this.ch = ch;
            this.size = ch.size();
        }

        ImageMap read() throws IOException {
            out.add(new Structure(Kind.FILE_IDENTIFIER, "file identifier", 0, 520, 0, 0, false, List.of(
                    new Field("Signature", 0, 8, Type.SIGNATURE), new Field("Creator", 8, 512, Type.UTF16))));
            long[] log = headers();
            List<long[]> regions = regionTables();
            long metadataOffset = -1;
            long metadataLength = 0;
            long batOffset = -1;
            long batLength = 0;
            for (long[] r : regions) {
                offsets.add(r[1]);
                offsets.add(r[1] + r[2]);
                if (r[0] == 0) {
                    batOffset = r[1];
                    batLength = r[2];
                } else if (r[0] == 1) {
                    metadataOffset = r[1];
                    metadataLength = r[2];
                }
            }
            Geometry geometry = null;
            if (metadataOffset >= 0) {
                geometry = metadata(metadataOffset, metadataLength, batOffset, batLength);
            }
            if (geometry != null && batOffset >= 0) {
                bat(geometry);
            }
            if (log[1] > 0 && log[0] >= MIB && log[0] + log[1] <= size) {
                logEntries(log[0], log[1]);
            }
            for (long o : new long[] {0, 64 * KIB, 128 * KIB, 192 * KIB, 256 * KIB, MIB, size}) {
                offsets.add(o);
            }
            return new ImageMap(size, out, guids, offsets, geometry, log[0], log[1]);
        }

        /** Both headers (§2.2.2); returns the current one's LogOffset and LogLength. */
        private long[] headers() throws IOException {
            long[] best = {0, 0};
            Long bestSequence = null;
            for (int n = 1; n <= 2; n++) {
                long at = n * 64L * KIB;
                ByteBuffer b = read(at, 4096);
                out.add(new Structure(Kind.HEADER, "header " + n, at, 4096, 0, 0, true, List.of(
                        new Field("Signature", 0, 4, Type.SIGNATURE),
                        new Field("Checksum", 4, 4, Type.CHECKSUM),
                        new Field("SequenceNumber", 8, 8, Type.INT),
                        new Field("FileWriteGuid", 16, 16, Type.GUID),
                        new Field("DataWriteGuid", 32, 16, Type.GUID),
                        new Field("LogGuid", 48, 16, Type.GUID),
                        new Field("LogVersion", 64, 2, Type.INT),
                        new Field("Version", 66, 2, Type.INT),
                        new Field("LogLength", 68, 4, Type.INT),
                        new Field("LogOffset", 72, 8, Type.INT),
                        new Field("Reserved", 80, 8, Type.INT))));
                for (int g = 16; g <= 48; g += 16) {
                    addGuid(b, g);
                }
                if (b.getInt(0) == 0x64616568 && crcOk(b, 4096)
                        && (bestSequence == null || Long.compareUnsigned(b.getLong(8), bestSequence) > 0)) {
                    bestSequence = b.getLong(8);
                    best = new long[] {b.getLong(72), Integer.toUnsignedLong(b.getInt(68))};
                }
            }
            offsets.add(best[0]);
            offsets.add(best[0] + best[1]);
            return best;
        }

        /** Both region tables (§2.2.3); returns {kind (0 BAT, 1 metadata, 2 other), offset, length} of table 1's entries. */
        private List<long[]> regionTables() throws IOException {
            List<long[]> regions = new ArrayList<>();
            for (int n = 1; n <= 2; n++) {
                long at = (n + 2) * 64L * KIB;
                ByteBuffer b = read(at, 64 * KIB);
                long count = Math.min(Integer.toUnsignedLong(b.getInt(8)), 64);
                List<Field> fields = new ArrayList<>(List.of(
                        new Field("Signature", 0, 4, Type.SIGNATURE),
                        new Field("Checksum", 4, 4, Type.CHECKSUM),
                        new Field("EntryCount", 8, 4, Type.INT),
                        new Field("Reserved", 12, 4, Type.INT)));
                // one slot past the last entry too: raising EntryCount then reaches a crafted entry
                for (int i = 0; i <= count; i++) {
                    int e = 16 + 32 * i;
                    fields.add(new Field("entry " + i + " Guid", e, 16, Type.GUID));
                    fields.add(new Field("entry " + i + " FileOffset", e + 16, 8, Type.INT));
                    fields.add(new Field("entry " + i + " Length", e + 24, 4, Type.INT));
                    fields.add(new Field("entry " + i + " Required", e + 28, 4, Type.FLAGS));
                    if (i < count) {
                        UUID g = addGuid(b, e);
                        if (n == 1 || regions.isEmpty()) {
                            regions.add(new long[] {g.equals(BAT_REGION) ? 0 : g.equals(METADATA_REGION) ? 1 : 2,
                                    b.getLong(e + 16), Integer.toUnsignedLong(b.getInt(e + 24))});
                        }
                    }
                }
                out.add(new Structure(Kind.REGION_TABLE, "region table " + n, at, 64 * KIB, 0, 0, true, fields));
            }
            return regions;
        }

        /** The metadata table and its items (§2.6); returns the disk's geometry. */
        private Geometry metadata(long regionOffset, long regionLength, long batOffset, long batLength)
                throws IOException {
            ByteBuffer t = read(regionOffset, 64 * KIB);
            int count = Math.min(Short.toUnsignedInt(t.getShort(10)), 64);
            List<Field> fields = new ArrayList<>(List.of(
                    new Field("Signature", 0, 8, Type.SIGNATURE),
                    new Field("Reserved", 8, 2, Type.INT),
                    new Field("EntryCount", 10, 2, Type.INT),
                    new Field("Reserved2", 12, 4, Type.INT)));
            long blockSize = 0;
            long virtualSize = 0;
            long logical = 512;
            boolean hasParent = false;
            long fpAt = -1;
            long vsAt = -1;
            long lsAt = -1;
            for (int i = 0; i <= count; i++) {
                int e = 32 + 32 * i;
                fields.add(new Field("entry " + i + " ItemId", e, 16, Type.GUID));
                fields.add(new Field("entry " + i + " Offset", e + 16, 4, Type.INT));
                fields.add(new Field("entry " + i + " Length", e + 20, 4, Type.INT));
                fields.add(new Field("entry " + i + " Flags", e + 24, 4, Type.FLAGS));
                fields.add(new Field("entry " + i + " Reserved", e + 28, 4, Type.INT));
                if (i == count) {
                    break;
                }
                UUID id = addGuid(t, e);
                long offset = Integer.toUnsignedLong(t.getInt(e + 16));
                int length = (int) Math.min(Integer.toUnsignedLong(t.getInt(e + 20)), MIB);
                if (length == 0 || offset + length > regionLength) {
                    continue;
                }
                long at = regionOffset + offset;
                offsets.add(at);
                ByteBuffer item = read(at, length);
                if (id.equals(FILE_PARAMETERS)) {
                    blockSize = Integer.toUnsignedLong(item.getInt(0));
                    hasParent = (item.getInt(4) & 2) != 0;
                    fpAt = at;
                    item(at, length, "File Parameters", new Field("BlockSize", 0, 4, Type.INT),
                            new Field("Flags", 4, 4, Type.FLAGS));
                } else if (id.equals(VIRTUAL_DISK_SIZE)) {
                    virtualSize = item.getLong(0);
                    vsAt = at;
                    item(at, length, "Virtual Disk Size", new Field("VirtualDiskSize", 0, 8, Type.INT));
                } else if (id.equals(PAGE_83)) {
                    addGuid(item, 0);
                    item(at, length, "Page 83 Data", new Field("VirtualDiskId", 0, 16, Type.GUID));
                } else if (id.equals(LOGICAL_SECTOR)) {
                    logical = Integer.toUnsignedLong(item.getInt(0));
                    lsAt = at;
                    item(at, length, "Logical Sector Size", new Field("LogicalSectorSize", 0, 4, Type.INT));
                } else if (id.equals(PHYSICAL_SECTOR)) {
                    item(at, length, "Physical Sector Size", new Field("PhysicalSectorSize", 0, 4, Type.INT));
                } else if (id.equals(PARENT_LOCATOR)) {
                    parentLocator(at, item, length);
                } else {
                    item(at, length, "item " + id, new Field("Data", 0, Math.min(length, 64), Type.BYTES));
                }
            }
            out.add(new Structure(Kind.METADATA_TABLE, "metadata table", regionOffset, 64 * KIB, 0, 0, false,
                    fields));
            if (blockSize < MIB || blockSize > 256L * MIB || Long.bitCount(blockSize) != 1
                    || (logical != 512 && logical != 4096) || virtualSize <= 0) {
                return null;
            }
            return new Geometry(virtualSize, (int) blockSize, (int) logical, hasParent, batOffset, batLength,
                    regionOffset, fpAt, vsAt, lsAt);
        }

        private void item(long at, int length, String name, Field... fields) {
            out.add(new Structure(Kind.METADATA_ITEM, name, at, length, 0, 0, false, List.of(fields)));
        }

        /** §2.6.2.6: header, key/value entries, and each key and value string. */
        private void parentLocator(long at, ByteBuffer b, int length) {
            addGuid(b, 0);
            int count = length >= 20 ? Math.min(Short.toUnsignedInt(b.getShort(18)), 32) : 0;
            List<Field> fields = new ArrayList<>(List.of(
                    new Field("LocatorType", 0, 16, Type.GUID),
                    new Field("Reserved", 16, 2, Type.INT),
                    new Field("KeyValueCount", 18, 2, Type.INT)));
            for (int i = 0; i < count && 20 + 12 * i + 12 <= length; i++) {
                int e = 20 + 12 * i;
                fields.add(new Field("entry " + i + " KeyOffset", e, 4, Type.INT));
                fields.add(new Field("entry " + i + " ValueOffset", e + 4, 4, Type.INT));
                fields.add(new Field("entry " + i + " KeyLength", e + 8, 2, Type.INT));
                fields.add(new Field("entry " + i + " ValueLength", e + 10, 2, Type.INT));
                long keyOffset = Integer.toUnsignedLong(b.getInt(e));
                long valueOffset = Integer.toUnsignedLong(b.getInt(e + 4));
                int keyLength = Short.toUnsignedInt(b.getShort(e + 8));
                int valueLength = Short.toUnsignedInt(b.getShort(e + 10));
                if (keyLength > 0 && keyOffset + keyLength <= length) {
                    fields.add(new Field("entry " + i + " key", (int) keyOffset, keyLength, Type.UTF16));
                }
                if (valueLength > 0 && valueOffset + valueLength <= length) {
                    fields.add(new Field("entry " + i + " value", (int) valueOffset, valueLength, Type.UTF16));
                }
            }
            out.add(new Structure(Kind.PARENT_LOCATOR, "parent locator", at, length, 0, 0, false, fields));
        }

        /**
         * The BAT (§2.5): every allocated entry and every sector-bitmap entry, the first and last few, and a
         * deterministic sample of the rest; allocated sector bitmaps become structures of their own.
         */
        private void bat(Geometry g) throws IOException {
            long entries = Math.min(Layout.batEntries(g.virtualSize(), g.blockSize(), g.logicalSectorSize(),
                    g.hasParent()), g.batLength() / 8);
            long ratio = Layout.chunkRatio(g.logicalSectorSize(), g.blockSize());
            List<Field> fields = new ArrayList<>();
            SplittableRandom sample = new SplittableRandom(entries);
            ByteBuffer page = null;
            long pageStart = -1;
            for (long i = 0; i < entries; i++) {
                long at = g.batOffset() + 8 * i;
                if (at / 4096 != pageStart) {
                    pageStart = at / 4096;
                    page = read(pageStart * 4096, 4096);
                }
                long value = page.getLong((int) (at % 4096));
                boolean bitmap = i % (ratio + 1) == ratio;
                boolean keep = value != 0 || bitmap || i < 16 || i >= entries - 16 || sample.nextInt(64) == 0;
                if (fields.size() < 20_000 && keep) {
                    String what = bitmap ? "sector bitmap entry " + i : "payload entry " + i;
                    fields.add(new Field(what, (int) (8 * i), 8, Type.BAT_ENTRY));
                }
                long offset = (value >>> 20) << 20;
                if (value != 0 && offset > 0) {
                    offsets.add(offset);
                }
                if (bitmap && (value & 7) == 6 && offset >= MIB && offset + MIB <= size) {
                    out.add(new Structure(Kind.SECTOR_BITMAP, "sector bitmap of chunk " + i / (ratio + 1), offset,
                            MIB, 0, 0, false, List.of(new Field("bits", 0, MIB, Type.BYTES))));
                }
            }
            if (!fields.isEmpty()) {
                out.add(new Structure(Kind.BAT, "BAT", g.batOffset(), (int) Math.min(entries * 8, Integer.MAX_VALUE),
                        0, 0, false, fields));
            }
        }

        /** Every 4 KiB of the log that starts with {@code loge} (§2.3.1): header, descriptors, data sectors. */
        private void logEntries(long logOffset, long logLength) throws IOException {
            for (long lo = 0; lo < logLength; lo += 4096) {
                ByteBuffer first = read(logOffset + lo, 64);
                if (first.getInt(0) != 0x65676f6c) {
                    continue;
                }
                long length = Integer.toUnsignedLong(first.getInt(8));
                if (length < 4096 || length % 4096 != 0 || length > logLength) {
                    continue;
                }
                ByteBuffer b = readRing(logOffset, logLength, lo, (int) length);
                long count = Math.min(Integer.toUnsignedLong(b.getInt(24)), (length - 64) / 32);
                List<Field> fields = new ArrayList<>(List.of(
                        new Field("Signature", 0, 4, Type.SIGNATURE),
                        new Field("Checksum", 4, 4, Type.CHECKSUM),
                        new Field("EntryLength", 8, 4, Type.INT),
                        new Field("Tail", 12, 4, Type.INT),
                        new Field("SequenceNumber", 16, 8, Type.INT),
                        new Field("DescriptorCount", 24, 4, Type.INT),
                        new Field("Reserved", 28, 4, Type.INT),
                        new Field("LogGuid", 32, 16, Type.GUID),
                        new Field("FlushedFileOffset", 48, 8, Type.INT),
                        new Field("LastFileOffset", 56, 8, Type.INT)));
                addGuid(b, 32);
                int dataSector = (int) ((64 + 32 * count + 4095) / 4096);
                for (int i = 0; i < count; i++) {
                    int d = 64 + 32 * i;
                    boolean data = b.getInt(d) == 0x63736564;
                    String name = "descriptor " + i + (data ? " (desc)" : " (zero)");
                    fields.add(new Field(name + " Signature", d, 4, Type.SIGNATURE));
                    fields.add(new Field(name + (data ? " TrailingBytes" : " Reserved"), d + 4, 4, Type.INT));
                    fields.add(new Field(name + (data ? " LeadingBytes" : " ZeroLength"), d + 8, 8, Type.INT));
                    fields.add(new Field(name + " FileOffset", d + 16, 8, Type.INT));
                    fields.add(new Field(name + " SequenceNumber", d + 24, 8, Type.INT));
                    offsets.add(b.getLong(d + 16));
                    if (data && (dataSector + 1) * 4096L <= length) {
                        int s = dataSector++ * 4096;
                        String sector = "data sector " + (s / 4096);
                        fields.add(new Field(sector + " Signature", s, 4, Type.SIGNATURE));
                        fields.add(new Field(sector + " SequenceHigh", s + 4, 4, Type.INT));
                        fields.add(new Field(sector + " Data", s + 8, 4084, Type.BYTES));
                        fields.add(new Field(sector + " SequenceLow", s + 4092, 4, Type.INT));
                    }
                }
                out.add(new Structure(Kind.LOG_ENTRY, "log entry at log offset 0x" + Long.toHexString(lo),
                        logOffset + lo, (int) length, logOffset, logLength, true, fields));
            }
        }

        private UUID addGuid(ByteBuffer b, int at) {
            UUID g = Bin.readGuid(b, at);
            guids.add(g);
            return g;
        }

        private ByteBuffer read(long at, int length) throws IOException {
            ByteBuffer b = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
            while (b.hasRemaining() && ch.read(b, at + b.position()) > 0) {
                // keep reading; past the end the bytes stay zero
            }
            return b.clear();
        }

        private ByteBuffer readRing(long ringStart, long ringLength, long logOffset, int length) throws IOException {
            ByteBuffer b = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
            int first = (int) Math.min(length, ringLength - logOffset);
            b.put(read(ringStart + logOffset, first));
            b.put(read(ringStart, length - first));
            return b.clear();
        }
    }

    static boolean crcOk(ByteBuffer b, int length) {
        return b.getInt(4) == Bin.checksum(b.array(), length);
    }

    /** Structures and fields per kind, e.g. {@code HEADER 2 (22 fields), LOG_ENTRY 4 (96 fields)}. */
    @Override
    public String toString() {
        List<String> parts = new ArrayList<>();
        for (Kind k : Kind.values()) {
            List<Structure> of = ofKind(k);
            if (!of.isEmpty()) {
                parts.add(k + " " + of.size() + " (" + of.stream().mapToInt(x -> x.fields().size()).sum()
                        + " fields)");
            }
        }
        return String.join(", ", parts) + "; log at 0x" + Long.toHexString(logOffset) + " length 0x"
                + Long.toHexString(logLength);
    }
}
