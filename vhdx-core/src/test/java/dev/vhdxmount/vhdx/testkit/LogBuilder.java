package dev.vhdxmount.vhdx.testkit;

import static dev.vhdxmount.vhdx.testkit.Sizes.MIB;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * The log of a dirty image (MS-VHDX §2.3), obtained from {@link VhdxBuilder#log()}.
 *
 * <p>The builder's content and block states are the image AFTER replay; {@link #entry() active entries} name what
 * the log carries ({@link Entry#bat}, {@link Entry#payload}, {@link Entry#sectorBitmap}, {@link Entry#appendBlock}),
 * and the file on disk then holds the state BEFORE replay for exactly those things (a BAT entry NOT_PRESENT, a
 * payload sector of stale bytes, a sector bitmap with the block's bits clear, a file that ends before the block). So
 * {@link VhdxBuilder#expected()} is the replayed disk, and a reader that ignores the log reads something else.
 *
 * <p>Entries that must NOT be replayed ({@link #tornEntry()}, {@link #foreignEntry}, {@link #staleEntry()}) carry
 * decoys instead: the named BAT entries with a wrong state, payload sectors of "DECOY" bytes, inverted bitmap bits.
 *
 * <p>Entries are placed in the log in the order they are declared, from {@link #startAt} on, each one whole: an
 * entry that does not fit before the end of the log goes to log offset 0, which is how a sequence wraps.
 */
public final class LogBuilder {
    enum Kind { ACTIVE, TORN, FOREIGN, STALE }

    private final VhdxBuilder owner;
    private UUID guid = UUID.randomUUID();
    private long length = MIB;
    private long startAt;
    private long firstSequenceNumber = 1000;
    private boolean referencedByHeader = true;
    final List<Entry> entries = new ArrayList<>();

    LogBuilder(VhdxBuilder owner) {
        this.owner = owner;
    }

    /** The LogGuid of the entries, also written to the headers. Default: random. */
    public LogBuilder guid(UUID logGuid) {
        this.guid = Objects.requireNonNull(logGuid);
        return this;
    }

    public UUID guid() {
        return guid;
    }

    /** Length of the log region (§2.2.2 LogLength): a multiple of 1 MiB. Default 1 MiB. */
    public LogBuilder length(long bytes) {
        if (bytes <= 0 || bytes % MIB != 0) {
            throw new IllegalArgumentException("log length must be a positive multiple of 1 MiB: " + bytes);
        }
        this.length = bytes;
        return this;
    }

    public long length() {
        return length;
    }

    /** Log offset (multiple of 4 KiB) of the first entry declared. Default 0. */
    public LogBuilder startAt(long logOffset) {
        checkLogOffset(logOffset);
        this.startAt = logOffset;
        return this;
    }

    long startAt() {
        return startAt;
    }

    /** SequenceNumber of the first active entry; later active entries count up from it. Default 1000. */
    public LogBuilder firstSequenceNumber(long sequenceNumber) {
        if (sequenceNumber <= 0) {
            throw new IllegalArgumentException("§2.3.1.1: SequenceNumber must be greater than zero");
        }
        this.firstSequenceNumber = sequenceNumber;
        return this;
    }

    long firstSequenceNumber() {
        return firstSequenceNumber;
    }

    /**
     * Leaves the headers' LogGuid zero: the entries are present but the log is not active, so nothing may be replayed
     * (a clean image with leftovers in its log). Every entry then carries decoys.
     */
    public LogBuilder notReferencedByHeader() {
        this.referencedByHeader = false;
        return this;
    }

    boolean referencedByHeader() {
        return referencedByHeader;
    }

    /** The next entry of the active sequence: consecutive SequenceNumber, Tail at the sequence's first entry. */
    public Entry entry() {
        return add(Kind.ACTIVE, guid);
    }

    /**
     * An entry whose checksum is wrong (a torn write). By default it claims to be the next entry of the active
     * sequence (SequenceNumber one more than the active entries declared before it, same Tail), so a reader that
     * skips the CRC check replays its decoys.
     */
    public Entry tornEntry() {
        return add(Kind.TORN, guid).corruptChecksum();
    }

    /** A well-formed entry with another LogGuid; numbered and tailed like {@link #tornEntry()} by default. */
    public Entry foreignEntry(UUID otherLogGuid) {
        if (otherLogGuid.equals(guid)) {
            throw new IllegalArgumentException("a foreign entry needs a LogGuid other than the log's");
        }
        return add(Kind.FOREIGN, otherLogGuid);
    }

    /**
     * A well-formed entry of an older sequence (left over from an earlier lap of the circular log). Stale entries
     * declared one after another form one valid sequence: consecutive numbers well below the active ones, each Tail
     * at the run's first entry.
     */
    public Entry staleEntry() {
        return add(Kind.STALE, guid);
    }

    private Entry add(Kind kind, UUID entryGuid) {
        Entry e = new Entry(this, kind, entryGuid);
        entries.add(e);
        return e;
    }

    static void checkLogOffset(long logOffset) {
        if (logOffset < 0 || logOffset % 4096 != 0) {
            throw new IllegalArgumentException("log offsets are multiples of 4 KiB: " + logOffset);
        }
    }

    /** What one log entry carries and how its header is filled; unset fields get the defaults described above. */
    public static final class Entry {
        /** One thing the entry carries, in declaration order. */
        record Target(Type type, long a, long b, byte[] data) {
            enum Type { BAT, BITMAP, PAYLOAD, APPEND, REWRITE, RAW_DATA, RAW_ZERO }
        }

        private final LogBuilder log;
        final Kind kind;
        final UUID guid;
        final List<Target> targets = new ArrayList<>();
        Long sequenceNumber;
        Long tail;
        Long at;
        Long flushedFileOffset;
        Long lastFileOffset;
        boolean corruptChecksum;

        private Entry(LogBuilder log, Kind kind, UUID guid) {
            this.log = log;
            this.kind = kind;
            this.guid = guid;
        }

        /** Carries the 4 KiB BAT sector holding payload block {@code block}'s entry; on disk that entry is NOT_PRESENT. */
        public Entry bat(long block) {
            targets.add(new Target(Target.Type.BAT, block, 0, null));
            return this;
        }

        /** Carries the sector bitmap sectors holding {@code block}'s bits; on disk those bits are clear. */
        public Entry sectorBitmap(long block) {
            targets.add(new Target(Target.Type.BITMAP, block, 0, null));
            return this;
        }

        /**
         * Carries the 4 KiB file sectors that hold virtual bytes [virtualOffset, +length) (their blocks must have
         * space in the file); on disk those sectors hold stale bytes.
         */
        public Entry payload(long virtualOffset, long length) {
            targets.add(new Target(Target.Type.PAYLOAD, virtualOffset, length, null));
            return this;
        }

        /**
         * The log grows the file: payload block {@code block} is placed at the end of the image, the file written
         * ends before it, and this entry carries its BAT sector, its sector bitmap sectors if it is PARTIALLY_PRESENT,
         * and every 4 KiB sector of it that is not all zeros. LastFileOffset is the full image size. Active entries only.
         */
        public Entry appendBlock(long block) {
            if (kind != Kind.ACTIVE) {
                throw new IllegalStateException("only an active entry can grow the file");
            }
            targets.add(new Target(Target.Type.APPEND, block, 0, null));
            return this;
        }

        /**
         * The log rewrites the 4 KiB of payload at {@code virtualOffset} (4 KiB-aligned; its block must have space in
         * the file) with {@code sector}: a data descriptor at that sector's file offset, resolved when the image is
         * built. In an active entry the replayed disk reads {@code sector} there wherever the disk reads that block
         * from this file ({@link VhdxBuilder#expected()} includes it); the file on disk keeps the written bytes.
         */
        public Entry rewritePayload(long virtualOffset, byte[] sector) {
            if (sector.length != 4096 || virtualOffset % 4096 != 0) {
                throw new IllegalArgumentException("§2.3.1.3: a data descriptor covers one 4 KiB-aligned 4 KiB sector");
            }
            targets.add(new Target(Target.Type.REWRITE, virtualOffset, 4096, sector.clone()));
            return this;
        }

        /**
         * A data descriptor for the 4 KiB sector at {@code fileOffset} with exactly these bytes. Prefer
         * {@link #rewritePayload} for payload: block file offsets move when {@link #appendBlock} is used. In an active entry this
         * is a write the replay makes: if it lands in a payload block that the disk reads from this file,
         * {@link VhdxBuilder#expected()} includes it; anywhere else the test must know what it means.
         */
        public Entry dataSector(long fileOffset, byte[] sector) {
            if (sector.length != 4096 || fileOffset % 4096 != 0) {
                throw new IllegalArgumentException("§2.3.1.3: a data descriptor covers one 4 KiB-aligned 4 KiB sector");
            }
            targets.add(new Target(Target.Type.RAW_DATA, fileOffset, 4096, sector.clone()));
            return this;
        }

        /** A zero descriptor (§2.3.1.2) for [fileOffset, +length), both multiples of 4 KiB; see {@link #dataSector}. */
        public Entry zero(long fileOffset, long length) {
            if (fileOffset % 4096 != 0 || length % 4096 != 0 || length <= 0) {
                throw new IllegalArgumentException("§2.3.1.2: zero descriptors are 4 KiB-aligned, a multiple of 4 KiB long");
            }
            targets.add(new Target(Target.Type.RAW_ZERO, fileOffset, length, null));
            return this;
        }

        public Entry sequenceNumber(long sequenceNumber) {
            this.sequenceNumber = sequenceNumber;
            return this;
        }

        /** The Tail field: log offset of the first entry of the sequence this entry belongs to. */
        public Entry tail(long logOffset) {
            checkLogOffset(logOffset);
            this.tail = logOffset;
            return this;
        }

        /** Places this entry at {@code logOffset}; the entries declared after it follow it. */
        public Entry at(long logOffset) {
            checkLogOffset(logOffset);
            this.at = logOffset;
            return this;
        }

        /** FlushedFileOffset; default: the size of the file written. */
        public Entry flushedFileOffset(long offset) {
            this.flushedFileOffset = offset;
            return this;
        }

        /** LastFileOffset; default: the size of the complete image (larger than the file when the log grows it). */
        public Entry lastFileOffset(long offset) {
            this.lastFileOffset = offset;
            return this;
        }

        /** Stores a wrong checksum (the correct one with all bits flipped). */
        public Entry corruptChecksum() {
            this.corruptChecksum = true;
            return this;
        }

        /** Back to the log, to declare the next entry. */
        public LogBuilder and() {
            return log;
        }

        /** Back to the image builder. */
        public VhdxBuilder done() {
            return log.owner;
        }
    }
}
