package dev.vhdxmount.mount.partitions;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import dev.vhdxmount.mount.partitions.FileSystem.Recovery;
import dev.vhdxmount.mount.partitions.NtfsRunlist.Run;
import dev.vhdxmount.vhdx.VirtualDisk;

/**
 * Whether an NTFS volume was left in a state its Linux drivers refuse to mount read-write, read from its own MFT:
 * dirty ($Volume's flags: Windows did not unmount it; ntfs3 wants {@code force}, its $LogFile may need replay) or
 * hibernated (hiberfil.sys in the root directory begins "hibr": Windows hibernated, or shut down with Fast Startup,
 * and ntfs-3g will only mount it read-only or with {@code remove_hiberfile}). Hibernated wins when both hold: it is
 * the stronger state, since what Windows keeps in memory is lost by any way in but Windows. Structures that cannot be
 * read or make no sense give {@link Recovery#UNKNOWN}, and the advice then gives the plain read-only way in.
 *
 * <p>Every read is bounded: records and index blocks by the boot sector's sizes (at most 64 KiB), the root index by
 * {@value #MAX_INDEX_BYTES} bytes, every cluster number by the volume's length.
 */
final class NtfsVolume {
    /** How much of the root's $INDEX_ALLOCATION is scanned: a root of tens of thousands of names. */
    static final int MAX_INDEX_BYTES = 4 << 20;
    /** $Volume, whose $VOLUME_INFORMATION holds the flags. */
    static final int VOLUME_RECORD = 3;
    /** The root directory. */
    static final int ROOT_RECORD = 5;
    static final int VOLUME_IS_DIRTY = 0x0001;
    static final String HIBERFILE = "hiberfil.sys";
    /**
     * ntfs-3g's NTFS_HIBERFILE_HEADER_SIZE: a hiberfil.sys shorter than this is refused as a "hibernated non-system
     * partition" whatever it holds (an old Windows convention for a hibernated volume other than C:).
     */
    static final int HIBERFILE_HEADER = 4096;
    private static final int IN_USE = 0x0001;

    private final VirtualDisk disk;
    private final long start;
    private final long length;
    private final NtfsBootSector boot;
    private Optional<NtfsRunlist> mftRuns;

    private NtfsVolume(VirtualDisk disk, long start, long length, NtfsBootSector boot) {
        this.disk = disk;
        this.start = start;
        this.length = length;
        this.boot = boot;
    }

    /**
     * The state of the NTFS volume at {@code volumeStart} of {@code disk}, {@code volumeLength} bytes long (none of
     * them past the disk), whose first 512 bytes are {@code bootSector}.
     */
    static Recovery state(VirtualDisk disk, long volumeStart, long volumeLength, ByteBuffer bootSector)
            throws IOException {
        Optional<NtfsBootSector> boot = NtfsBootSector.parse(bootSector, volumeLength);
        if (boot.isEmpty()) {
            return Recovery.UNKNOWN;
        }
        NtfsVolume volume = new NtfsVolume(disk, volumeStart, volumeLength, boot.get());
        try {
            Recovery hibernation = volume.hibernation();
            Recovery dirty = volume.dirtyFlag();
            if (hibernation == Recovery.HIBERNATED) {
                return Recovery.HIBERNATED;
            }
            if (dirty == Recovery.DIRTY) {
                return Recovery.DIRTY;
            }
            return hibernation == Recovery.NONE && dirty == Recovery.NONE ? Recovery.NONE : Recovery.UNKNOWN;
        } catch (PartitionTableException e) {
            return Recovery.UNKNOWN; // past the disk's end: a truncated image
        }
    }

    /** {@link Recovery#DIRTY} if $Volume's $VOLUME_INFORMATION has the dirty flag, else NONE (UNKNOWN if unread). */
    private Recovery dirtyFlag() throws IOException, PartitionTableException {
        Optional<NtfsAttribute> info = record(VOLUME_RECORD).flatMap(NtfsAttribute::list)
                .flatMap(a -> NtfsAttribute.find(a, NtfsAttribute.VOLUME_INFORMATION, ""));
        // 8 reserved bytes, the major and minor version, then the flags
        if (info.isEmpty() || !info.get().resident() || info.get().content().limit() < 12) {
            return Recovery.UNKNOWN;
        }
        int flags = info.get().content().getShort(10) & 0xffff;
        return (flags & VOLUME_IS_DIRTY) != 0 ? Recovery.DIRTY : Recovery.NONE;
    }

    /** {@link Recovery#HIBERNATED} if the root holds a hiberfil.sys that says so, else NONE (UNKNOWN if unread). */
    private Recovery hibernation() throws IOException, PartitionTableException {
        Optional<List<NtfsAttribute>> root = record(ROOT_RECORD).flatMap(NtfsAttribute::list);
        if (root.isEmpty()) {
            return Recovery.UNKNOWN;
        }
        Lookup found = lookUp(root.get());
        if (found.reference().isPresent()) {
            return hiberfile(found.reference().get());
        }
        return found.complete() ? Recovery.NONE : Recovery.UNKNOWN;
    }

    /**
     * Where hiberfil.sys's entry is in the root's $I30 index, if there, and whether the whole index was read (its
     * absence means nothing otherwise).
     */
    private record Lookup(Optional<NtfsIndexEntry> reference, boolean complete) {
        static final Lookup UNREAD = new Lookup(Optional.empty(), false);
    }

    /**
     * A linear scan of the root's index: the $INDEX_ROOT's entries, then every INDX block in use of the
     * $INDEX_ALLOCATION. No B-tree descent: the root is one small index, and a scan needs no ordering to trust.
     */
    private Lookup lookUp(List<NtfsAttribute> root) throws IOException, PartitionTableException {
        Optional<NtfsAttribute> indexRoot = NtfsAttribute.find(root, NtfsAttribute.INDEX_ROOT, "$I30");
        if (indexRoot.isEmpty() || !indexRoot.get().resident()) {
            return Lookup.UNREAD;
        }
        // the indexed attribute type, collation rule, block size, clusters per block, then the index header
        Optional<Lookup> inRoot = search(indexRoot.get().content(), 16);
        if (inRoot.isEmpty() || inRoot.get().reference().isPresent()) {
            return inRoot.orElse(Lookup.UNREAD);
        }
        Optional<NtfsAttribute> allocation = NtfsAttribute.find(root, NtfsAttribute.INDEX_ALLOCATION, "$I30");
        if (allocation.isEmpty()) {
            return new Lookup(Optional.empty(), true); // a small directory: the root holds every entry
        }
        if (allocation.get().resident() || allocation.get().lowestVcn() != 0) {
            return Lookup.UNREAD;
        }
        Optional<NtfsRunlist> runs = runs(allocation.get());
        if (runs.isEmpty()) {
            return Lookup.UNREAD;
        }
        Optional<ByteBuffer> bitmap = NtfsAttribute.find(root, NtfsAttribute.BITMAP, "$I30")
                .filter(NtfsAttribute::resident).map(NtfsAttribute::content);
        int blockSize = boot.indexBlockSize();
        long blocks = allocation.get().dataSize() / blockSize;
        long scanned = Math.min(blocks, MAX_INDEX_BYTES / blockSize);
        for (int i = 0; i < scanned; i++) {
            if (bitmap.isPresent() && !inUse(bitmap.get(), i)) {
                continue; // a free block may still hold the entries of files since deleted
            }
            Optional<ByteBuffer> block = read(runs.get(), (long) i * blockSize, blockSize)
                    .flatMap(b -> MultiSectorRecord.fixUp(b, "INDX"));
            // the block's number, then the index header at 0x18
            Optional<Lookup> inBlock = block.flatMap(b -> search(b, 0x18));
            if (inBlock.isEmpty() || inBlock.get().reference().isPresent()) {
                return inBlock.orElse(Lookup.UNREAD);
            }
        }
        return new Lookup(Optional.empty(), scanned == blocks);
    }

    /** Looks for hiberfil.sys in the index node whose header is at {@code header}; empty if the node is insane. */
    private static Optional<Lookup> search(ByteBuffer node, int header) {
        return NtfsIndexEntry.node(node, header).map(entries -> new Lookup(entries.stream()
                .filter(e -> e.name().toLowerCase(Locale.ROOT).equals(HIBERFILE)).findFirst(), true));
    }

    private static boolean inUse(ByteBuffer bitmap, int block) {
        return block / 8 < bitmap.limit() && (bitmap.get(block / 8) & (1 << (block % 8))) != 0;
    }

    /**
     * Whether hiberfil.sys, named by {@code entry}, says Windows is hibernated: its unnamed $DATA begins "hibr"
     * (Windows writes "HIBR" too, for Fast Startup), or it is shorter than {@value #HIBERFILE_HEADER} bytes.
     *
     * <p>A short hiberfil.sys is taken as hibernated because ntfs-3g takes it so: it refuses such a volume read-write
     * ("Hibernated non-system partition, refused to mount") whatever the file holds, exactly as it refuses one with
     * "hibr", and the advice for HIBERNATED (ro, or ntfs-3g's remove_hiberfile on the overlay) is then what gets the
     * volume mounted; NONE would promise a read-write mount that ntfs-3g does not give.
     */
    private Recovery hiberfile(NtfsIndexEntry entry) throws IOException, PartitionTableException {
        Optional<ByteBuffer> record = record(entry.recordNumber());
        boolean current = record.isPresent()
                && (entry.sequence() == 0 || (record.get().getShort(0x10) & 0xffff) == entry.sequence());
        if (!current) {
            return Recovery.UNKNOWN; // the index names a record that is not (or no longer) the file's
        }
        Optional<List<NtfsAttribute>> attributes = NtfsAttribute.list(record.get());
        if (attributes.isEmpty()) {
            return Recovery.UNKNOWN;
        }
        Optional<NtfsAttribute> data = NtfsAttribute.find(attributes.get(), NtfsAttribute.DATA, "");
        if (data.isEmpty()) {
            return Recovery.UNKNOWN; // in another record, through an $ATTRIBUTE_LIST: not followed
        }
        NtfsAttribute d = data.get();
        if (d.dataSize() < HIBERFILE_HEADER) {
            return Recovery.HIBERNATED;
        }
        if ((d.flags() & (NtfsAttribute.COMPRESSED | NtfsAttribute.ENCRYPTED)) != 0 || d.lowestVcn() != 0) {
            return Recovery.UNKNOWN; // its clusters do not hold its first bytes as they read
        }
        byte[] magic = new byte[4];
        if (d.resident()) {
            d.content().get(0, magic);
        } else if (d.initializedSize() >= magic.length) {
            Optional<NtfsRunlist> runs = runs(d);
            Optional<ByteBuffer> first = runs.isEmpty() ? Optional.empty() : read(runs.get(), 0, magic.length);
            if (first.isEmpty()) {
                return Recovery.UNKNOWN;
            }
            first.get().get(0, magic);
        } // else never written: zeros
        String text = new String(magic, StandardCharsets.ISO_8859_1);
        return text.equalsIgnoreCase("hibr") ? Recovery.HIBERNATED : Recovery.NONE;
    }

    /**
     * MFT record {@code number}, fixed up, if in use. The first 16 lie where the boot sector says; the others where
     * the $MFT's own runlist (record 0) puts them.
     */
    private Optional<ByteBuffer> record(long number) throws IOException, PartitionTableException {
        int size = boot.recordSize();
        Optional<ByteBuffer> raw;
        if (number > Long.MAX_VALUE / 2 / size) {
            return Optional.empty();
        } else if (number < NtfsBootSector.SYSTEM_RECORDS) {
            raw = Optional.of(bytes(boot.mftOffset() + number * size, size));
        } else {
            Optional<NtfsRunlist> runs = mftRuns();
            raw = runs.isEmpty() ? Optional.empty() : read(runs.get(), number * size, size);
        }
        return raw.flatMap(r -> MultiSectorRecord.fixUp(r, "FILE"))
                .filter(r -> (r.getShort(0x16) & IN_USE) != 0);
    }

    /** The $MFT's runlist, read once. */
    private Optional<NtfsRunlist> mftRuns() throws IOException, PartitionTableException {
        if (mftRuns == null) {
            Optional<NtfsRunlist> runs = Optional.empty();
            Optional<ByteBuffer> mft = record(0);
            Optional<NtfsAttribute> data = mft.flatMap(NtfsAttribute::list)
                    .flatMap(a -> NtfsAttribute.find(a, NtfsAttribute.DATA, ""));
            if (data.isPresent() && !data.get().resident() && data.get().lowestVcn() == 0) {
                runs = runs(data.get());
            }
            mftRuns = runs;
        }
        return mftRuns;
    }

    /** The runs of a non-resident attribute, bounded by the volume: no value is longer than the volume. */
    private Optional<NtfsRunlist> runs(NtfsAttribute attribute) {
        long clusters = boot.clusters(length);
        return NtfsRunlist.decode(attribute.content(), clusters, Long.MAX_VALUE / boot.clusterSize() / 2);
    }

    /**
     * Bytes {@code offset}.. of a non-resident value, {@code count} of them (at most 64 KiB), from however many runs
     * hold them; sparse ones read as zeros. Empty if the runs end before them.
     */
    private Optional<ByteBuffer> read(NtfsRunlist runs, long offset, int count)
            throws IOException, PartitionTableException {
        long cluster = boot.clusterSize();
        ByteBuffer out = ByteBuffer.allocate(count).order(ByteOrder.LITTLE_ENDIAN);
        for (Run run : runs.runs()) {
            long runStart = run.vcn() * cluster;
            long runEnd = runStart + run.length() * cluster;
            long from = Math.max(offset, runStart);
            long to = Math.min(offset + count, runEnd);
            if (from >= to) {
                continue;
            }
            if (run.lcn() != NtfsRunlist.SPARSE) {
                ByteBuffer part = bytes(run.lcn() * cluster + (from - runStart), (int) (to - from));
                out.put((int) (from - offset), part, 0, part.limit());
            }
            if (to == offset + count) {
                return Optional.of(out);
            }
        }
        return Optional.empty();
    }

    /** Bytes of the volume, none past its end. */
    private ByteBuffer bytes(long offset, int count) throws IOException, PartitionTableException {
        if (offset < 0 || offset > length - count) {
            throw new PartitionTableException("NTFS structure at byte " + offset + " of the volume lies past its end");
        }
        return DiskBytes.read(disk, start + offset, count, "NTFS structure");
    }
}
