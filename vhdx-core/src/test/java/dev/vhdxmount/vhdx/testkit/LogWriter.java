package dev.vhdxmount.vhdx.testkit;

import static dev.vhdxmount.vhdx.testkit.VhdxBuilder.*;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;

/**
 * The log (§2.3) as bytes: each declared entry's descriptors and data sectors, its place in the circular log, its
 * sequence number and tail, and the image on disk as it was before the active entries were replayed.
 */
final class LogWriter {
    private LogWriter() {}

    record Desc(long fileOffset, long zeroLength, byte[] sector) {}

    record LogPlan(SparseData onDisk, List<BuiltImage.LogEntryInfo> infos) {}

    /**
     * Turns the declared entries into bytes. The image after replay is {@code a.file} plus the raw writes of active
     * entries; the image on disk is {@code a.file} with everything active entries carry put back to its state before
     * replay. Each active entry's sectors show the state after that entry, so replaying only part of a sequence
     * gives a recognisably different disk.
     */
    static LogPlan planLog(VhdxBuilder builder, VhdxBuilder.Assembly a) {
        Layout l = a.layout();
        SparseData after = a.file().copy();
        SparseData onDisk = a.file().copy();
        if (builder.log == null) {
            return new LogPlan(onDisk, List.of());
        }
        boolean replayable = builder.log.referencedByHeader();
        // pass 1: what active entries carry, so the disk can hold its state before replay
        TreeSet<Long> staleBat = new TreeSet<>();
        TreeSet<Long> stalePayload = new TreeSet<>();
        TreeSet<Long> staleBitmaps = new TreeSet<>();
        for (LogBuilder.Entry e : builder.log.entries) {
            if (!(replayable && e.kind == LogBuilder.Kind.ACTIVE)) {
                continue;
            }
            for (LogBuilder.Entry.Target target : e.targets) {
                LogBuilder.Entry.Target t = resolve(builder, target, l);
                switch (t.type()) {
                    case BAT -> staleBat.add(l.payloadBatIndex(t.a()));
                    case BITMAP -> staleBitmaps.add(t.a());
                    case PAYLOAD -> stalePayload.addAll(payloadSectors(builder, l, t.a(), t.b()));
                    case APPEND -> {
                        staleBat.add(l.payloadBatIndex(t.a()));
                        if (a.plan().state(t.a()) == PAYLOAD_BLOCK_PARTIALLY_PRESENT) {
                            staleBitmaps.add(t.a());
                        }
                    }
                    case RAW_DATA -> after.write(t.a(), t.data());
                    case RAW_ZERO -> after.clear(t.a(), t.b());
                    case REWRITE -> throw new AssertionError("resolved above");
                }
            }
        }
        for (long idx : staleBat) {
            onDisk.write(l.batEntryOffset(idx), new byte[8]); // NOT_PRESENT
        }
        for (long fo : stalePayload) {
            onDisk.write(fo, filler("STALE-SECTOR-" + fo + "-"));
        }
        for (long b : staleBitmaps) {
            onDisk.write(bitmapByteRange(builder, l, b), new byte[builder.blockSize / builder.logicalSectorSize / 8]);
        }
        for (long b : a.plan().appended) {
            onDisk.clear(l.blockOffset(b), builder.blockSize);
        }
        // pass 2: the descriptors of every entry, active ones advancing "current" towards "after"
        SparseData current = onDisk.copy();
        List<List<Desc>> descs = new ArrayList<>();
        for (LogBuilder.Entry e : builder.log.entries) {
            boolean applied = replayable && e.kind == LogBuilder.Kind.ACTIVE;
            List<Desc> d = new ArrayList<>();
            for (LogBuilder.Entry.Target target : e.targets) {
                LogBuilder.Entry.Target t = resolve(builder, target, l);
                switch (t.type()) {
                    case BAT -> d.add(batDesc(builder, l, t.a(), applied, current, after));
                    case BITMAP -> d.addAll(bitmapDescs(builder, l, t.a(), applied, current, after));
                    case PAYLOAD -> {
                        for (long fo : payloadSectors(builder, l, t.a(), t.b())) {
                            if (applied) {
                                current.write(fo, after.read(fo, SECTOR));
                                d.add(new Desc(fo, 0, current.read(fo, SECTOR)));
                            } else {
                                d.add(new Desc(fo, 0, filler("DECOY-SECTOR-" + fo + "-")));
                            }
                        }
                    }
                    case APPEND -> {
                        d.add(batDesc(builder, l, t.a(), true, current, after));
                        if (a.plan().state(t.a()) == PAYLOAD_BLOCK_PARTIALLY_PRESENT) {
                            d.addAll(bitmapDescs(builder, l, t.a(), true, current, after));
                        }
                        long base = l.blockOffset(t.a());
                        for (long fo = base; fo < base + builder.blockSize; fo += SECTOR) {
                            if (!after.isClear(fo, SECTOR)) {
                                byte[] s = after.read(fo, SECTOR);
                                if (!isZero(s)) {
                                    current.write(fo, s);
                                    d.add(new Desc(fo, 0, s));
                                }
                            }
                        }
                    }
                    case RAW_DATA -> {
                        if (applied) {
                            current.write(t.a(), t.data());
                        }
                        d.add(new Desc(t.a(), 0, t.data()));
                    }
                    case RAW_ZERO -> {
                        if (applied) {
                            current.clear(t.a(), t.b());
                        }
                        d.add(new Desc(t.a(), t.b(), null));
                    }
                    case REWRITE -> throw new AssertionError("resolved above");
                }
            }
            descs.add(d);
        }
        // placement in the circular log, then sequence numbers and tails
        int n = builder.log.entries.size();
        long[] pos = new long[n];
        int[] len = new int[n];
        long next = builder.log.startAt();
        for (int i = 0; i < n; i++) {
            LogBuilder.Entry e = builder.log.entries.get(i);
            len[i] = entryLength(descs.get(i));
            if (len[i] > l.logLength()) {
                throw new IllegalStateException("log entry " + i + " (" + len[i] + " bytes) is larger than the log");
            }
            if (e.at != null) {
                next = e.at;
            }
            if (next + len[i] > l.logLength()) {
                next = 0; // §2.3: the log is circular; an entry that does not fit at the end starts over at 0
            }
            pos[i] = next;
            next = (next + len[i]) % l.logLength();
        }
        checkNoOverlap(pos, len);
        long[] seq = new long[n];
        long[] tail = new long[n];
        Long firstActivePos = null;
        long lastActiveSeq = builder.log.firstSequenceNumber() - 1;
        int active = 0;
        int staleRun = 0;
        long runStartPos = 0;
        int runIndex = 0;
        for (int i = 0; i < n; i++) {
            LogBuilder.Entry e = builder.log.entries.get(i);
            switch (e.kind) {
                case ACTIVE -> {
                    seq[i] = e.sequenceNumber != null ? e.sequenceNumber : builder.log.firstSequenceNumber() + active;
                    active++;
                    lastActiveSeq = seq[i];
                    if (firstActivePos == null) {
                        firstActivePos = pos[i];
                    }
                    tail[i] = firstActivePos;
                }
                case TORN, FOREIGN -> {
                    seq[i] = e.sequenceNumber != null ? e.sequenceNumber : lastActiveSeq + 1;
                    tail[i] = firstActivePos != null ? firstActivePos : pos[i];
                }
                case STALE -> {
                    if (i == 0 || builder.log.entries.get(i - 1).kind != LogBuilder.Kind.STALE) {
                        staleRun++;
                        runStartPos = pos[i];
                        runIndex = 0;
                    }
                    long base = builder.log.firstSequenceNumber() - 100L * staleRun;
                    if (e.sequenceNumber == null && base <= 0) {
                        throw new IllegalStateException("firstSequenceNumber too small to number stale entries below it");
                    }
                    seq[i] = e.sequenceNumber != null ? e.sequenceNumber : base + runIndex;
                    runIndex++;
                    tail[i] = runStartPos;
                }
            }
            if (e.tail != null) {
                tail[i] = e.tail;
            }
        }
        List<BuiltImage.LogEntryInfo> infos = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            LogBuilder.Entry e = builder.log.entries.get(i);
            long flushed = e.flushedFileOffset != null ? e.flushedFileOffset : l.writtenFileSize();
            long last = e.lastFileOffset != null ? e.lastFileOffset : l.fileSize();
            byte[] bytes = encodeEntry(e.guid, seq[i], tail[i], flushed, last, descs.get(i), e.corruptChecksum);
            onDisk.write(l.logOffset() + pos[i], bytes);
            infos.add(new BuiltImage.LogEntryInfo(pos[i], l.logOffset() + pos[i], bytes.length, seq[i], tail[i],
                    replayable && e.kind == LogBuilder.Kind.ACTIVE));
        }
        return new LogPlan(onDisk, infos);
    }

    /** A {@link LogBuilder.Entry#rewritePayload} target as the raw data descriptor it becomes in this layout. */
    static LogBuilder.Entry.Target resolve(VhdxBuilder builder, LogBuilder.Entry.Target t, Layout l) {
        if (t.type() != LogBuilder.Entry.Target.Type.REWRITE) {
            return t;
        }
        long fo = l.fileOffset(t.a());
        if (fo < 0) {
            throw new IllegalStateException("rewritePayload(" + t.a() + "): block " + t.a() / builder.blockSize
                    + " has no space in the file; write to it or force its state");
        }
        return new LogBuilder.Entry.Target(LogBuilder.Entry.Target.Type.RAW_DATA, fo, t.b(), t.data());
    }

    static void checkNoOverlap(long[] pos, int[] len) {
        TreeMap<Long, Integer> byPos = new TreeMap<>();
        for (int i = 0; i < pos.length; i++) {
            if (byPos.put(pos[i], i) != null) {
                throw new IllegalStateException("two log entries at log offset " + pos[i] + ": the log is too small");
            }
        }
        Map.Entry<Long, Integer> prev = null;
        for (Map.Entry<Long, Integer> e : byPos.entrySet()) {
            if (prev != null && prev.getKey() + len[prev.getValue()] > e.getKey()) {
                throw new IllegalStateException("log entries overlap at log offset " + e.getKey());
            }
            prev = e;
        }
    }

    /** The BAT sector holding block {@code block}'s entry, after this entry (or with a decoy entry value). */
    static Desc batDesc(VhdxBuilder builder, Layout l, long block, boolean applied, SparseData current,
            SparseData after) {
        long entry = l.batEntryOffset(l.payloadBatIndex(block));
        long page = entry / SECTOR * SECTOR;
        if (applied) {
            current.write(entry, after.read(entry, 8));
            return new Desc(page, 0, current.read(page, SECTOR));
        }
        byte[] s = current.read(page, SECTOR);
        long value = Bin.readU64(after.read(entry, 8), 0);
        long decoy = (value & 7) == PAYLOAD_BLOCK_FULLY_PRESENT
                ? PAYLOAD_BLOCK_ZERO
                : PAYLOAD_BLOCK_FULLY_PRESENT | l.metadataOffset(); // would read the metadata table as data
        Bin.u64(s, (int) (entry - page), decoy);
        return new Desc(page, 0, s);
    }

    /** The sector bitmap sectors holding {@code block}'s bits, after this entry (or with the bits inverted). */
    static List<Desc> bitmapDescs(VhdxBuilder builder, Layout l, long block, boolean applied, SparseData current,
            SparseData after) {
        long at = bitmapByteRange(builder, l, block);
        int n = builder.blockSize / builder.logicalSectorSize / 8;
        if (applied) {
            current.write(at, after.read(at, n));
        }
        List<Desc> d = new ArrayList<>();
        for (long page = at / SECTOR * SECTOR; page < at + n; page += SECTOR) {
            byte[] s = current.read(page, SECTOR);
            if (!applied) {
                byte[] good = after.read(page, SECTOR);
                for (long x = Math.max(page, at); x < Math.min(page + SECTOR, at + n); x++) {
                    s[(int) (x - page)] = (byte) ~good[(int) (x - page)];
                }
            }
            d.add(new Desc(page, 0, s));
        }
        return d;
    }

    static long bitmapByteRange(VhdxBuilder builder, Layout l, long block) {
        long at = l.bitmapByteOffset(block * builder.blockSize);
        if (at < 0) {
            throw new IllegalStateException("block " + block + " has no sector bitmap block (not a differencing disk?)");
        }
        return at;
    }

    /** File offsets of the 4 KiB sectors that hold virtual bytes [virtualOffset, +length). */
    static List<Long> payloadSectors(VhdxBuilder builder, Layout l, long virtualOffset, long length) {
        List<Long> r = new ArrayList<>();
        if (virtualOffset < 0 || length <= 0 || virtualOffset + length > builder.virtualSize) {
            throw new IllegalArgumentException("payload range outside the disk");
        }
        for (long v = virtualOffset / SECTOR * SECTOR; v < virtualOffset + length; v += SECTOR) {
            long fo = l.fileOffset(v);
            if (fo < 0) {
                throw new IllegalStateException("the log carries virtual offset " + v + " but its block "
                        + v / builder.blockSize + " has no space in the file; write to it or force its state");
            }
            r.add(fo);
        }
        return r;
    }

    static int entryLength(List<Desc> descs) {
        int data = (int) descs.stream().filter(d -> d.sector() != null).count();
        return (int) Bin.alignUp(64 + 32L * descs.size(), SECTOR) + SECTOR * data;
    }

    /**
     * §2.3.1: entry header (64 bytes), zero (§2.3.1.2) and data (§2.3.1.3) descriptors of 32 bytes, padded to 4 KiB,
     * then one data sector (§2.3.1.4) per data descriptor. A data sector keeps bytes 8..4091 of the 4 KiB it updates;
     * the first 8 bytes go to the descriptor's LeadingBytes and the last 4 to its TrailingBytes, and the sector's
     * own first and last bytes are the "data" signature with SequenceHigh, and SequenceLow. CRC-32C over EntryLength.
     */
    static byte[] encodeEntry(UUID guid, long seq, long tail, long flushed, long last, List<Desc> descs,
            boolean corrupt) {
        int len = entryLength(descs);
        byte[] b = new byte[len];
        Bin.ascii(b, 0, "loge");
        Bin.u32(b, 8, len);
        Bin.u32(b, 12, tail);
        Bin.u64(b, 16, seq);
        Bin.u32(b, 24, descs.size());
        Bin.guid(b, 32, guid);
        Bin.u64(b, 48, flushed);
        Bin.u64(b, 56, last);
        int d = 64;
        int s = (int) Bin.alignUp(64 + 32L * descs.size(), SECTOR);
        for (Desc x : descs) {
            if (x.sector() == null) {
                Bin.ascii(b, d, "zero");
                Bin.u64(b, d + 8, x.zeroLength());
            } else {
                Bin.ascii(b, d, "desc");
                System.arraycopy(x.sector(), SECTOR - 4, b, d + 4, 4); // TrailingBytes
                System.arraycopy(x.sector(), 0, b, d + 8, 8); // LeadingBytes
                Bin.ascii(b, s, "data");
                Bin.u32(b, s + 4, seq >>> 32); // SequenceHigh
                System.arraycopy(x.sector(), 8, b, s + 8, SECTOR - 12);
                Bin.u32(b, s + SECTOR - 4, seq); // SequenceLow
                s += SECTOR;
            }
            Bin.u64(b, d + 16, x.fileOffset());
            Bin.u64(b, d + 24, seq);
            d += 32;
        }
        int crc = Bin.crc32c(b, 0, len);
        Bin.u32(b, 4, corrupt ? ~crc : crc);
        return b;
    }

    static byte[] filler(String text) {
        byte[] t = text.getBytes(StandardCharsets.US_ASCII);
        byte[] s = new byte[SECTOR];
        for (int i = 0; i < SECTOR; i++) {
            s[i] = t[i % t.length];
        }
        return s;
    }

    static boolean isZero(byte[] b) {
        for (byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }
}
