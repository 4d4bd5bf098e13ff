package dev.vhdxmount.vhdx.testkit;

import static dev.vhdxmount.vhdx.testkit.Bin.MIB;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;

/**
 * Writes VHDX images for tests, from the MS-VHDX specification alone (JDK only, no project parsing code), including
 * what qemu-img cannot write: differencing disks, 4096-byte logical sectors, dirty logs, corrupt headers and region
 * tables, unknown regions and metadata items. {@link #expected} says what the virtual disk must read as.
 *
 * <pre>{@code
 * VhdxBuilder b = VhdxBuilder.dynamic(8L << 30).blockSize(1 << 20);
 * b.write(4L << 30, VhdxBuilder.pattern(4096, 1));
 * BuiltImage img = b.build(dir.resolve("a.vhdx"));
 * ExpectedDisk want = b.expected();
 * }</pre>
 *
 * <p>Block rules (§2.5, §2.5.1): {@link #write} allocates every block it touches. In a fixed or dynamic disk such a
 * block is FULLY_PRESENT; in a differencing disk it is PARTIALLY_PRESENT with the sector bitmap bits of the written
 * logical sectors set (or FULLY_PRESENT, with all bits clear, after {@link #fullyPresentWrites}). A fixed disk
 * allocates every block FULLY_PRESENT (LeaveBlocksAllocated = 1). {@link #blockState} overrides a block's BAT state;
 * a block whose state is FULLY_PRESENT or PARTIALLY_PRESENT, or which holds written bytes, gets space in the file
 * whatever its state (so a ZERO block can point at stale data). Sector bitmap entries are interleaved in the BAT of
 * every disk type; sector bitmap blocks are allocated (SB_BLOCK_PRESENT, one 1 MiB block per chunk) only in a
 * differencing disk, as §2.5 says ("in a fixed or dynamic VHDX, the sector bitmap blocks will not be allocated"),
 * unless {@link #allocateSectorBitmaps} asks for them.
 *
 * <p>Files are written sparsely: only non-zero structures and written bytes are stored.
 */
public final class VhdxBuilder {
    public enum Type { FIXED, DYNAMIC, DIFFERENCING }

    /** §2.5.1.1 payload block states. */
    public static final int PAYLOAD_BLOCK_NOT_PRESENT = 0;
    public static final int PAYLOAD_BLOCK_UNDEFINED = 1;
    public static final int PAYLOAD_BLOCK_ZERO = 2;
    public static final int PAYLOAD_BLOCK_UNMAPPED = 3;
    /** The value a pre-release spec used for UNMAPPED; still met in files. */
    public static final int PAYLOAD_BLOCK_UNMAPPED_V0 = 5;
    public static final int PAYLOAD_BLOCK_FULLY_PRESENT = 6;
    public static final int PAYLOAD_BLOCK_PARTIALLY_PRESENT = 7;
    /** §2.5.1.2 sector bitmap block states. */
    public static final int SB_BLOCK_NOT_PRESENT = 0;
    public static final int SB_BLOCK_PRESENT = 6;

    /** §2.2.3.2 known regions. */
    public static final UUID BAT_REGION = UUID.fromString("2DC27766-F623-4200-9D64-115E9BFD4A08");
    public static final UUID METADATA_REGION = UUID.fromString("8B7CA206-4790-4B9A-B8FE-575F050F886E");
    /** §2.6.2 known metadata items. */
    public static final UUID FILE_PARAMETERS = UUID.fromString("CAA16737-FA36-4D43-B3B6-33F0AA44E76B");
    public static final UUID VIRTUAL_DISK_SIZE = UUID.fromString("2FA54224-CD1B-4876-B211-5DBED83BF4B8");
    public static final UUID PAGE_83_DATA = UUID.fromString("BECA12AB-B2E6-4523-93EF-C309E000C746");
    public static final UUID LOGICAL_SECTOR_SIZE = UUID.fromString("8141BF1D-A96F-4709-BA47-F233A8FAAB5F");
    public static final UUID PHYSICAL_SECTOR_SIZE = UUID.fromString("CDA348C7-445D-4471-9CC9-E9885251C556");
    public static final UUID PARENT_LOCATOR = UUID.fromString("A8D35F2D-B30B-454D-ABF7-D3D84834AB0C");
    /** §2.6.2.6 the VHDX parent locator type. */
    public static final UUID VHDX_PARENT_LOCATOR_TYPE = UUID.fromString("B04AEFB7-D19E-4A81-B789-25B8E9445913");

    private static final UUID ZERO_GUID = new UUID(0, 0);
    private static final int SECTOR = 4096;

    private final Type type;
    private final long virtualSize;
    private int blockSize = 32 * MIB;
    private int logicalSectorSize = 512;
    private int physicalSectorSize = 4096;
    private String creator = "vhdx-mount testkit";
    private UUID dataWriteGuid = UUID.randomUUID();
    private UUID fileWriteGuid = UUID.randomUUID();
    private UUID virtualDiskId = UUID.randomUUID();
    private final Header header1 = new Header(1);
    private final Header header2 = new Header(2);
    private boolean corruptRegionTable1;
    private boolean knownRegionsRequired = true;
    private final List<UnknownRegion> unknownRegions = new ArrayList<>();
    private final List<MetadataItem> extraMetadata = new ArrayList<>();
    private final Map<UUID, byte[]> metadataOverrides = new HashMap<>();
    private final Set<UUID> omittedMetadata = new HashSet<>();
    private Map<String, String> parentLocator;
    private UUID parentLocatorType = VHDX_PARENT_LOCATOR_TYPE;
    private boolean fullyPresentWrites;
    private boolean allocateSectorBitmaps;
    private final SparseData content = new SparseData();
    private final TreeMap<Long, Integer> forcedStates = new TreeMap<>();
    private final TreeMap<Long, Long> batOverrides = new TreeMap<>();
    private LogBuilder log;

    private record UnknownRegion(UUID guid, boolean required) {}

    private record MetadataItem(UUID id, byte[] data, boolean isUser, boolean isVirtualDisk, boolean isRequired) {}

    private VhdxBuilder(Type type, long virtualSize) {
        if (virtualSize <= 0 || virtualSize > (64L << 40)) {
            throw new IllegalArgumentException("§2.6.2.2: virtual size must be in (0, 64 TiB]: " + virtualSize);
        }
        this.type = type;
        this.virtualSize = virtualSize;
    }

    /** A fixed disk (§2.6.2.1 LeaveBlocksAllocated = 1): every payload block allocated and FULLY_PRESENT. */
    public static VhdxBuilder fixed(long virtualSize) {
        return new VhdxBuilder(Type.FIXED, virtualSize);
    }

    /** A dynamic disk: only written (or forced) blocks are allocated. */
    public static VhdxBuilder dynamic(long virtualSize) {
        return new VhdxBuilder(Type.DYNAMIC, virtualSize);
    }

    /** A differencing disk (§2.6.2.1 HasParent = 1); give it a parent locator with {@link #parent} or {@link #parentLocator}. */
    public static VhdxBuilder differencing(long virtualSize) {
        return new VhdxBuilder(Type.DIFFERENCING, virtualSize);
    }

    /** Deterministic pseudo-random bytes for test data. */
    public static byte[] pattern(int length, long seed) {
        byte[] b = new byte[length];
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < length; i++) {
            b[i] = (byte) r.nextInt(1, 256); // never zero, so a zero read is always a mismatch
        }
        return b;
    }

    // ---------------------------------------------------------------- parameters

    /** §2.6.2.1 BlockSize: a power of two from 1 MiB to 256 MiB. Default 32 MiB. */
    public VhdxBuilder blockSize(int bytes) {
        if (!Bin.isPowerOfTwo(bytes) || bytes < MIB || bytes > 256 * MIB) {
            throw new IllegalArgumentException("§2.6.2.1: block size must be a power of two in [1 MiB, 256 MiB]: " + bytes);
        }
        this.blockSize = bytes;
        return this;
    }

    /** §2.6.2.4 LogicalSectorSize: 512 or 4096. Default 512. */
    public VhdxBuilder logicalSectorSize(int bytes) {
        if (bytes != 512 && bytes != 4096) {
            throw new IllegalArgumentException("§2.6.2.4: logical sector size must be 512 or 4096: " + bytes);
        }
        this.logicalSectorSize = bytes;
        return this;
    }

    /** §2.6.2.5 PhysicalSectorSize, written as given (512 or 4096 is valid; anything else makes a broken image). Default 4096. */
    public VhdxBuilder physicalSectorSize(int bytes) {
        this.physicalSectorSize = bytes;
        return this;
    }

    /** §2.2.1 Creator (UTF-16, at most 256 characters). */
    public VhdxBuilder creator(String creator) {
        this.creator = Objects.requireNonNull(creator);
        return this;
    }

    /** §2.2.2 DataWriteGuid of both headers (what a child's parent_linkage names). Default: random. */
    public VhdxBuilder dataWriteGuid(UUID guid) {
        this.dataWriteGuid = Objects.requireNonNull(guid);
        return this;
    }

    /** §2.2.2 FileWriteGuid of both headers. Default: random. */
    public VhdxBuilder fileWriteGuid(UUID guid) {
        this.fileWriteGuid = Objects.requireNonNull(guid);
        return this;
    }

    /** §2.6.2.3 Page 83 Data (VirtualDiskId). Default: random. */
    public VhdxBuilder virtualDiskId(UUID guid) {
        this.virtualDiskId = Objects.requireNonNull(guid);
        return this;
    }

    public Type type() {
        return type;
    }

    public long virtualSize() {
        return virtualSize;
    }

    public int blockSize() {
        return blockSize;
    }

    public int logicalSectorSize() {
        return logicalSectorSize;
    }

    public UUID dataWriteGuid() {
        return dataWriteGuid;
    }

    // ---------------------------------------------------------------- headers and regions

    /** Header 1 (file offset 64 KiB); sequence number 1 by default. */
    public Header header1() {
        return header1;
    }

    /** Header 2 (file offset 128 KiB); sequence number 2 by default, so it is the current header. */
    public Header header2() {
        return header2;
    }

    public VhdxBuilder headerSequenceNumbers(long header1Sequence, long header2Sequence) {
        header1.sequenceNumber(header1Sequence);
        header2.sequenceNumber(header2Sequence);
        return this;
    }

    /** Header 1's checksum is wrong; make it the newer header if the test needs the fallback to header 2 to matter. */
    public VhdxBuilder corruptHeader1Checksum() {
        header1.corruptChecksum();
        return this;
    }

    /** Both headers valid, byte-identical, with the same sequence number (as Disk2vhd writes them). */
    public VhdxBuilder identicalHeaders(long sequenceNumber) {
        return headerSequenceNumbers(sequenceNumber, sequenceNumber);
    }

    /** Both headers valid with the same sequence number but different contents (header 1 has another FileWriteGuid). */
    public VhdxBuilder conflictingHeaders(long sequenceNumber) {
        headerSequenceNumbers(sequenceNumber, sequenceNumber);
        header1.fileWriteGuid(UUID.randomUUID());
        return this;
    }

    /** Region table 1 (192 KiB) gets a wrong checksum; region table 2 (256 KiB) stays good. */
    public VhdxBuilder corruptRegionTable1() {
        this.corruptRegionTable1 = true;
        return this;
    }

    /** Whether the BAT and metadata region entries have Required = 1 (Windows sets it, QEMU does not). Default true. */
    public VhdxBuilder knownRegionsRequired(boolean required) {
        this.knownRegionsRequired = required;
        return this;
    }

    /** Adds a 1 MiB region with an unknown GUID to the region table (after the BAT). */
    public VhdxBuilder unknownRegion(UUID guid, boolean required) {
        unknownRegions.add(new UnknownRegion(guid, required));
        return this;
    }

    /** Adds an unknown metadata item (8 bytes of data, IsUser = 0, IsVirtualDisk = 0). */
    public VhdxBuilder unknownMetadata(UUID itemId, boolean isRequired) {
        return metadataItem(itemId, pattern(8, itemId.getLeastSignificantBits()), false, false, isRequired);
    }

    /** Adds a metadata item with the given flags (§2.6.1.2). */
    public VhdxBuilder metadataItem(UUID itemId, byte[] data, boolean isUser, boolean isVirtualDisk, boolean isRequired) {
        extraMetadata.add(new MetadataItem(itemId, data.clone(), isUser, isVirtualDisk, isRequired));
        return this;
    }

    /**
     * Writes {@code data} as the value of a known metadata item instead of the builder's (for invalid values: a
     * block size of 3 MiB, an unaligned virtual size...). The layout still uses the builder's parameters.
     */
    public VhdxBuilder metadataOverride(UUID knownItemId, byte[] data) {
        metadataOverrides.put(knownItemId, data.clone());
        return this;
    }

    /** Leaves a known metadata item out of the table. */
    public VhdxBuilder omitMetadata(UUID knownItemId) {
        omittedMetadata.add(knownItemId);
        return this;
    }

    // ---------------------------------------------------------------- parent locator (differencing)

    /**
     * §2.6.2.6 parent locator entries, written in the map's iteration order as UTF-16LE key/value pairs. Keys:
     * parent_linkage, parent_linkage2, relative_path, volume_path, absolute_win32_path.
     */
    public VhdxBuilder parentLocator(Map<String, String> entries) {
        this.parentLocator = new LinkedHashMap<>(entries);
        return this;
    }

    /** The LocatorType GUID of the parent locator. Default {@link #VHDX_PARENT_LOCATOR_TYPE}. */
    public VhdxBuilder parentLocatorType(UUID locatorType) {
        this.parentLocatorType = Objects.requireNonNull(locatorType);
        return this;
    }

    /**
     * A parent locator naming {@code parent}: parent_linkage = its DataWriteGuid as {@code {xxxxxxxx-...}},
     * relative_path = {@code relativePath} (Windows form, for example {@code .\parent.vhdx}).
     */
    public VhdxBuilder parent(VhdxBuilder parent, String relativePath) {
        if (parent.virtualSize != virtualSize || parent.logicalSectorSize != logicalSectorSize) {
            throw new IllegalArgumentException("parent and child must have the same virtual size and logical sector size");
        }
        Map<String, String> m = new LinkedHashMap<>();
        m.put("parent_linkage", "{" + parent.dataWriteGuid + "}");
        m.put("relative_path", relativePath);
        return parentLocator(m);
    }

    // ---------------------------------------------------------------- content

    /** Stores {@code data} at {@code virtualOffset}, allocating the blocks it touches (see the class comment). */
    public VhdxBuilder write(long virtualOffset, byte[] data) {
        if (virtualOffset < 0 || virtualOffset + data.length > virtualSize) {
            throw new IllegalArgumentException("write [" + virtualOffset + ", +" + data.length + ") outside the disk");
        }
        content.write(virtualOffset, data);
        return this;
    }

    /** Forces payload block {@code block}'s BAT state (0..7, see the PAYLOAD_BLOCK_ constants; 4 is reserved). */
    public VhdxBuilder blockState(long block, int state) {
        if (state < 0 || state > 7) {
            throw new IllegalArgumentException("a BAT state has 3 bits: " + state);
        }
        if (block < 0 || block >= payloadBlocks()) {
            throw new IllegalArgumentException("no payload block " + block);
        }
        forcedStates.put(block, state);
        return this;
    }

    /**
     * Writes {@code value} as BAT entry {@code batIndex}, whatever the plan says (reserved bits 3-19 set, an offset
     * past the end, a bitmap entry in a dynamic disk...). Raw: {@link #expected} does not see it.
     */
    public VhdxBuilder batEntryOverride(long batIndex, long value) {
        batOverrides.put(batIndex, value);
        return this;
    }

    /** Differencing only: written blocks become FULLY_PRESENT (sector bitmap bits left clear) instead of PARTIALLY_PRESENT. */
    public VhdxBuilder fullyPresentWrites(boolean fullyPresent) {
        this.fullyPresentWrites = fullyPresent;
        return this;
    }

    /**
     * Fixed and dynamic disks only: allocate a sector bitmap block (SB_BLOCK_PRESENT, all bits clear) for every chunk
     * whose BAT has a bitmap entry, although §2.5 says they are not allocated there; a reader must ignore them.
     * Differencing disks always have them.
     */
    public VhdxBuilder allocateSectorBitmaps(boolean allocate) {
        this.allocateSectorBitmaps = allocate;
        return this;
    }

    /** The image's log (§2.3); makes the image dirty unless {@link LogBuilder#notReferencedByHeader()}. */
    public LogBuilder log() {
        if (log == null) {
            log = new LogBuilder(this);
        }
        return log;
    }

    private long payloadBlocks() {
        return (virtualSize + blockSize - 1) / blockSize;
    }

    // ---------------------------------------------------------------- the plan: state and allocation of each block

    private final class Plan {
        final long blocks = payloadBlocks();
        final long chunkRatio = Layout.chunkRatio(logicalSectorSize, blockSize);
        /** Every block whose state is not NOT_PRESENT or which has space in the file. */
        final TreeMap<Long, Integer> states = new TreeMap<>();
        final TreeSet<Long> allocated = new TreeSet<>();
        final TreeSet<Long> appended = new TreeSet<>();
        /** Sector bitmap bits (one per logical sector of the block) of PARTIALLY_PRESENT blocks. */
        final TreeMap<Long, BitSet> bits = new TreeMap<>();

        Plan() {
            TreeSet<Long> written = new TreeSet<>();
            content.ranges().forEach((off, len) -> {
                for (long b = off / blockSize; b <= (off + len - 1) / blockSize; b++) {
                    written.add(b);
                }
            });
            TreeSet<Long> candidates = new TreeSet<>(written);
            candidates.addAll(forcedStates.keySet());
            if (type == Type.FIXED) {
                if (blocks > (1 << 22)) {
                    throw new IllegalStateException("a fixed image of " + blocks + " blocks is too large for a test");
                }
                for (long b = 0; b < blocks; b++) {
                    candidates.add(b);
                }
            }
            for (long b : candidates) {
                int st;
                if (forcedStates.containsKey(b)) {
                    st = forcedStates.get(b);
                } else if (type == Type.FIXED) {
                    st = PAYLOAD_BLOCK_FULLY_PRESENT;
                } else if (!written.contains(b)) {
                    st = PAYLOAD_BLOCK_NOT_PRESENT;
                } else if (type == Type.DYNAMIC || fullyPresentWrites) {
                    st = PAYLOAD_BLOCK_FULLY_PRESENT;
                } else {
                    st = PAYLOAD_BLOCK_PARTIALLY_PRESENT;
                }
                boolean alloc = type == Type.FIXED || written.contains(b)
                        || st == PAYLOAD_BLOCK_FULLY_PRESENT || st == PAYLOAD_BLOCK_PARTIALLY_PRESENT;
                if (st != PAYLOAD_BLOCK_NOT_PRESENT || alloc) {
                    states.put(b, st);
                }
                if (alloc) {
                    allocated.add(b);
                }
                if (st == PAYLOAD_BLOCK_PARTIALLY_PRESENT) {
                    bits.put(b, writtenSectors(b));
                }
            }
            if (log != null) {
                for (LogBuilder.Entry e : log.entries) {
                    for (LogBuilder.Entry.Target t : e.targets) {
                        if (t.type() != LogBuilder.Entry.Target.Type.APPEND) {
                            continue;
                        }
                        if (!log.referencedByHeader()) {
                            throw new IllegalStateException("appendBlock needs a log the header references");
                        }
                        int st = state(t.a());
                        if (!allocated.contains(t.a())
                                || (st != PAYLOAD_BLOCK_FULLY_PRESENT && st != PAYLOAD_BLOCK_PARTIALLY_PRESENT)) {
                            throw new IllegalStateException("appendBlock(" + t.a() + "): the block must be written or "
                                    + "forced FULLY_PRESENT / PARTIALLY_PRESENT");
                        }
                        appended.add(t.a());
                    }
                }
            }
        }

        int state(long block) {
            return states.getOrDefault(block, PAYLOAD_BLOCK_NOT_PRESENT);
        }

        /** Bit i = logical sector i of the block intersects a write. */
        private BitSet writtenSectors(long block) {
            BitSet s = new BitSet();
            long start = block * blockSize;
            content.forEach(start, Math.min(blockSize, virtualSize - start), (off, arr, o, n) -> {
                int first = (int) ((off - start) / logicalSectorSize);
                int last = (int) ((off + n - 1 - start) / logicalSectorSize);
                s.set(first, last + 1);
            });
            return s;
        }
    }

    // ---------------------------------------------------------------- layout

    /**
     * The layout the image will have, from the current content, block states and log. Block offsets change when
     * later calls allocate other blocks or {@link LogBuilder.Entry#appendBlock} moves one to the end, so take it after
     * the last such call (or use {@link LogBuilder.Entry#rewritePayload}, which is resolved at build time).
     */
    public Layout layout() {
        return layout(new Plan());
    }

    private Layout layout(Plan p) {
        long logLength = log != null ? log.length() : MIB;
        long logOffset = MIB;
        long metadataOffset = logOffset + logLength;
        long batOffset = metadataOffset + MIB;
        long sbBlocks = (p.blocks + p.chunkRatio - 1) / p.chunkRatio;
        // §2.5: differencing disks have every chunk's bitmap entry; the BAT of fixed and dynamic disks ends at the
        // last payload entry.
        long batEntries = type == Type.DIFFERENCING
                ? sbBlocks * (p.chunkRatio + 1)
                : p.blocks + (p.blocks - 1) / p.chunkRatio;
        long batLength = Bin.alignUp(batEntries * 8, MIB);
        long cursor = batOffset + batLength;
        List<Long> unknown = new ArrayList<>();
        for (int i = 0; i < unknownRegions.size(); i++) {
            unknown.add(cursor);
            cursor += MIB;
        }
        // blocks in BAT order: key = BAT index, value = block (>= 0) or -1 - chunk for a bitmap block
        TreeMap<Long, Long> order = new TreeMap<>();
        Layout probe = new Layout(virtualSize, blockSize, logicalSectorSize, batEntries, logOffset, logLength,
                metadataOffset, MIB, batOffset, batLength, unknown, new TreeMap<>(), new TreeMap<>(), 0, 0);
        for (long b : p.allocated) {
            if (!p.appended.contains(b)) {
                order.put(probe.payloadBatIndex(b), b);
            }
        }
        if (type == Type.DIFFERENCING || allocateSectorBitmaps) {
            for (long c = 0; c < sbBlocks; c++) {
                if (probe.bitmapBatIndex(c) < batEntries) { // a fixed or dynamic BAT ends at its last payload entry
                    order.put(probe.bitmapBatIndex(c), -1 - c);
                }
            }
        }
        TreeMap<Long, Long> blockOffsets = new TreeMap<>();
        TreeMap<Long, Long> bitmapOffsets = new TreeMap<>();
        for (long v : order.values()) {
            if (v >= 0) {
                blockOffsets.put(v, cursor);
                cursor += blockSize;
            } else {
                bitmapOffsets.put(-1 - v, cursor);
                cursor += MIB;
            }
        }
        long written = cursor;
        for (long b : p.appended) {
            blockOffsets.put(b, cursor);
            cursor += blockSize;
        }
        return new Layout(virtualSize, blockSize, logicalSectorSize, batEntries, logOffset, logLength, metadataOffset,
                MIB, batOffset, batLength, unknown, blockOffsets, bitmapOffsets, cursor, written);
    }

    // ---------------------------------------------------------------- the image after replay

    /** The complete image as a reader must see it after log replay, before any raw log write is applied. */
    private record Assembly(Plan plan, Layout layout, SparseData file) {}

    private Assembly assemble() {
        if (type == Type.DIFFERENCING && parentLocator == null && !omittedMetadata.contains(PARENT_LOCATOR)
                && !metadataOverrides.containsKey(PARENT_LOCATOR)) {
            throw new IllegalStateException("a differencing image needs parent(...) or parentLocator(...)");
        }
        Plan p = new Plan();
        Layout l = layout(p);
        SparseData f = new SparseData();
        f.write(Layout.FILE_IDENTIFIER, fileIdentifier());
        f.write(Layout.HEADER_1, header(header1, l));
        f.write(Layout.HEADER_2, header(header2, l));
        byte[] rt = regionTable(l);
        byte[] rt1 = rt.clone();
        if (corruptRegionTable1) {
            Bin.u32(rt1, 4, ~Bin.readU32(rt, 4));
        }
        f.write(Layout.REGION_TABLE_1, rt1);
        f.write(Layout.REGION_TABLE_2, rt);
        writeMetadata(f, l);
        writeBat(f, p, l);
        writeSectorBitmaps(f, p, l);
        for (long b : p.allocated) {
            long start = b * blockSize;
            long base = l.blockOffset(b);
            content.forEach(start, Math.min(blockSize, virtualSize - start),
                    (off, arr, o, n) -> f.write(base + off - start, arr, o, n));
        }
        return new Assembly(p, l, f);
    }

    /** §2.2.1: "vhdxfile" then the Creator as UTF-16 (512 bytes at most). */
    private byte[] fileIdentifier() {
        byte[] name = Bin.utf16le(creator);
        byte[] b = new byte[8 + Math.min(name.length, 512)];
        Bin.ascii(b, 0, "vhdxfile");
        System.arraycopy(name, 0, b, 8, b.length - 8);
        return b;
    }

    /** §2.2.2: the 4 KiB header, CRC-32C over all of it with the Checksum field zero. */
    private byte[] header(Header h, Layout l) {
        byte[] b = new byte[4096];
        Bin.ascii(b, 0, "head");
        Bin.u64(b, 8, h.sequenceNumber);
        Bin.guid(b, 16, h.fileWriteGuid != null ? h.fileWriteGuid : fileWriteGuid);
        Bin.guid(b, 32, h.dataWriteGuid != null ? h.dataWriteGuid : dataWriteGuid);
        Bin.guid(b, 48, h.logGuid != null ? h.logGuid : headerLogGuid());
        Bin.u16(b, 64, h.logVersion);
        Bin.u16(b, 66, h.version);
        Bin.u32(b, 68, l.logLength());
        Bin.u64(b, 72, l.logOffset());
        int crc = Bin.crc32c(b, 0, b.length);
        Bin.u32(b, 4, h.corruptChecksum ? ~crc : crc);
        return b;
    }

    private UUID headerLogGuid() {
        return log != null && log.referencedByHeader() ? log.guid() : ZERO_GUID;
    }

    /** §2.2.3: 64 KiB region table: header (signature, checksum, EntryCount) then 32-byte entries. */
    private byte[] regionTable(Layout l) {
        byte[] b = new byte[64 * 1024];
        Bin.ascii(b, 0, "regi");
        int n = 0;
        n = regionEntry(b, n, BAT_REGION, l.batOffset(), l.batLength(), knownRegionsRequired);
        n = regionEntry(b, n, METADATA_REGION, l.metadataOffset(), l.metadataLength(), knownRegionsRequired);
        for (int i = 0; i < unknownRegions.size(); i++) {
            UnknownRegion u = unknownRegions.get(i);
            n = regionEntry(b, n, u.guid(), l.unknownRegionOffsets().get(i), MIB, u.required());
        }
        Bin.u32(b, 8, n);
        Bin.u32(b, 4, Bin.crc32c(b, 0, b.length));
        return b;
    }

    private static int regionEntry(byte[] b, int index, UUID guid, long offset, long length, boolean required) {
        int e = 16 + 32 * index;
        Bin.guid(b, e, guid);
        Bin.u64(b, e + 16, offset);
        Bin.u32(b, e + 24, length);
        Bin.u32(b, e + 28, required ? 1 : 0);
        return index + 1;
    }

    /** §2.6.1: metadata table (signature "metadata", EntryCount, 32-byte entries) with the items from 64 KiB on. */
    private void writeMetadata(SparseData f, Layout l) {
        List<MetadataItem> items = new ArrayList<>();
        byte[] fp = new byte[8];
        Bin.u32(fp, 0, blockSize);
        Bin.u32(fp, 4, (type == Type.FIXED ? 1 : 0) | (type == Type.DIFFERENCING ? 2 : 0));
        items.add(new MetadataItem(FILE_PARAMETERS, fp, false, false, true));
        byte[] vs = new byte[8];
        Bin.u64(vs, 0, virtualSize);
        items.add(new MetadataItem(VIRTUAL_DISK_SIZE, vs, false, true, true));
        items.add(new MetadataItem(PAGE_83_DATA, Bin.guid(virtualDiskId), false, true, true));
        byte[] ls = new byte[4];
        Bin.u32(ls, 0, logicalSectorSize);
        items.add(new MetadataItem(LOGICAL_SECTOR_SIZE, ls, false, true, true));
        byte[] ps = new byte[4];
        Bin.u32(ps, 0, physicalSectorSize);
        items.add(new MetadataItem(PHYSICAL_SECTOR_SIZE, ps, false, true, true));
        if (type == Type.DIFFERENCING) {
            items.add(new MetadataItem(PARENT_LOCATOR, parentLocatorBytes(), false, false, true));
        }
        List<MetadataItem> all = new ArrayList<>();
        for (MetadataItem it : items) {
            if (!omittedMetadata.contains(it.id())) {
                byte[] data = metadataOverrides.getOrDefault(it.id(), it.data());
                all.add(new MetadataItem(it.id(), data, it.isUser(), it.isVirtualDisk(), it.isRequired()));
            }
        }
        all.addAll(extraMetadata);
        byte[] table = new byte[32 + 32 * all.size()];
        Bin.ascii(table, 0, "metadata");
        Bin.u16(table, 10, all.size());
        long itemOffset = 64 * 1024;
        for (int i = 0; i < all.size(); i++) {
            MetadataItem it = all.get(i);
            int e = 32 + 32 * i;
            Bin.guid(table, e, it.id());
            // §2.6.1.2: a zero-length item has offset zero
            Bin.u32(table, e + 16, it.data().length == 0 ? 0 : itemOffset);
            Bin.u32(table, e + 20, it.data().length);
            Bin.u32(table, e + 24, (it.isUser() ? 1 : 0) | (it.isVirtualDisk() ? 2 : 0) | (it.isRequired() ? 4 : 0));
            f.write(l.metadataOffset() + itemOffset, it.data());
            itemOffset = Bin.alignUp(itemOffset + it.data().length, 8);
        }
        if (itemOffset > l.metadataLength()) {
            throw new IllegalStateException("metadata items do not fit in the 1 MiB metadata region");
        }
        f.write(l.metadataOffset(), table);
    }

    /** §2.6.2.6: LocatorType, Reserved, KeyValueCount, 12-byte entries, then the UTF-16LE keys and values. */
    private byte[] parentLocatorBytes() {
        Map<String, String> m = parentLocator == null ? Map.of() : parentLocator;
        int n = m.size();
        int pos = 20 + 12 * n;
        List<byte[]> strings = new ArrayList<>();
        byte[] head = new byte[pos];
        Bin.guid(head, 0, parentLocatorType);
        Bin.u16(head, 18, n);
        int i = 0;
        for (Map.Entry<String, String> kv : m.entrySet()) {
            byte[] k = Bin.utf16le(kv.getKey());
            byte[] v = Bin.utf16le(kv.getValue());
            int e = 20 + 12 * i++;
            Bin.u32(head, e, pos);
            Bin.u32(head, e + 4, pos + k.length);
            Bin.u16(head, e + 8, k.length);
            Bin.u16(head, e + 10, v.length);
            strings.add(k);
            strings.add(v);
            pos += k.length + v.length;
        }
        byte[] b = Arrays.copyOf(head, pos);
        int at = head.length;
        for (byte[] s : strings) {
            System.arraycopy(s, 0, b, at, s.length);
            at += s.length;
        }
        return b;
    }

    /** §2.5.1: state in bits 0-2, FileOffsetMB in bits 20-63 (block offsets are MiB multiples, so it is the offset). */
    private TreeMap<Long, Long> batEntries(Plan p, Layout l) {
        TreeMap<Long, Long> bat = new TreeMap<>();
        p.states.forEach((b, st) -> {
            if (st != PAYLOAD_BLOCK_NOT_PRESENT) {
                long off = p.allocated.contains(b) ? l.blockOffset(b) : 0;
                bat.put(l.payloadBatIndex(b), st | off);
            }
        });
        for (long c = 0; c * p.chunkRatio < p.blocks; c++) {
            if (l.bitmapBlockOffset(c) >= 0) {
                bat.put(l.bitmapBatIndex(c), SB_BLOCK_PRESENT | l.bitmapBlockOffset(c));
            }
        }
        return bat;
    }

    private void writeBat(SparseData f, Plan p, Layout l) {
        TreeMap<Long, byte[]> pages = new TreeMap<>();
        TreeMap<Long, Long> entries = batEntries(p, l);
        entries.putAll(batOverrides);
        entries.forEach((idx, value) -> {
            long off = l.batEntryOffset(idx);
            byte[] page = pages.computeIfAbsent(off / SECTOR * SECTOR, k -> new byte[SECTOR]);
            Bin.u64(page, (int) (off % SECTOR), value);
        });
        pages.forEach(f::write);
    }

    /** §2.5.1.2/§2.5.2: one bit per logical sector, bit 0 of byte 0 first; 1 = the sector is in this file. */
    private void writeSectorBitmaps(SparseData f, Plan p, Layout l) {
        p.bits.forEach((b, bits) -> {
            long at = l.bitmapByteOffset(b * blockSize);
            if (at >= 0 && !bits.isEmpty()) {
                f.write(at, bitmapBytes(bits));
            }
        });
    }

    private byte[] bitmapBytes(BitSet bits) {
        return Arrays.copyOf(bits.toByteArray(), blockSize / logicalSectorSize / 8);
    }

    // ---------------------------------------------------------------- the log

    private record Desc(long fileOffset, long zeroLength, byte[] sector) {}

    private record LogPlan(SparseData onDisk, List<BuiltImage.LogEntryInfo> infos) {}

    /**
     * Turns the declared entries into bytes. The image after replay is {@code a.file} plus the raw writes of active
     * entries; the image on disk is {@code a.file} with everything active entries carry put back to its state before
     * replay. Each active entry's sectors show the state after that entry, so replaying only part of a sequence
     * gives a recognisably different disk.
     */
    private LogPlan planLog(Assembly a) {
        Layout l = a.layout();
        SparseData after = a.file().copy();
        SparseData onDisk = a.file().copy();
        if (log == null) {
            return new LogPlan(onDisk, List.of());
        }
        boolean replayable = log.referencedByHeader();
        // pass 1: what active entries carry, so the disk can hold its state before replay
        TreeSet<Long> staleBat = new TreeSet<>();
        TreeSet<Long> stalePayload = new TreeSet<>();
        TreeSet<Long> staleBitmaps = new TreeSet<>();
        for (LogBuilder.Entry e : log.entries) {
            if (!(replayable && e.kind == LogBuilder.Kind.ACTIVE)) {
                continue;
            }
            for (LogBuilder.Entry.Target target : e.targets) {
                LogBuilder.Entry.Target t = resolve(target, l);
                switch (t.type()) {
                    case BAT -> staleBat.add(l.payloadBatIndex(t.a()));
                    case BITMAP -> staleBitmaps.add(t.a());
                    case PAYLOAD -> stalePayload.addAll(payloadSectors(l, t.a(), t.b()));
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
            onDisk.write(bitmapByteRange(l, b), new byte[blockSize / logicalSectorSize / 8]);
        }
        for (long b : a.plan().appended) {
            onDisk.clear(l.blockOffset(b), blockSize);
        }
        // pass 2: the descriptors of every entry, active ones advancing "current" towards "after"
        SparseData current = onDisk.copy();
        List<List<Desc>> descs = new ArrayList<>();
        for (LogBuilder.Entry e : log.entries) {
            boolean applied = replayable && e.kind == LogBuilder.Kind.ACTIVE;
            List<Desc> d = new ArrayList<>();
            for (LogBuilder.Entry.Target target : e.targets) {
                LogBuilder.Entry.Target t = resolve(target, l);
                switch (t.type()) {
                    case BAT -> d.add(batDesc(l, t.a(), applied, current, after));
                    case BITMAP -> d.addAll(bitmapDescs(l, t.a(), applied, current, after));
                    case PAYLOAD -> {
                        for (long fo : payloadSectors(l, t.a(), t.b())) {
                            if (applied) {
                                current.write(fo, after.read(fo, SECTOR));
                                d.add(new Desc(fo, 0, current.read(fo, SECTOR)));
                            } else {
                                d.add(new Desc(fo, 0, filler("DECOY-SECTOR-" + fo + "-")));
                            }
                        }
                    }
                    case APPEND -> {
                        d.add(batDesc(l, t.a(), true, current, after));
                        if (a.plan().state(t.a()) == PAYLOAD_BLOCK_PARTIALLY_PRESENT) {
                            d.addAll(bitmapDescs(l, t.a(), true, current, after));
                        }
                        long base = l.blockOffset(t.a());
                        for (long fo = base; fo < base + blockSize; fo += SECTOR) {
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
        int n = log.entries.size();
        long[] pos = new long[n];
        int[] len = new int[n];
        long next = log.startAt();
        for (int i = 0; i < n; i++) {
            LogBuilder.Entry e = log.entries.get(i);
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
        long lastActiveSeq = log.firstSequenceNumber() - 1;
        int active = 0;
        int staleRun = 0;
        long runStartPos = 0;
        int runIndex = 0;
        for (int i = 0; i < n; i++) {
            LogBuilder.Entry e = log.entries.get(i);
            switch (e.kind) {
                case ACTIVE -> {
                    seq[i] = e.sequenceNumber != null ? e.sequenceNumber : log.firstSequenceNumber() + active;
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
                    if (i == 0 || log.entries.get(i - 1).kind != LogBuilder.Kind.STALE) {
                        staleRun++;
                        runStartPos = pos[i];
                        runIndex = 0;
                    }
                    long base = log.firstSequenceNumber() - 100L * staleRun;
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
            LogBuilder.Entry e = log.entries.get(i);
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
    private LogBuilder.Entry.Target resolve(LogBuilder.Entry.Target t, Layout l) {
        if (t.type() != LogBuilder.Entry.Target.Type.REWRITE) {
            return t;
        }
        long fo = l.fileOffset(t.a());
        if (fo < 0) {
            throw new IllegalStateException("rewritePayload(" + t.a() + "): block " + t.a() / blockSize
                    + " has no space in the file; write to it or force its state");
        }
        return new LogBuilder.Entry.Target(LogBuilder.Entry.Target.Type.RAW_DATA, fo, t.b(), t.data());
    }

    private static void checkNoOverlap(long[] pos, int[] len) {
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
    private Desc batDesc(Layout l, long block, boolean applied, SparseData current, SparseData after) {
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
    private List<Desc> bitmapDescs(Layout l, long block, boolean applied, SparseData current, SparseData after) {
        long at = bitmapByteRange(l, block);
        int n = blockSize / logicalSectorSize / 8;
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

    private long bitmapByteRange(Layout l, long block) {
        long at = l.bitmapByteOffset(block * blockSize);
        if (at < 0) {
            throw new IllegalStateException("block " + block + " has no sector bitmap block (not a differencing disk?)");
        }
        return at;
    }

    /** File offsets of the 4 KiB sectors that hold virtual bytes [virtualOffset, +length). */
    private List<Long> payloadSectors(Layout l, long virtualOffset, long length) {
        List<Long> r = new ArrayList<>();
        if (virtualOffset < 0 || length <= 0 || virtualOffset + length > virtualSize) {
            throw new IllegalArgumentException("payload range outside the disk");
        }
        for (long v = virtualOffset / SECTOR * SECTOR; v < virtualOffset + length; v += SECTOR) {
            long fo = l.fileOffset(v);
            if (fo < 0) {
                throw new IllegalStateException("the log carries virtual offset " + v + " but its block "
                        + v / blockSize + " has no space in the file; write to it or force its state");
            }
            r.add(fo);
        }
        return r;
    }

    private static int entryLength(List<Desc> descs) {
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

    private static byte[] filler(String text) {
        byte[] t = text.getBytes(StandardCharsets.US_ASCII);
        byte[] s = new byte[SECTOR];
        for (int i = 0; i < SECTOR; i++) {
            s[i] = t[i % t.length];
        }
        return s;
    }

    private static boolean isZero(byte[] b) {
        for (byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }

    // ---------------------------------------------------------------- build

    /** Writes the image (sparse) and returns where everything went. */
    public BuiltImage build(Path file) throws IOException {
        Assembly a = assemble();
        LogPlan lp = planLog(a);
        Layout l = a.layout();
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(0);
            FileChannel ch = raf.getChannel();
            try {
                lp.onDisk().forEach(0, l.writtenFileSize(), (start, arr, off, n) -> {
                    try {
                        ByteBuffer buf = ByteBuffer.wrap(arr, off, n);
                        long p = start;
                        while (buf.hasRemaining()) {
                            p += ch.write(buf, p);
                        }
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
            raf.setLength(l.writtenFileSize());
        }
        return new BuiltImage(file, l, dataWriteGuid, headerLogGuid(), lp.infos());
    }

    // ---------------------------------------------------------------- expected content

    /** What a fixed or dynamic disk must read as (after log replay). */
    public ExpectedDisk expected() {
        if (type == Type.DIFFERENCING) {
            throw new IllegalStateException("a differencing disk's content depends on its parent: use expected(parent)");
        }
        return expected(null);
    }

    /**
     * What the disk must read as (after log replay), for a differencing disk given what its parent reads as.
     * §2.5.1.1 in a differencing disk: NOT_PRESENT reads the parent, ZERO reads zeros, FULLY_PRESENT reads this
     * file, PARTIALLY_PRESENT reads this file where the sector's bitmap bit is 1 and the parent where it is 0;
     * UNDEFINED / UNMAPPED read as zeros here and are reported as ambiguous. In a fixed or dynamic disk everything
     * but FULLY_PRESENT reads as zeros.
     */
    public ExpectedDisk expected(ExpectedDisk parent) {
        Plan p = new Plan();
        Layout l = layout(p);
        SparseData out;
        List<ExpectedDisk.Range> ambiguous = new ArrayList<>();
        if (type == Type.DIFFERENCING) {
            Objects.requireNonNull(parent, "parent");
            if (parent.size() != virtualSize || parent.logicalSectorSize() != logicalSectorSize) {
                throw new IllegalArgumentException("parent has another virtual size or logical sector size");
            }
            out = parent.data().copy();
            ambiguous.addAll(parent.ambiguousRanges());
        } else {
            if (parent != null) {
                throw new IllegalArgumentException("only a differencing disk has a parent");
            }
            out = new SparseData();
        }
        boolean diff = type == Type.DIFFERENCING;
        p.states.forEach((b, st) -> {
            long start = b * blockSize;
            long n = Math.min(blockSize, virtualSize - start);
            switch (st) {
                case PAYLOAD_BLOCK_NOT_PRESENT -> {
                    // parent (differencing) or zeros: nothing to change
                }
                case PAYLOAD_BLOCK_FULLY_PRESENT -> {
                    out.clear(start, n);
                    copyContent(out, start, n);
                }
                case PAYLOAD_BLOCK_PARTIALLY_PRESENT -> {
                    if (!diff) {
                        ambiguous.add(new ExpectedDisk.Range(start, n)); // only valid with a parent
                        return;
                    }
                    BitSet bits = p.bits.get(b);
                    for (int i = bits.nextSetBit(0); i >= 0; i = bits.nextSetBit(bits.nextClearBit(i))) {
                        long s = start + (long) i * logicalSectorSize;
                        long e = Math.min(start + (long) bits.nextClearBit(i) * logicalSectorSize, start + n);
                        out.clear(s, e - s);
                        copyContent(out, s, e - s);
                    }
                }
                case PAYLOAD_BLOCK_ZERO -> out.clear(start, n);
                default -> {
                    out.clear(start, n);
                    if (diff || st == 4) {
                        ambiguous.add(new ExpectedDisk.Range(start, n));
                    }
                }
            }
        });
        applyRawLogWrites(out, p, l);
        return new ExpectedDisk(virtualSize, logicalSectorSize, out, ambiguous);
    }

    private void copyContent(SparseData out, long start, long n) {
        content.forEach(start, n, (off, arr, o, len) -> out.write(off, arr, o, len));
    }

    /** Raw data/zero descriptors of active entries that land in payload the disk reads from this file. */
    private void applyRawLogWrites(SparseData out, Plan p, Layout l) {
        if (log == null || !log.referencedByHeader()) {
            return;
        }
        TreeMap<Long, Long> blockAt = new TreeMap<>();
        l.blockOffsets().forEach((b, off) -> blockAt.put(off, b));
        for (LogBuilder.Entry e : log.entries) {
            if (e.kind != LogBuilder.Kind.ACTIVE) {
                continue;
            }
            for (LogBuilder.Entry.Target target : e.targets) {
                LogBuilder.Entry.Target t = resolve(target, l);
                if (t.type() != LogBuilder.Entry.Target.Type.RAW_DATA && t.type() != LogBuilder.Entry.Target.Type.RAW_ZERO) {
                    continue;
                }
                byte[] data = t.data() != null ? t.data() : new byte[(int) t.b()];
                for (int i = 0; i < data.length; ) {
                    long fo = t.a() + i;
                    NavigableMap.Entry<Long, Long> blk = blockAt.floorEntry(fo);
                    if (blk == null || fo >= blk.getKey() + blockSize) {
                        i++;
                        continue;
                    }
                    long b = blk.getValue();
                    long v = b * blockSize + (fo - blk.getKey());
                    int st = p.state(b);
                    boolean fromFile = st == PAYLOAD_BLOCK_FULLY_PRESENT
                            || (st == PAYLOAD_BLOCK_PARTIALLY_PRESENT && type == Type.DIFFERENCING
                                    && p.bits.get(b).get((int) ((v - b * blockSize) / logicalSectorSize)));
                    if (fromFile && v < virtualSize) {
                        out.write(v, data, i, 1);
                    }
                    i++;
                }
            }
        }
    }

    // ---------------------------------------------------------------- header knobs

    /** Fields of one header (§2.2.2); unset GUIDs come from the builder. */
    public final class Header {
        private long sequenceNumber;
        private UUID fileWriteGuid;
        private UUID dataWriteGuid;
        private UUID logGuid;
        private int version = 1;
        private int logVersion;
        private boolean corruptChecksum;

        private Header(long sequenceNumber) {
            this.sequenceNumber = sequenceNumber;
        }

        public Header sequenceNumber(long sequenceNumber) {
            this.sequenceNumber = sequenceNumber;
            return this;
        }

        public Header fileWriteGuid(UUID guid) {
            this.fileWriteGuid = guid;
            return this;
        }

        public Header dataWriteGuid(UUID guid) {
            this.dataWriteGuid = guid;
            return this;
        }

        /** LogGuid of this header only (default: the log's GUID when the log is active, else zero). */
        public Header logGuid(UUID guid) {
            this.logGuid = guid;
            return this;
        }

        /** Version (MUST be 1). */
        public Header version(int version) {
            this.version = version;
            return this;
        }

        /** LogVersion (MUST be 0). */
        public Header logVersion(int logVersion) {
            this.logVersion = logVersion;
            return this;
        }

        public Header corruptChecksum() {
            this.corruptChecksum = true;
            return this;
        }

        public VhdxBuilder done() {
            return VhdxBuilder.this;
        }
    }
}
