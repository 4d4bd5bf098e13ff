package dev.vhdxmount.vhdx;

import static dev.vhdxmount.vhdx.testkit.Sizes.GIB;
import static dev.vhdxmount.vhdx.testkit.Sizes.MIB;
import static dev.vhdxmount.vhdx.testkit.Sizes.TIB;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vhdxmount.vhdx.error.VhdxFormatException;
import dev.vhdxmount.vhdx.testkit.BuiltImage;
import dev.vhdxmount.vhdx.testkit.ExpectedDisk;
import dev.vhdxmount.vhdx.testkit.Layout;
import dev.vhdxmount.vhdx.testkit.VhdxBuilder;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The allocation map ({@link VirtualDisk#map}) against the builder's own model of each image: which stretches hold
 * data and which read as zeros, decided by which disk of the chain, never by asking the reader. Then what the map
 * promises of the bytes: every zero run reads as zeros, every byte the builder wrote lies in a data run, and a data
 * run's file offset holds exactly the disk's bytes.
 */
class AllocationMapTest {

    @TempDir
    Path tmp;

    @Test
    void everyBlockStateOfADynamicDisk() throws Exception {
        VhdxBuilder b = VhdxBuilder.dynamic(16L * MIB).blockSize(MIB);
        b.write(MIB, VhdxBuilder.pattern(4096, 1)); // FULLY_PRESENT, mostly never written
        b.write(3L * MIB, VhdxBuilder.pattern(MIB, 3)); // FULLY_PRESENT, written whole
        b.write(4L * MIB, VhdxBuilder.pattern(MIB, 4)); // the next block too: one run in the file
        b.write(6L * MIB, VhdxBuilder.pattern(4096, 6)).blockState(6, VhdxBuilder.PAYLOAD_BLOCK_ZERO); // stale data
        b.blockState(7, VhdxBuilder.PAYLOAD_BLOCK_UNDEFINED);
        b.blockState(8, VhdxBuilder.PAYLOAD_BLOCK_UNMAPPED);
        b.blockState(9, VhdxBuilder.PAYLOAD_BLOCK_UNMAPPED_V0);
        b.blockState(10, VhdxBuilder.PAYLOAD_BLOCK_FULLY_PRESENT); // allocated, never written: data that reads zeros
        BuiltImage img = b.build(tmp.resolve("states.vhdx"));
        ExpectedDisk want = b.expected();
        try (VirtualDisk disk = VhdxImage.open(img.path())) {
            List<Allocation> runs = checkAgainstModel(disk, want, List.of(img));
            assertEquals(List.of(new ExpectedDisk.Run(0, MIB, false, 0), new ExpectedDisk.Run(MIB, MIB, true, 0),
                    new ExpectedDisk.Run(2L * MIB, MIB, false, 0), new ExpectedDisk.Run(3L * MIB, 2L * MIB, true, 0),
                    new ExpectedDisk.Run(5L * MIB, 5L * MIB, false, 0),
                    new ExpectedDisk.Run(10L * MIB, MIB, true, 0), new ExpectedDisk.Run(11L * MIB, 5L * MIB, false, 0)),
                    want.allocation(), "the model itself");
            assertEquals(7, runs.size(), "zeros of every state one run, blocks 3 and 4 one run in the file: " + runs);
            assertEquals(3L * MIB, disk.nextData(2L * MIB));
            assertEquals(5L * MIB, disk.nextHole(3L * MIB + 17));
            assertEquals(10L * MIB, disk.nextData(5L * MIB));
            assertEquals(16L * MIB, disk.nextData(11L * MIB), "no data after block 10: the end of the disk");
            assertEquals(4L * MIB, disk.allocatedBytes(0, disk.size()));
            assertEquals(MIB + 1024, disk.allocatedBytes(4L * MIB - 512, 6L * MIB + 1024), "block 4 from its last"
                    + " sector, block 10's first sector");
        }
    }

    @Test
    void aFixedDiskIsOneRunOfData() throws Exception {
        VhdxBuilder b = VhdxBuilder.fixed(8L * MIB).blockSize(MIB);
        b.write(5000, VhdxBuilder.pattern(100, 1));
        BuiltImage img = b.build(tmp.resolve("fixed.vhdx"));
        try (VirtualDisk disk = VhdxImage.open(img.path())) {
            List<Allocation> runs = checkAgainstModel(disk, b.expected(), List.of(img));
            assertEquals(1, runs.size(), runs.toString());
            assertEquals(img.layout().fileOffset(0), runs.get(0).fileOffset());
            assertEquals(disk.size(), disk.nextHole(0));
            assertEquals(disk.size(), disk.allocatedBytes(0, Long.MAX_VALUE));
        }
    }

    @Test
    void differencingDiskOverItsParentInEveryState() throws Exception {
        long size = 16L * MIB;
        VhdxBuilder base = VhdxBuilder.dynamic(size).blockSize(MIB);
        for (long block : new long[] {0, 1, 2, 3, 4, 5, 6}) {
            base.write(block * MIB, VhdxBuilder.pattern(MIB, 10 + block));
        }
        BuiltImage baseImg = base.build(tmp.resolve("base.vhdx"));
        VhdxBuilder child = VhdxBuilder.differencing(size).blockSize(MIB).parent(base, "base.vhdx");
        child.write(512 * 3, VhdxBuilder.pattern(512 * 5, 1)); // block 0 PARTIALLY_PRESENT: sectors 3-7 here
        child.write(MIB - 512, VhdxBuilder.pattern(1024, 2)); // its last sector, and block 1's first
        child.blockState(2, VhdxBuilder.PAYLOAD_BLOCK_ZERO); // zeros over the parent's data
        child.blockState(3, VhdxBuilder.PAYLOAD_BLOCK_UNDEFINED);
        child.blockState(4, VhdxBuilder.PAYLOAD_BLOCK_UNMAPPED);
        child.blockState(5, VhdxBuilder.PAYLOAD_BLOCK_FULLY_PRESENT); // present, bitmap bits clear
        child.write(9L * MIB + 4096, VhdxBuilder.pattern(4096, 9)); // over the parent's zeros
        BuiltImage childImg = child.build(tmp.resolve("child.avhdx"));
        ExpectedDisk want = child.expected(base.expected());
        try (VirtualDisk disk = VhdxImage.open(childImg.path())) {
            checkAgainstModel(disk, want, List.of(childImg, baseImg));
            assertEquals(List.of(new ExpectedDisk.Run(0, 1536, true, 1), new ExpectedDisk.Run(1536, 2560, true, 0),
                    new ExpectedDisk.Run(4096, MIB - 4096 - 512, true, 1),
                    new ExpectedDisk.Run(MIB - 512, 1024, true, 0), new ExpectedDisk.Run(MIB + 512, MIB - 512, true, 1),
                    new ExpectedDisk.Run(2L * MIB, 3L * MIB, false, 0), new ExpectedDisk.Run(5L * MIB, MIB, true, 0),
                    new ExpectedDisk.Run(6L * MIB, MIB, true, 1),
                    new ExpectedDisk.Run(7L * MIB, 2L * MIB + 4096, false, 1), // block 9's clear bits: the parent's
                    new ExpectedDisk.Run(9L * MIB + 4096, 4096, true, 0),
                    new ExpectedDisk.Run(9L * MIB + 8192, 7L * MIB - 8192, false, 1)),
                    want.allocation(), "the model itself");
            assertEquals(7L * MIB, disk.nextHole(5L * MIB), "block 5 here, block 6 in the parent, then zeros");
            assertEquals(9L * MIB + 4096, disk.nextData(7L * MIB), "through the parent's zeros");
            assertEquals(2L * MIB, disk.nextHole(0));
        }
    }

    @Test
    void fourKibSectorsInAPartiallyPresentBlock() throws Exception {
        long size = 40 * GIB; // a chunk is 32 GiB at 4096-byte sectors: a second sector bitmap
        VhdxBuilder base = VhdxBuilder.dynamic(size).logicalSectorSize(4096).blockSize(8 * MIB);
        base.write(33 * GIB, VhdxBuilder.pattern(MIB, 1));
        BuiltImage baseImg = base.build(tmp.resolve("base.vhdx"));
        VhdxBuilder child = VhdxBuilder.differencing(size).logicalSectorSize(4096).blockSize(MIB)
                .parent(base, "base.vhdx");
        child.write(33 * GIB + 8192, VhdxBuilder.pattern(4096 * 3, 2));
        child.write(33 * GIB + 2 * MIB + 100, VhdxBuilder.pattern(10, 3)); // one sector: the whole 4 KiB is data
        child.write(GIB - 4096, VhdxBuilder.pattern(4096, 4));
        BuiltImage childImg = child.build(tmp.resolve("child.avhdx"));
        ExpectedDisk want = child.expected(base.expected());
        try (VirtualDisk disk = VhdxImage.open(childImg.path())) {
            assertEquals(4096, disk.logicalSectorSize());
            List<Allocation> runs = checkAgainstModel(disk, want, List.of(childImg, baseImg));
            Allocation sector = runAt(runs, 33 * GIB + 2 * MIB + 100);
            assertEquals(List.of(33 * GIB + 2 * MIB, 4096L, 0L), List.of(sector.virtualOffset(), sector.length(),
                    (long) sector.depth()), "the written sector, whole, here: " + sector);
            assertEquals(33 * GIB + 8 * MIB, disk.nextHole(33 * GIB), "the end of the parent's block");
            assertEquals(GIB - 4096, disk.nextData(0));
        }
    }

    @Test
    void aChainOfThree() throws Exception {
        long size = 64L * MIB;
        VhdxBuilder base = VhdxBuilder.dynamic(size).blockSize(4 * MIB);
        base.write(0, VhdxBuilder.pattern(3 * MIB, 1));
        base.write(40L * MIB, VhdxBuilder.pattern(MIB, 2));
        BuiltImage baseImg = base.build(tmp.resolve("base.vhdx"));
        VhdxBuilder mid = VhdxBuilder.differencing(size).blockSize(2 * MIB).parent(base, "base.vhdx");
        mid.write(512 * 3, VhdxBuilder.pattern(512 * 5, 3));
        mid.blockState(20, VhdxBuilder.PAYLOAD_BLOCK_ZERO); // 40 MiB: zeros over the base's data
        mid.write(50L * MIB, VhdxBuilder.pattern(MIB, 4));
        BuiltImage midImg = mid.build(tmp.resolve("mid.avhdx"));
        VhdxBuilder top = VhdxBuilder.differencing(size).blockSize(MIB).parent(mid, "mid.avhdx");
        top.write(MIB + 100 * 512, VhdxBuilder.pattern(512, 5));
        top.write(50L * MIB + 512, VhdxBuilder.pattern(512, 6));
        top.blockState(60, VhdxBuilder.PAYLOAD_BLOCK_FULLY_PRESENT);
        BuiltImage topImg = top.build(tmp.resolve("top.avhdx"));
        ExpectedDisk want = top.expected(mid.expected(base.expected()));
        try (VirtualDisk disk = VhdxImage.open(topImg.path())) {
            List<Allocation> runs = checkAgainstModel(disk, want, List.of(topImg, midImg, baseImg));
            for (int depth = 0; depth < 3; depth++) {
                int d = depth;
                assertTrue(runs.stream().anyMatch(r -> r.data() && r.depth() == d), "data from depth " + d);
            }
            assertEquals(4L * MIB, disk.nextHole(0), "the base's first block, through the other two");
            assertEquals(42L * MIB, disk.nextData(4L * MIB), "the base's data under the middle's ZERO block is hidden,"
                    + " the rest of the base's 4 MiB block is not");
        }
    }

    @Test
    void aDirtyLogsBytesAreDataWithNoFileOffset() throws Exception {
        VhdxBuilder b = VhdxBuilder.dynamic(32L * MIB).blockSize(MIB);
        b.write(2L * MIB, VhdxBuilder.pattern(3 * 4096, 2));
        b.write(5L * MIB + 4096, VhdxBuilder.pattern(4096, 5));
        b.write(7L * MIB, VhdxBuilder.pattern(4096, 7));
        b.log().entry().bat(2).payload(2L * MIB, 4096).and().entry().bat(5); // the BAT of 5 only: payload as written
        BuiltImage img = b.build(tmp.resolve("dirty.vhdx"));
        try (VirtualDisk disk = VhdxImage.open(img.path())) {
            List<Allocation> runs = checkAgainstModel(disk, b.expected(), List.of(img));
            assertEquals(-1, runAt(runs, 2L * MIB).fileOffset(), "the log holds part of block 2");
            assertEquals(img.layout().fileOffset(5L * MIB), runAt(runs, 5L * MIB).fileOffset());
            assertEquals(img.layout().fileOffset(7L * MIB), runAt(runs, 7L * MIB).fileOffset());
        }
    }

    @Test
    void anEmpty64TibDiskIsOneRunFromAFewPiecesOfItsBat() throws Exception {
        VhdxBuilder b = VhdxBuilder.dynamic(64 * TIB).blockSize(MIB); // a 512 MiB BAT, never loaded whole
        b.write(0, VhdxBuilder.pattern(4096, 1));
        b.write(5 * TIB + 4 * GIB - MIB, VhdxBuilder.pattern(2 * MIB, 2)); // across a chunk's sector-bitmap entry
        b.write(64 * TIB - 512, VhdxBuilder.pattern(512, 3));
        BuiltImage img = b.build(tmp.resolve("huge.vhdx"));
        ExpectedDisk want = b.expected();
        try (VirtualDisk disk = VhdxImage.open(img.path())) {
            List<Allocation> raw = new ArrayList<>();
            assertTrue(disk.map(0, disk.size(), raw::add));
            // a run per block would be 64 Mi of them; runs of zeros span blocks, cut only where a walk's step ends
            assertTrue(raw.size() < (64 * TIB >> 30) + 16, raw.size() + " runs");
            assertEquals(merged(want.allocation()), merged(normalised(raw)));
            assertEquals(5 * TIB + 4 * GIB - MIB, disk.nextData(MIB));
            assertEquals(64 * TIB - MIB, disk.nextData(5 * TIB + 4 * GIB + MIB));
            assertEquals(4 * MIB, disk.allocatedBytes(0, disk.size()));
        }
    }

    @Test
    void aCorruptEntryAfterARunOfZerosFailsTheMapAsItFailsARead() throws Exception {
        // a BAT over the size the open scans whole: its entries are checked as they are walked
        VhdxBuilder b = VhdxBuilder.dynamic(16 * TIB).blockSize(MIB);
        b.batEntryOverride(9, 4); // block 9: the reserved state 4
        BuiltImage img = b.build(tmp.resolve("corrupt.vhdx"));
        try (VirtualDisk disk = VhdxImage.open(img.path())) {
            List<Allocation> before = new ArrayList<>();
            assertTrue(disk.map(0, 9L * MIB, before::add));
            assertEquals(List.of(new Allocation(0, 9L * MIB, false, 0, img.path(), -1)), before,
                    "the entry ends the run of zeros before it, and is not read for it");
            VhdxFormatException read = assertThrows(VhdxFormatException.class,
                    () -> disk.read(0, ByteBuffer.allocate(16 * MIB)));
            VhdxFormatException map = assertThrows(VhdxFormatException.class,
                    () -> disk.map(0, 16L * MIB, run -> true));
            assertTrue(map.getMessage().contains("(payload block 9)") && map.getMessage().contains("reserved"),
                    map.getMessage());
            assertEquals(read.getMessage(), map.getMessage());
        }
    }

    @Test
    void aDiskThatIsNoVhdxIsAllData() throws Exception {
        VirtualDisk plain = new VirtualDisk() {
            @Override
            public long size() {
                return 10_000;
            }

            @Override
            public int logicalSectorSize() {
                return 512;
            }

            @Override
            public int physicalSectorSize() {
                return 512;
            }

            @Override
            public int read(long virtualOffset, ByteBuffer dst) {
                throw new UnsupportedOperationException();
            }

            @Override
            public void close() {}
        };
        List<Allocation> runs = new ArrayList<>();
        assertTrue(plain.map(100, 1 << 20, runs::add));
        assertEquals(List.of(new Allocation(100, 9_900, true, 0, null, -1)), runs);
        assertEquals(7, plain.nextData(7));
        assertEquals(10_000, plain.nextHole(7));
        assertEquals(10_000, plain.nextData(10_000), "at the end: none");
        assertEquals(500, plain.allocatedBytes(9_500, 1_000));
        assertThrows(IllegalArgumentException.class, () -> plain.map(-1, 5, runs::add));
    }

    @Test
    void aSinkThatStopsEndsTheMap() throws Exception {
        VhdxBuilder b = VhdxBuilder.dynamic(16L * MIB).blockSize(MIB);
        b.write(3L * MIB, VhdxBuilder.pattern(MIB, 3));
        b.write(5L * MIB, VhdxBuilder.pattern(MIB, 5));
        BuiltImage img = b.build(tmp.resolve("stop.vhdx"));
        try (VirtualDisk disk = VhdxImage.open(img.path())) {
            List<Allocation> seen = new ArrayList<>();
            assertFalse(disk.mapMerged(0, disk.size(), run -> seen.add(run) && !run.data()));
            assertEquals(2, seen.size(), "zeros, then the first data run stops it: " + seen);
        }
    }

    @Test
    void threadsThatMapAtOnceGetWhatOneGets() throws Exception {
        // a 32 MiB BAT: twice what the cache holds, so that the threads evict each other's pages
        VhdxBuilder b = VhdxBuilder.dynamic(4 * TIB).blockSize(MIB);
        SplittableRandom random = new SplittableRandom(5);
        for (int i = 0; i < 200; i++) {
            b.write(random.nextLong(4 * TIB - 4096), VhdxBuilder.pattern(1 + random.nextInt(4096), i));
        }
        BuiltImage img = b.build(tmp.resolve("busy.vhdx"));
        List<ExpectedDisk.Run> want = b.expected().allocation();
        try (VirtualDisk disk = VhdxImage.open(img.path())) {
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<List<ExpectedDisk.Run>>> maps = new ArrayList<>();
                for (int t = 0; t < 8; t++) {
                    maps.add(pool.submit(() -> {
                        List<Allocation> runs = new ArrayList<>();
                        disk.map(0, disk.size(), runs::add);
                        return merged(normalised(runs));
                    }));
                }
                for (Future<List<ExpectedDisk.Run>> map : maps) {
                    assertEquals(want, map.get());
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    /** Random disks, random ranges: the promises of the map over each range, and the model over the whole disk. */
    @Test
    void randomRangesOfRandomDisks() throws Exception {
        SplittableRandom random = new SplittableRandom(13);
        for (int round = 0; round < 6; round++) {
            long size = (8 + random.nextInt(24)) * (long) MIB - 512L * random.nextInt(3);
            int sector = random.nextBoolean() ? 512 : 4096;
            size -= size % sector;
            VhdxBuilder base = VhdxBuilder.dynamic(size).blockSize(MIB).logicalSectorSize(sector);
            VhdxBuilder child = VhdxBuilder.differencing(size).blockSize(MIB).logicalSectorSize(sector)
                    .parent(base, "base" + round + ".vhdx");
            for (VhdxBuilder b : List.of(base, child)) {
                for (int i = random.nextInt(12); i > 0; i--) {
                    long at = random.nextLong(size - 1);
                    int n = (int) Math.min(size - at, 1 + random.nextInt(3 * MIB));
                    b.write(at, VhdxBuilder.pattern(n, random.nextLong()));
                }
                long blocks = (size + MIB - 1) / MIB;
                for (int i = random.nextInt(4); i > 0; i--) {
                    int[] states = {VhdxBuilder.PAYLOAD_BLOCK_ZERO, VhdxBuilder.PAYLOAD_BLOCK_UNMAPPED,
                        VhdxBuilder.PAYLOAD_BLOCK_FULLY_PRESENT, VhdxBuilder.PAYLOAD_BLOCK_NOT_PRESENT};
                    b.blockState(random.nextLong(blocks), states[random.nextInt(states.length)]);
                }
            }
            BuiltImage baseImg = base.build(tmp.resolve("base" + round + ".vhdx"));
            BuiltImage childImg = child.build(tmp.resolve("child" + round + ".avhdx"));
            ExpectedDisk want = child.expected(base.expected());
            try (VirtualDisk disk = VhdxImage.open(childImg.path())) {
                checkAgainstModel(disk, want, List.of(childImg, baseImg));
                for (int i = 0; i < 200; i++) {
                    long offset = random.nextLong(size + 1);
                    long length = random.nextBoolean() ? random.nextLong(2L * MIB) : random.nextLong(size + MIB);
                    List<Allocation> runs = new ArrayList<>();
                    assertTrue(disk.map(offset, length, runs::add));
                    checkRuns(disk, want, offset, Math.min(length, size - offset), runs);
                    long data = disk.nextData(offset);
                    long hole = disk.nextHole(offset);
                    assertEquals(firstOf(want, offset, true), data, "nextData(" + offset + ")");
                    assertEquals(firstOf(want, offset, false), hole, "nextHole(" + offset + ")");
                }
            }
        }
    }

    /**
     * The disk's map, merged, against the model; then {@link #checkRuns} over the whole disk, and each data run's
     * file against {@code images} by depth.
     *
     * @return the merged runs
     */
    private static List<Allocation> checkAgainstModel(VirtualDisk disk, ExpectedDisk want, List<BuiltImage> images)
            throws IOException {
        List<Allocation> raw = new ArrayList<>();
        assertTrue(disk.map(0, disk.size(), raw::add));
        checkRuns(disk, want, 0, disk.size(), raw);
        assertEquals(want.allocation(), merged(normalised(raw)), "the runs of the map, merged, against the model");
        List<Allocation> runs = new ArrayList<>();
        assertTrue(disk.mapMerged(0, disk.size(), runs::add));
        for (int i = 1; i < runs.size(); i++) {
            assertFalse(runs.get(i - 1).continuedBy(runs.get(i)), "merged: " + runs.get(i - 1) + ", " + runs.get(i));
        }
        assertEquals(merged(normalised(raw)), merged(normalised(runs)));
        for (Allocation run : runs) {
            BuiltImage image = images.get(run.depth());
            assertEquals(image.path(), run.file(), "the file at depth " + run.depth());
            if (run.fileOffset() >= 0) {
                checkFileOffsets(image, run);
            }
        }
        return runs;
    }

    /**
     * Runs cover {@code [offset, offset + length)} in order; no byte the model holds as non-zero lies in a zero run;
     * a zero run reads as zeros, and a data run's bytes at its file offset are the model's (of a run over 64 MiB,
     * its first and last 16 MiB are read).
     */
    private static void checkRuns(VirtualDisk disk, ExpectedDisk want, long offset, long length, List<Allocation> runs)
            throws IOException {
        long at = offset;
        for (Allocation run : runs) {
            assertEquals(at, run.virtualOffset(), "runs are contiguous: " + runs);
            at = run.end();
            if (run.zero()) {
                var written = want.dataRanges().floorEntry(run.end() - 1);
                assertTrue(written == null || written.getKey() + written.getValue() <= run.virtualOffset(),
                        "zero run " + run + " holds no byte the builder wrote (non-zero)");
            }
            for (long from = run.virtualOffset(); from < run.end(); from = next(run, from)) {
                int n = (int) Math.min(4 * MIB, run.end() - from);
                byte[] expected = want.read(from, n);
                if (run.zero()) {
                    byte[] got = new byte[n];
                    disk.read(from, ByteBuffer.wrap(got));
                    assertEquals(-1, Arrays.mismatch(got, new byte[n]), "zero run " + run + " reads zeros");
                } else if (run.fileOffset() >= 0) {
                    byte[] inFile = new byte[n];
                    try (FileChannel file = FileChannel.open(run.file())) {
                        file.read(ByteBuffer.wrap(inFile), run.fileOffset() + from - run.virtualOffset());
                    }
                    assertEquals(-1, Arrays.mismatch(inFile, expected), "data run " + run + " at its file offset");
                }
            }
        }
        assertEquals(offset + length, at, "runs cover the range: " + runs);
    }

    /** The next 4 MiB to read of a run: all of a run up to 64 MiB, else its first and last 16 MiB. */
    private static long next(Allocation run, long from) {
        long next = from + 4 * MIB;
        return run.length() <= 64 * MIB || next < run.virtualOffset() + 16 * MIB || next >= run.end() - 16 * MIB
                ? next : run.end() - 16 * MIB;
    }

    /** A data run's file offset at each of its blocks is where the builder put that block. */
    private static void checkFileOffsets(BuiltImage image, Allocation run) {
        Layout layout = image.layout();
        for (long v = run.virtualOffset(); v < run.end(); v = (v / layout.blockSize() + 1) * layout.blockSize()) {
            assertEquals(layout.fileOffset(v), run.fileOffset() + v - run.virtualOffset(), "file offset of " + v
                    + " in " + run);
        }
    }

    /** Where the model's first run of this kind at or after {@code offset} starts (the disk's size if none). */
    private static long firstOf(ExpectedDisk want, long offset, boolean data) {
        for (ExpectedDisk.Run run : want.allocation()) {
            if (run.end() > offset && run.data() == data) {
                return Math.max(offset, run.offset());
            }
        }
        return want.size();
    }

    private static Allocation runAt(List<Allocation> runs, long virtualOffset) {
        return runs.stream().filter(r -> r.virtualOffset() <= virtualOffset && virtualOffset < r.end()).findFirst()
                .orElseThrow();
    }

    private static List<ExpectedDisk.Run> normalised(List<Allocation> runs) {
        List<ExpectedDisk.Run> out = new ArrayList<>();
        for (Allocation r : runs) {
            out.add(new ExpectedDisk.Run(r.virtualOffset(), r.length(), r.data(), r.depth()));
        }
        return out;
    }

    private static List<ExpectedDisk.Run> merged(List<ExpectedDisk.Run> runs) {
        List<ExpectedDisk.Run> out = new ArrayList<>();
        for (ExpectedDisk.Run r : runs) {
            ExpectedDisk.Run last = out.isEmpty() ? null : out.get(out.size() - 1);
            if (last != null && last.data() == r.data() && last.depth() == r.depth() && last.end() == r.offset()) {
                out.set(out.size() - 1, new ExpectedDisk.Run(last.offset(), last.length() + r.length(), r.data(),
                        r.depth()));
            } else {
                out.add(r);
            }
        }
        return out;
    }
}
