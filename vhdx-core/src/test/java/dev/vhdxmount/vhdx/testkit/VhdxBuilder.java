package dev.vhdxmount.vhdx.testkit;

import static dev.vhdxmount.vhdx.testkit.Sizes.MIB;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
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

    static final UUID ZERO_GUID = new UUID(0, 0);
    /** Sectors of the log and of the BAT pages written: 4 KiB. */
    static final int SECTOR = 4096;

    final Type type;
    final long virtualSize;
    int blockSize = 32 * MIB;
    int logicalSectorSize = 512;
    int physicalSectorSize = 4096;
    String creator = "vhdx-mount testkit";
    UUID dataWriteGuid = UUID.randomUUID();
    UUID fileWriteGuid = UUID.randomUUID();
    UUID virtualDiskId = UUID.randomUUID();
    final Header header1 = new Header(1);
    final Header header2 = new Header(2);
    boolean corruptRegionTable1;
    boolean knownRegionsRequired = true;
    final List<UnknownRegion> unknownRegions = new ArrayList<>();
    final List<MetadataItem> extraMetadata = new ArrayList<>();
    final Map<UUID, byte[]> metadataOverrides = new HashMap<>();
    final Set<UUID> omittedMetadata = new HashSet<>();
    Map<String, String> parentLocator;
    UUID parentLocatorType = VHDX_PARENT_LOCATOR_TYPE;
    boolean fullyPresentWrites;
    boolean allocateSectorBitmaps;
    final SparseData content = new SparseData();
    final TreeMap<Long, Integer> forcedStates = new TreeMap<>();
    final TreeMap<Long, Long> batOverrides = new TreeMap<>();
    LogBuilder log;

    record UnknownRegion(UUID guid, boolean required) {}

    record MetadataItem(UUID id, byte[] data, boolean isUser, boolean isVirtualDisk, boolean isRequired) {}

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

    long payloadBlocks() {
        return (virtualSize + blockSize - 1) / blockSize;
    }

    // ---------------------------------------------------------------- layout

    /**
     * The layout the image will have, from the current content, block states and log. Block offsets change when
     * later calls allocate other blocks or {@link LogBuilder.Entry#appendBlock} moves one to the end, so take it after
     * the last such call (or use {@link LogBuilder.Entry#rewritePayload}, which is resolved at build time).
     */
    public Layout layout() {
        return layout(new BlockPlan(this));
    }

    Layout layout(BlockPlan p) {
        long logLength = log != null ? log.length() : MIB;
        long logOffset = MIB;
        long metadataOffset = logOffset + logLength;
        long batOffset = metadataOffset + MIB;
        long sbBlocks = (p.blocks + p.chunkRatio - 1) / p.chunkRatio;
        // §2.5: differencing disks have every chunk's bitmap entry; the BAT of fixed and dynamic disks ends at the
        // last payload entry.
        long batEntries = Layout.batEntries(virtualSize, blockSize, logicalSectorSize, type == Type.DIFFERENCING);
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
                metadataOffset, MIB, batOffset, batLength, unknown, new TreeMap<>(), new TreeMap<>(), 0, 0, Map.of(),
                Map.of());
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
        Map<UUID, Long> entryOffsets = new HashMap<>();
        Map<UUID, Long> itemOffsets = new HashMap<>();
        List<MetadataItem> items = MetadataWriter.items(this);
        long[] offsets = MetadataWriter.itemOffsets(items);
        for (int i = items.size() - 1; i >= 0; i--) { // the first of an ID wins, as a reader finds it
            if (!items.get(i).isUser()) {
                entryOffsets.put(items.get(i).id(), metadataOffset + 32 + 32L * i);
                itemOffsets.put(items.get(i).id(), metadataOffset + offsets[i]);
            }
        }
        return new Layout(virtualSize, blockSize, logicalSectorSize, batEntries, logOffset, logLength, metadataOffset,
                MIB, batOffset, batLength, unknown, blockOffsets, bitmapOffsets, cursor, written, entryOffsets,
                itemOffsets);
    }

    // ---------------------------------------------------------------- the image after replay

    /** The complete image as a reader must see it after log replay, before any raw log write is applied. */
    record Assembly(BlockPlan plan, Layout layout, SparseData file) {}

    private Assembly assemble() {
        if (type == Type.DIFFERENCING && parentLocator == null && !omittedMetadata.contains(PARENT_LOCATOR)
                && !metadataOverrides.containsKey(PARENT_LOCATOR)) {
            throw new IllegalStateException("a differencing image needs parent(...) or parentLocator(...)");
        }
        BlockPlan p = new BlockPlan(this);
        Layout l = layout(p);
        SparseData f = new SparseData();
        f.write(Layout.FILE_IDENTIFIER, HeaderSectionWriter.fileIdentifier(this));
        f.write(Layout.HEADER_1, HeaderSectionWriter.header(this, header1, l));
        f.write(Layout.HEADER_2, HeaderSectionWriter.header(this, header2, l));
        byte[] rt = HeaderSectionWriter.regionTable(this, l);
        byte[] rt1 = rt.clone();
        if (corruptRegionTable1) {
            Bin.u32(rt1, 4, ~Bin.readU32(rt, 4));
        }
        f.write(Layout.REGION_TABLE_1, rt1);
        f.write(Layout.REGION_TABLE_2, rt);
        MetadataWriter.write(this, f, l);
        BatWriter.writeBat(this, f, p, l);
        BatWriter.writeSectorBitmaps(this, f, p, l);
        for (long b : p.allocated) {
            long start = b * blockSize;
            long base = l.blockOffset(b);
            content.forEach(start, Math.min(blockSize, virtualSize - start),
                    (off, arr, o, n) -> f.write(base + off - start, arr, o, n));
        }
        return new Assembly(p, l, f);
    }

    UUID headerLogGuid() {
        return log != null && log.referencedByHeader() ? log.guid() : ZERO_GUID;
    }

    // ---------------------------------------------------------------- build

    /** Writes the image (sparse) and returns where everything went. */
    public BuiltImage build(Path file) throws IOException {
        Assembly a = assemble();
        LogWriter.LogPlan lp = LogWriter.planLog(this, a);
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
        return ExpectedModel.expected(this, parent);
    }

    // ---------------------------------------------------------------- header knobs

    /** Fields of one header (§2.2.2); unset GUIDs come from the builder. */
    public final class Header {
        long sequenceNumber;
        UUID fileWriteGuid;
        UUID dataWriteGuid;
        UUID logGuid;
        int version = 1;
        int logVersion;
        boolean corruptChecksum;

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
