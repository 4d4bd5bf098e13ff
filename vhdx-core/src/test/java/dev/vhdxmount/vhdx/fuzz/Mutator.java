package dev.vhdxmount.vhdx.fuzz;

import static dev.vhdxmount.vhdx.testkit.Sizes.KIB;
import static dev.vhdxmount.vhdx.testkit.Sizes.MIB;

import dev.vhdxmount.vhdx.fuzz.ImageMap.Field;
import dev.vhdxmount.vhdx.fuzz.ImageMap.Kind;
import dev.vhdxmount.vhdx.fuzz.ImageMap.Structure;
import dev.vhdxmount.vhdx.fuzz.ImageMap.Type;
import dev.vhdxmount.vhdx.testkit.Bin;
import dev.vhdxmount.vhdx.testkit.Layout;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;

/**
 * Mutates the files of one seed image, aiming at the fields the {@link ImageMap} located, and recomputes the
 * CRC-32C of headers, region tables and log entries so that a mutation reaches the code behind the checksum. Besides
 * single fields: byte flips with and without the CRC fixed, truncation and sparse extension, copies of whole
 * structures (header over header, log entry over log entry, a duplicated metadata entry), and resizing the disk with
 * its BAT moved to the end of the file so that huge virtual sizes get past the "BAT too small" check.
 *
 * <p>Everything it does is drawn from the case's random, so a case is replayed exactly from (seed, case index).
 */
final class Mutator {
    private static final UUID BAT_REGION = ImageMap.KNOWN_GUIDS.get(0);
    private static final Map<Kind, Integer> WEIGHTS = new EnumMap<>(Map.of(
            Kind.FILE_IDENTIFIER, 3, Kind.HEADER, 14, Kind.REGION_TABLE, 12, Kind.METADATA_TABLE, 12,
            Kind.METADATA_ITEM, 14, Kind.PARENT_LOCATOR, 14, Kind.BAT, 16, Kind.SECTOR_BITMAP, 4,
            Kind.LOG_ENTRY, 18));

    private final SeedImage seed;
    private final List<WorkingFile> files;
    private final SplittableRandom r;
    private final List<UUID> allGuids = new ArrayList<>();
    private final List<String> fileNames = new ArrayList<>();
    private final List<String> log = new ArrayList<>();

    Mutator(SeedImage seed, List<WorkingFile> files, SplittableRandom r) {
        this.seed = seed;
        this.files = files;
        this.r = r;
        for (SeedImage.File f : seed.files()) {
            allGuids.addAll(f.map().guids());
            fileNames.add(f.fileName());
        }
    }

    /** Applies one to a dozen mutations; returns what was done, one line each. */
    List<String> mutate() throws IOException {
        int roll = r.nextInt(100);
        int count = roll < 55 ? 1 : roll < 90 ? 2 + r.nextInt(3) : 5 + r.nextInt(12);
        for (int i = 0; i < count; i++) {
            int f = seed.files().size() == 1 || r.nextInt(4) != 0 ? 0 : 1 + r.nextInt(seed.files().size() - 1);
            mutateOnce(f);
        }
        return log;
    }

    private void mutateOnce(int f) throws IOException {
        ImageMap map = seed.files().get(f).map();
        WorkingFile file = files.get(f);
        String prefix = seed.files().get(f).fileName() + ": ";
        int kind = r.nextInt(100);
        if (kind < 58) {
            Structure s = pickStructure(map);
            Field field = s.fields().get(r.nextInt(s.fields().size()));
            log.add(prefix + mutateField(file, map, s, field));
        } else if (kind < 70) {
            Structure s = pickStructure(map);
            log.add(prefix + flipBytes(file, s, true));
        } else if (kind < 76) {
            Structure s = pickStructure(map);
            log.add(prefix + flipBytes(file, s, false));
        } else if (kind < 82) {
            log.add(prefix + resizeFile(file, map));
        } else if (kind < 87) {
            log.add(prefix + copyStructure(file, map));
        } else if (kind < 91) {
            log.add(prefix + resizeDisk(file, map));
        } else if (kind < 95) {
            log.add(prefix + moveRegion(file, map));
        } else if (kind < 98) {
            log.add(prefix + growByLog(file, map));
        } else {
            log.add(prefix + floodLog(file, map));
        }
    }

    /** A kind of structure by weight (among those the file has), then one structure of that kind. */
    private Structure pickStructure(ImageMap map) {
        List<Kind> present = new ArrayList<>();
        int total = 0;
        for (Kind k : Kind.values()) {
            if (!map.ofKind(k).isEmpty()) {
                present.add(k);
                total += WEIGHTS.get(k);
            }
        }
        int pick = r.nextInt(total);
        Kind kind = present.get(present.size() - 1);
        for (Kind k : present) {
            pick -= WEIGHTS.get(k);
            if (pick < 0) {
                kind = k;
                break;
            }
        }
        List<Structure> of = map.ofKind(kind);
        return of.get(r.nextInt(of.size()));
    }

    // ------------------------------------------------------------------------------------------ fields

    private String mutateField(WorkingFile file, ImageMap map, Structure s, Field f) throws IOException {
        byte[] before = readField(file, s, f.offset(), f.width());
        byte[] after;
        String what;
        switch (f.type()) {
            case INT, CHECKSUM -> {
                long current = le(before);
                long v = f.type() == Type.CHECKSUM && r.nextBoolean() ? current ^ (1L << r.nextInt(32))
                        : Values.integer(r, f.width(), current, map.offsets(), file.size());
                after = le(v, f.width());
                what = hex(current) + " -> " + hex(v);
            }
            case GUID -> {
                UUID current = Bin.readGuid(ByteBuffer.wrap(before), 0);
                UUID v = Values.guid(r, current, allGuids);
                after = Bin.guid(v);
                what = current + " -> " + v;
            }
            case SIGNATURE -> {
                after = before.clone();
                if (r.nextInt(3) == 0) {
                    after[r.nextInt(after.length)] ^= (byte) (1 << r.nextInt(8));
                } else {
                    byte[] sig = Values.SIGNATURES.get(r.nextInt(Values.SIGNATURES.size()))
                            .getBytes(StandardCharsets.ISO_8859_1);
                    Arrays.fill(after, (byte) 0);
                    System.arraycopy(sig, 0, after, 0, Math.min(sig.length, after.length));
                }
                what = ascii(before) + " -> " + ascii(after);
            }
            case FLAGS -> {
                long current = le(before);
                long[] choices = {0, 1, 2, 3, 4, 5, 6, 7, current ^ (1L << r.nextInt(4)), current ^ 0x80000000L,
                    Values.mask(-1, f.width())};
                long v = choices[r.nextInt(choices.length)];
                after = le(v, f.width());
                what = hex(current) + " -> " + hex(v);
            }
            case BAT_ENTRY -> {
                long current = le(before);
                long v = batEntry(file, s, current, map);
                after = le(v, 8);
                what = describeBat(current) + " -> " + describeBat(v);
            }
            case UTF16 -> {
                String current = new String(before, StandardCharsets.UTF_16LE);
                if (r.nextInt(4) == 0) {
                    after = before.clone();
                    int at = r.nextInt(Math.max(1, after.length / 2)) * 2;
                    char[] c = {'\0', '\\', '/', '.', ':', '\uD800', '\uFFFF', '{', '}'};
                    char ch = c[r.nextInt(c.length)];
                    if (at + 1 < after.length) {
                        after[at] = (byte) ch;
                        after[at + 1] = (byte) (ch >>> 8);
                    }
                } else {
                    after = Values.utf16(Values.string(r, current, fileNames, allGuids), f.width(), r.nextBoolean());
                }
                what = quote(current) + " -> " + quote(new String(after, StandardCharsets.UTF_16LE));
            }
            default -> { // BYTES
                after = before.clone();
                what = scramble(after);
            }
        }
        writeField(file, s, f.offset(), after);
        boolean crc = s.crc() && f.type() != Type.CHECKSUM;
        if (crc) {
            fixCrc(file, s);
        }
        return s.name() + " " + f.name() + ": " + what + (crc ? " (CRC fixed)" : "");
    }

    private long batEntry(WorkingFile file, Structure bat, long current, ImageMap map) throws IOException {
        int state = (int) (current & 7);
        long offsetMb = current >>> 20;
        long reserved = current & 0xFFFF8L;
        switch (r.nextInt(7)) {
            case 0:
                return (current & ~7L) | r.nextInt(8);
            case 1:
                return (r.nextBoolean() ? 6 : 7) | (interestingMb(file, map) << 20);
            case 2:
                return state | reserved | (interestingMb(file, map) << 20);
            case 3:
                return current | (1L << (3 + r.nextInt(17)));
            case 4:
                return Values.integer(r, 8, current, map.offsets(), file.size());
            case 5: {
                Field other = bat.fields().get(r.nextInt(bat.fields().size()));
                return le(readField(file, bat, other.offset(), 8));
            }
            default:
                return (r.nextBoolean() ? 6 : state) | ((offsetMb + (r.nextBoolean() ? 1 : -1)) << 20);
        }
    }

    private long interestingMb(WorkingFile file, ImageMap map) throws IOException {
        long size = file.size();
        long[] mb = {0, 1, size / MIB, size / MIB - 1, (size + MIB - 1) / MIB,
            (1L << 44) - 1, 1L << 43, (1L << 43) - 1, 1L << 32, r.nextLong() >>> 20,
            map.offsets().get(r.nextInt(map.offsets().size())) / MIB};
        return mb[r.nextInt(mb.length)] & ((1L << 44) - 1);
    }

    /** Flips bits, sets bytes to 0x00/0xff, or fills a run: for data sectors, sector bitmaps, unknown items. */
    private String scramble(byte[] b) {
        int mode = r.nextInt(3);
        if (mode == 0) {
            int n = 1 + r.nextInt(16);
            for (int i = 0; i < n; i++) {
                b[r.nextInt(b.length)] ^= (byte) (1 << r.nextInt(8));
            }
            return n + " bits flipped";
        }
        int from = r.nextInt(b.length);
        int to = Math.min(b.length, from + 1 + r.nextInt(Math.min(b.length, 1 << (1 + r.nextInt(16)))));
        byte fill = mode == 1 ? 0 : (byte) 0xff;
        Arrays.fill(b, from, to, fill);
        return "bytes " + from + ".." + to + " set to " + (fill == 0 ? "0x00" : "0xff");
    }

    // ------------------------------------------------------------------------------------------ raw bytes

    private String flipBytes(WorkingFile file, Structure s, boolean crc) throws IOException {
        int n = 1 + r.nextInt(8);
        List<String> where = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int at = r.nextInt(Math.min(s.length(), 4096 * (r.nextBoolean() ? 1 : 16)));
            byte[] b = readField(file, s, at, 1);
            b[0] = r.nextBoolean() ? (byte) (b[0] ^ (1 << r.nextInt(8))) : (byte) r.nextInt(256);
            writeField(file, s, at, b);
            where.add("+" + at);
        }
        if (crc && s.crc()) {
            fixCrc(file, s);
        }
        return s.name() + ": bytes changed at " + String.join(",", where) + (crc && s.crc() ? " (CRC fixed)" : "");
    }

    private String resizeFile(WorkingFile file, ImageMap map) throws IOException {
        long size = file.size();
        long length;
        if (r.nextInt(4) == 0) {
            long[] grow = {size + 1, size + 4095, size + MIB, (size + MIB - 1) / MIB
                    * MIB, size + (1L << 30), size + r.nextInt(1 << 24)};
            length = grow[r.nextInt(grow.length)];
        } else {
            long[] cut = {0, 7, 8, 519, 520, 64 * 1024 + 100, 128 * 1024 + 4095, 192 * 1024 + 65535, 256 * 1024 + 4,
                MIB, size - 1, size - 512, size - 4096, size - MIB, r.nextLong(Math.max(1, size)),
                map.offsets().get(r.nextInt(map.offsets().size())) + r.nextInt(3) - 1};
            length = Math.max(0, Math.min(size, cut[r.nextInt(cut.length)]));
        }
        file.setLength(length);
        return "file length " + hex(size) + " -> " + hex(length);
    }

    // ------------------------------------------------------------------------------------------ copies

    private String copyStructure(WorkingFile file, ImageMap map) throws IOException {
        switch (r.nextInt(5)) {
            case 0: { // one header over the other, optionally made newer
                int from = r.nextInt(2);
                byte[] h = file.read(KIB * 64L * (from + 1), 4096);
                String bump = "";
                if (r.nextBoolean()) {
                    ByteBuffer b = ByteBuffer.wrap(h).order(ByteOrder.LITTLE_ENDIAN);
                    b.putLong(8, b.getLong(8) + 1);
                    b.putInt(4, Bin.checksum(h, 4096));
                    bump = " with SequenceNumber + 1";
                }
                file.write(KIB * 64L * (2 - from), h);
                return "header " + (from + 1) + " copied over header " + (2 - from) + bump;
            }
            case 1: { // one region table over the other
                int from = r.nextInt(2);
                file.write(KIB * 64L * (4 - from), file.read(KIB * 64L * (3 + from), 64 * 1024));
                return "region table " + (from + 1) + " copied over region table " + (2 - from);
            }
            case 2: { // a log entry copied to another place in the log
                List<Structure> entries = map.ofKind(Kind.LOG_ENTRY);
                if (entries.isEmpty()) {
                    return copyStructure(file, map);
                }
                Structure e = entries.get(r.nextInt(entries.size()));
                byte[] bytes = readField(file, e, 0, e.length());
                long to = r.nextLong(e.ringLength() / 4096) * 4096;
                Structure target = new Structure(Kind.LOG_ENTRY, "copy", e.ringStart() + to, e.length(),
                        e.ringStart(), e.ringLength(), true, List.of());
                writeField(file, target, 0, bytes);
                return e.name() + " copied to log offset " + hex(to);
            }
            case 3: { // a metadata table entry duplicated into the next slot
                List<Structure> tables = map.ofKind(Kind.METADATA_TABLE);
                if (tables.isEmpty()) {
                    return copyStructure(file, map);
                }
                Structure t = tables.get(0);
                byte[] head = file.read(t.start(), 32);
                int count = Short.toUnsignedInt(ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN).getShort(10));
                if (count == 0 || count > 2000) {
                    return "metadata table: no entry to duplicate";
                }
                int from = r.nextInt(count);
                byte[] entry = file.read(t.start() + 32 + 32L * from, 32);
                if (r.nextBoolean()) {
                    entry[24] ^= 1; // the same ID as a user item: a different namespace
                }
                file.write(t.start() + 32 + 32L * count, entry);
                file.write(t.start() + 10, le(count + 1, 2));
                return "metadata table entry " + from + " duplicated as entry " + count;
            }
            default: { // a run of BAT entries copied elsewhere in the BAT
                List<Structure> bats = map.ofKind(Kind.BAT);
                if (bats.isEmpty()) {
                    return copyStructure(file, map);
                }
                Structure bat = bats.get(0);
                Field from = bat.fields().get(r.nextInt(bat.fields().size()));
                Field to = bat.fields().get(r.nextInt(bat.fields().size()));
                int n = 8 * (1 + r.nextInt(64));
                file.write(bat.start() + to.offset(), file.read(bat.start() + from.offset(), n));
                return "BAT: " + n / 8 + " entries from " + from.name() + " copied over " + to.name();
            }
        }
    }

    // ------------------------------------------------------------------------------------------ resize

    /**
     * A new virtual size (up to 64 TiB), sometimes a new block or sector size, with the BAT moved to the end of the
     * file and grown to fit (region tables and metadata items updated, CRCs fixed, the file extended sparsely).
     */
    private String resizeDisk(WorkingFile file, ImageMap map) throws IOException {
        ImageMap.Geometry g = map.geometry();
        if (g == null || g.batOffset() < 0) {
            return resizeFile(file, map);
        }
        int sector = r.nextInt(5) == 0 ? 4608 - g.logicalSectorSize() : g.logicalSectorSize();
        int block = r.nextInt(3) == 0 ? MIB << r.nextInt(9) : g.blockSize();
        long chunk = (1L << 23) * sector;
        long[] sizes = {64L << 40, (64L << 40) - sector, 1L << 40, (4L << 30) + sector, chunk * (1 + r.nextInt(3))
                + block, chunk - sector, g.virtualSize() << (1 + r.nextInt(12)), g.virtualSize() + sector,
                g.virtualSize() + block, (r.nextLong() >>> 21) / sector * sector, sector};
        long size = Math.max(sector, sizes[r.nextInt(sizes.length)] / sector * sector);
        long entries = Layout.batEntries(size, block, sector, g.hasParent());
        long batLength = Math.max(MIB, (entries * 8 + MIB - 1) / MIB * MIB);
        if (batLength > (1L << 30)) {
            return "resize to " + size + " skipped: a BAT of " + hex(batLength) + " bytes";
        }
        long at = (file.size() + MIB - 1) / MIB * MIB + (r.nextBoolean() ? 0 : MIB);
        file.write(at, file.read(g.batOffset(), (int) Math.min(Math.min(g.batLength(), batLength), 8 * MIB)));
        file.setLength(Math.max(file.size(), at + batLength));
        for (Structure table : map.ofKind(Kind.REGION_TABLE)) {
            byte[] t = file.read(table.start(), 64 * 1024);
            ByteBuffer b = ByteBuffer.wrap(t).order(ByteOrder.LITTLE_ENDIAN);
            long count = Math.min(Integer.toUnsignedLong(b.getInt(8)), 2047);
            for (int i = 0; i < count; i++) {
                if (Bin.readGuid(b, 16 + 32 * i).equals(BAT_REGION)) {
                    b.putLong(16 + 32 * i + 16, at);
                    b.putInt(16 + 32 * i + 24, (int) batLength);
                }
            }
            b.putInt(4, Bin.checksum(t, t.length));
            file.write(table.start(), t);
        }
        if (g.virtualSizeAt() >= 0) {
            file.write(g.virtualSizeAt(), le(size, 8));
        }
        if (g.fileParametersAt() >= 0) {
            file.write(g.fileParametersAt(), le(block, 4));
        }
        if (g.logicalSectorAt() >= 0) {
            file.write(g.logicalSectorAt(), le(sector, 4));
        }
        return "disk resized to " + size + " bytes, " + block + "-byte blocks, " + sector + "-byte sectors; BAT of "
                + entries + " entries moved to " + hex(at) + " length " + hex(batLength);
    }

    /**
     * One region moved (in both region tables, CRCs fixed) to an extreme place: the last MiB a signed offset can
     * name, so that its end overflows; the end of the file; over another structure.
     */
    private String moveRegion(WorkingFile file, ImageMap map) throws IOException {
        long size = file.size();
        long top = (Long.MAX_VALUE >>> 20) << 20;
        List<String> done = new ArrayList<>();
        int pick = -1;
        long to = 0;
        for (Structure table : map.ofKind(Kind.REGION_TABLE)) {
            byte[] t = file.read(table.start(), 64 * 1024);
            ByteBuffer b = ByteBuffer.wrap(t).order(ByteOrder.LITTLE_ENDIAN);
            long count = Math.min(Integer.toUnsignedLong(b.getInt(8)), 2047);
            if (count == 0) {
                continue;
            }
            if (pick < 0) {
                pick = r.nextInt((int) count);
                long length = Integer.toUnsignedLong(b.getInt(16 + 32 * pick + 24));
                long[] places = {top, top - length, top - (length & ~(MIB - 1)) + MIB,
                    (size + MIB - 1) / MIB * MIB, size / MIB * MIB,
                    map.offsets().get(r.nextInt(map.offsets().size())) / MIB * MIB, 1L << 44,
                    1L << 62};
                to = Math.max(MIB, places[r.nextInt(places.length)]);
            }
            if (pick < count) {
                b.putLong(16 + 32 * pick + 16, to);
                b.putInt(4, Bin.checksum(t, t.length));
                file.write(table.start(), t);
                done.add(table.name());
            }
        }
        return "region entry " + pick + " moved to " + hex(to) + " in " + String.join(" and ", done);
    }

    /**
     * Every log entry's LastFileOffset (and sometimes FlushedFileOffset) set to an extreme, CRCs fixed: replay
     * then makes the file as seen through the log huge, up to the largest signed offset.
     */
    private String growByLog(WorkingFile file, ImageMap map) throws IOException {
        List<Structure> entries = map.ofKind(Kind.LOG_ENTRY);
        if (entries.isEmpty()) {
            return moveRegion(file, map);
        }
        long[] ends = {Long.MAX_VALUE, Long.MAX_VALUE - 4095, (Long.MAX_VALUE >>> 20) << 20, 1L << 62, 1L << 44,
            64L << 40, file.size() + (1L << 30)};
        long end = ends[r.nextInt(ends.length)];
        boolean flushed = r.nextInt(4) == 0;
        for (Structure e : entries) {
            writeField(file, e, 56, le(end, 8));
            if (flushed) {
                writeField(file, e, 48, le(end, 8));
            }
            fixCrc(file, e);
        }
        return "every log entry's LastFileOffset" + (flushed ? " and FlushedFileOffset" : "") + " set to "
                + hex(end) + " (CRCs fixed)";
    }

    /**
     * The log lengthened (both headers, CRCs fixed, LogGuid set) and sown with entry headers every few KiB, each
     * claiming a long EntryLength: a reader must reject such candidates without reading each claimed length.
     */
    private String floodLog(WorkingFile file, ImageMap map) throws IOException {
        long logOffset = map.logOffset();
        if (logOffset < MIB) {
            return growByLog(file, map);
        }
        // up to the 64 MiB a reader replays; long ones less often, they cost the campaign time
        long length = MIB << (r.nextInt(4) == 0 ? 4 + r.nextInt(3) : r.nextInt(4));
        if (logOffset + length > file.size()) {
            file.setLength(logOffset + length);
        }
        UUID guid = null;
        for (Structure h : map.ofKind(Kind.HEADER)) {
            byte[] b = file.read(h.start(), 4096);
            ByteBuffer hb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
            if (guid == null) {
                UUID current = Bin.readGuid(hb, 48);
                guid = current.equals(new UUID(0, 0)) ? new UUID(r.nextLong(), r.nextLong()) : current;
            }
            System.arraycopy(Bin.guid(guid), 0, b, 48, 16);
            hb.putInt(68, (int) length).putLong(72, logOffset);
            hb.putInt(4, Bin.checksum(b, 4096));
            file.write(h.start(), b);
        }
        int stride = 4096 << r.nextInt(6);
        long claim = r.nextBoolean() ? length : (1 + r.nextLong(length / 4096)) * 4096;
        long count = r.nextInt(3) == 0 ? r.nextInt(1 << 20) : 1 + r.nextInt(4);
        for (long at = 0; at < length; at += stride) {
            ByteBuffer e = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
            e.putInt(0, 0x65676f6c).putInt(4, r.nextInt()).putInt(8, (int) claim).putLong(16, 1000 + at / stride)
                    .putInt(24, (int) count);
            e.put(32, Bin.guid(guid));
            file.write(logOffset + at, e.array());
        }
        return "log made " + hex(length) + " long (LogGuid " + guid + ") with an entry header every " + stride
                + " bytes claiming EntryLength " + hex(claim) + " and " + count + " descriptors";
    }

    // ------------------------------------------------------------------------------------------ bytes

    private static byte[] readField(WorkingFile file, Structure s, long offset, int width) throws IOException {
        if (s.ringLength() == 0) {
            return file.read(s.fileOffset(offset), width);
        }
        byte[] out = new byte[width];
        for (int done = 0; done < width; ) {
            long at = s.fileOffset(offset + done);
            int n = (int) Math.min(width - done, s.ringStart() + s.ringLength() - at);
            System.arraycopy(file.read(at, n), 0, out, done, n);
            done += n;
        }
        return out;
    }

    private static void writeField(WorkingFile file, Structure s, long offset, byte[] bytes) throws IOException {
        if (s.ringLength() == 0) {
            file.write(s.fileOffset(offset), bytes);
            return;
        }
        for (int done = 0; done < bytes.length; ) {
            long at = s.fileOffset(offset + done);
            int n = (int) Math.min(bytes.length - done, s.ringStart() + s.ringLength() - at);
            file.write(at, Arrays.copyOfRange(bytes, done, done + n));
            done += n;
        }
    }

    /** Recomputes the CRC-32C at byte 4: over the structure, or for a log entry over its current EntryLength. */
    private static void fixCrc(WorkingFile file, Structure s) throws IOException {
        int length = s.length();
        if (s.kind() == Kind.LOG_ENTRY) {
            long entryLength = le(readField(file, s, 8, 4));
            if (entryLength >= 4096 && entryLength % 4096 == 0 && entryLength <= s.ringLength()) {
                length = (int) entryLength;
            }
        }
        byte[] b = readField(file, s, 0, length);
        writeField(file, s, 4, le(Bin.checksum(b, length), 4));
    }

    static long le(byte[] b) {
        long v = 0;
        for (int i = Math.min(8, b.length) - 1; i >= 0; i--) {
            v = (v << 8) | (b[i] & 0xFF);
        }
        return v;
    }

    static byte[] le(long v, int width) {
        byte[] b = new byte[width];
        for (int i = 0; i < width; i++) {
            b[i] = (byte) (v >>> (8 * i));
        }
        return b;
    }

    private static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }

    private static String describeBat(long e) {
        return "state " + (e & 7) + (((e >>> 3) & 0x1FFFF) != 0 ? " reserved " + hex((e >>> 3) & 0x1FFFF) : "")
                + " at " + hex((e >>> 20) << 20);
    }

    private static String ascii(byte[] b) {
        StringBuilder s = new StringBuilder("'");
        for (byte x : b) {
            s.append(x >= 32 && x < 127 ? (char) x : '.');
        }
        return s.append("'").toString();
    }

    private static String quote(String s) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            out.append(c >= 32 && c < 127 ? String.valueOf(c) : String.format("\\u%04x", (int) c));
        }
        return out.length() > 90 ? out.substring(0, 90) + "...\"" : out.append('"').toString();
    }

}
