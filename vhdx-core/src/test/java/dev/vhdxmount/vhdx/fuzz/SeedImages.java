package dev.vhdxmount.vhdx.fuzz;

import static dev.vhdxmount.vhdx.testkit.Sizes.MIB;
import static dev.vhdxmount.vhdx.testkit.Sizes.GIB;

import dev.vhdxmount.vhdx.testkit.Bin;
import dev.vhdxmount.vhdx.testkit.Corpus;
import dev.vhdxmount.vhdx.testkit.LogBuilder;
import dev.vhdxmount.vhdx.testkit.Tools;
import dev.vhdxmount.vhdx.testkit.VhdxBuilder;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * The valid images a campaign starts from, written into one directory (one sub-directory per seed, so that a
 * differencing chain's files sit together): images from the testkit's builder (fixed, dynamic, 4096-byte sectors,
 * past the first chunk, every block state, dirty logs that wrap and grow the file, differencing chains of two and
 * three levels, unknown regions and items), images made by qemu-img, and the small Windows-made corpus images.
 *
 * <p>Every seed is byte-for-byte the same on every run (fixed GUIDs; qemu-img's random GUIDs are overwritten), so a
 * case is reproduced from its campaign seed and index alone, on a machine with the same qemu-img.
 */
final class SeedImages {

    private SeedImages() {}

    /** Writes every seed under {@code dir} and returns them; seeds whose tool is missing are skipped. */
    static List<SeedImage> build(Path dir) throws IOException {
        builderSeeds(dir);
        qemuSeeds(dir);
        corpusSeeds(dir);
        return load(dir);
    }

    /** The seeds a previous {@link #build} wrote, in name order. */
    static List<SeedImage> load(Path dir) throws IOException {
        List<SeedImage> seeds = new ArrayList<>();
        for (Path p : dirs(dir)) {
            seeds.add(SeedImage.load(p));
        }
        return seeds;
    }

    /** The folders of the seeds a previous {@link #build} wrote, in the order of {@link #load}. */
    static List<Path> dirs(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> Files.isRegularFile(p.resolve("chain.txt"))).sorted().toList();
        }
    }

    // ------------------------------------------------------------------------------------------ builder

    private static void builderSeeds(Path dir) throws IOException {
        VhdxBuilder fixed = ids(VhdxBuilder.fixed(8L * MIB).blockSize(MIB), 1);
        fixed.write(0, data(64 * 1024, 1));
        fixed.write(3L * MIB + 512, data(8192, 2));
        fixed.write(8L * MIB - 4096, data(4096, 3));
        single(dir, "builder-fixed", fixed);

        VhdxBuilder states = ids(VhdxBuilder.dynamic(48L * MIB).blockSize(2 * MIB), 2);
        states.write(0, data(4096, 4));
        states.write(5L * MIB - 512, data(2 * MIB, 5)); // crosses a block boundary
        states.write(20L * MIB, data(4096, 6));
        states.blockState(10, VhdxBuilder.PAYLOAD_BLOCK_ZERO); // stale data under a ZERO block
        states.blockState(12, VhdxBuilder.PAYLOAD_BLOCK_UNDEFINED);
        states.blockState(13, VhdxBuilder.PAYLOAD_BLOCK_UNMAPPED);
        states.blockState(14, VhdxBuilder.PAYLOAD_BLOCK_UNMAPPED_V0);
        states.blockState(23, VhdxBuilder.PAYLOAD_BLOCK_FULLY_PRESENT);
        single(dir, "builder-dynamic-states", states);

        VhdxBuilder big4k = ids(VhdxBuilder.dynamic(40 * GIB).logicalSectorSize(4096).blockSize(32 * MIB), 3)
                .allocateSectorBitmaps(true);
        big4k.write(0, data(8192, 7));
        big4k.write(33 * GIB - 4096, data(3 * 4096, 8)); // across a block, in the second chunk
        single(dir, "builder-4k-two-chunks", big4k);

        VhdxBuilder fiveGig = ids(VhdxBuilder.dynamic(5 * GIB).blockSize(MIB).physicalSectorSize(512), 4);
        fiveGig.write(4 * GIB - 1024, data(4096, 9)); // across the first chunk's end
        fiveGig.write(MIB, data(512, 10));
        single(dir, "builder-5g-1m-blocks", fiveGig);

        VhdxBuilder terabyte = ids(VhdxBuilder.dynamic(1L << 40).blockSize(MIB), 13); // an 8 MiB BAT, paged
        terabyte.write(0, data(4096, 13));
        terabyte.write((1L << 40) - MIB - 512, data(MIB, 14)); // the last two blocks: BAT pages far from the first
        single(dir, "builder-1t-8m-bat", terabyte);

        VhdxBuilder odd = ids(VhdxBuilder.dynamic(16L * MIB).logicalSectorSize(4096).physicalSectorSize(512)
                .blockSize(MIB), 5);
        odd.knownRegionsRequired(false).unknownRegion(new UUID(5, 10), false)
                .unknownMetadata(new UUID(5, 11), false)
                .metadataItem(new UUID(5, 12), data(40, 11), true, false, false)
                .identicalHeaders(7);
        odd.write(7L * MIB, data(4096, 12));
        single(dir, "builder-unknown-items-4k", odd);

        VhdxBuilder dirty = ids(VhdxBuilder.dynamic(16L * MIB).blockSize(MIB), 6);
        for (int b = 1; b <= 5; b++) {
            dirty.write(b * (long) MIB + 4096, data(8192, 20 + b));
        }
        dirty.write(9L * MIB, data(4096, 30));
        LogBuilder log = dirty.log().guid(new UUID(6, 4)).startAt(MIB - 16 * 1024); // the sequence wraps
        log.staleEntry().bat(9);
        log.entry().bat(1).payload(MIB + 4096, 8192);
        log.entry().bat(2).bat(3).payload(2L * MIB + 4096, 4096)
                .zero(dirty.layout().fileOffset(3L * MIB), 4096);
        log.entry().bat(4).payload(4L * MIB + 4096, 8192);
        log.tornEntry().bat(5);
        log.foreignEntry(new UUID(6, 5)).bat(9);
        single(dir, "builder-dirty-wrapping-log", dirty);

        VhdxBuilder grow = ids(VhdxBuilder.dynamic(32L * MIB).blockSize(MIB), 7);
        grow.write(20L * MIB, data(MIB, 31));
        grow.write(2L * MIB, data(4096, 32));
        grow.log().guid(new UUID(7, 4)).length(2L * MIB).entry().appendBlock(20).and().entry().bat(2)
                .payload(2L * MIB, 4096);
        single(dir, "builder-dirty-growing-log", grow);

        chain2(dir);
        chain3(dir);
    }

    /** A two-level chain: every block state of a differencing disk, a locator with every key. */
    private static void chain2(Path dir) throws IOException {
        long size = 16L * MIB;
        VhdxBuilder base = ids(VhdxBuilder.dynamic(size).blockSize(MIB), 8);
        base.write(0, data(6 * MIB, 40));
        base.write(12L * MIB, data(MIB, 41));
        VhdxBuilder child = ids(VhdxBuilder.differencing(size).blockSize(2 * MIB), 9);
        Map<String, String> locator = new LinkedHashMap<>();
        locator.put("parent_linkage", "{" + base.dataWriteGuid() + "}");
        locator.put("parent_linkage2", "{" + new UUID(9, 99) + "}");
        locator.put("relative_path", ".\\base.vhdx");
        locator.put("volume_path", "\\\\?\\Volume{26a21bda-a627-11d7-9931-806e6f6e6963}\\vms\\base.vhdx");
        locator.put("absolute_win32_path", "C:\\vms\\base.vhdx");
        child.parentLocator(locator);
        child.write(512 * 3, data(512 * 5, 42)); // partially present
        child.write(2L * MIB + 4096 * 7, data(4096, 43));
        child.blockState(2, VhdxBuilder.PAYLOAD_BLOCK_ZERO); // zeros over the base's data
        child.blockState(3, VhdxBuilder.PAYLOAD_BLOCK_UNMAPPED);
        child.blockState(4, VhdxBuilder.PAYLOAD_BLOCK_UNDEFINED);
        child.blockState(6, VhdxBuilder.PAYLOAD_BLOCK_FULLY_PRESENT);
        write(dir, "builder-chain2", List.of(Map.entry("child.avhdx", child), Map.entry("base.vhdx", base)));
    }

    /** Three levels in one folder, different block sizes, 4096-byte sectors, the top one dirty. */
    private static void chain3(Path dir) throws IOException {
        long size = 8L * MIB;
        VhdxBuilder base = ids(VhdxBuilder.dynamic(size).logicalSectorSize(4096).blockSize(4 * MIB), 10);
        base.write(0, data(8 * MIB, 50));
        VhdxBuilder mid = ids(VhdxBuilder.differencing(size).logicalSectorSize(4096).blockSize(2 * MIB), 11)
                .parent(base, "base.vhdx");
        mid.write(MIB, data(4096 * 3, 51));
        mid.blockState(3, VhdxBuilder.PAYLOAD_BLOCK_ZERO);
        VhdxBuilder top = ids(VhdxBuilder.differencing(size).logicalSectorSize(4096).blockSize(MIB), 12)
                .parent(mid, ".\\mid.avhdx");
        top.write(MIB + 8192, data(4096, 52));
        top.write(5L * MIB, data(4096 * 2, 53));
        top.log().guid(new UUID(12, 4)).entry().bat(5).sectorBitmap(5).payload(5L * MIB, 8192);
        write(dir, "builder-chain3-dirty-top", List.of(Map.entry("top.avhdx", top), Map.entry("mid.avhdx", mid),
                Map.entry("base.vhdx", base)));
    }

    /**
     * Content: each 512-byte sector says which seed and offset it holds. Unlike random bytes it compresses, so a
     * failing case saved as a regression fixture stays small.
     */
    static byte[] data(int length, long seed) {
        byte[] b = new byte[length];
        for (int sector = 0; sector * 512 < length; sector++) {
            byte[] line = String.format("seed %d sector %d ", seed, sector).getBytes(StandardCharsets.US_ASCII);
            for (int i = sector * 512; i < Math.min(length, (sector + 1) * 512); i++) {
                b[i] = line[(i - sector * 512) % line.length];
            }
        }
        return b;
    }

    /** Fixed GUIDs, so that the seed is the same file on every run. */
    private static VhdxBuilder ids(VhdxBuilder b, int n) {
        return b.dataWriteGuid(new UUID(n, 1)).fileWriteGuid(new UUID(n, 2)).virtualDiskId(new UUID(n, 3));
    }

    private static void single(Path dir, String name, VhdxBuilder b) throws IOException {
        write(dir, name, List.of(Map.entry("disk.vhdx", b)));
    }

    private static void write(Path dir, String name, List<Map.Entry<String, VhdxBuilder>> chain) throws IOException {
        Path d = Files.createDirectories(dir.resolve(name));
        List<String> names = new ArrayList<>();
        for (Map.Entry<String, VhdxBuilder> e : chain) {
            e.getValue().build(d.resolve(e.getKey()));
            names.add(e.getKey());
        }
        Files.write(d.resolve("chain.txt"), names);
    }

    // ------------------------------------------------------------------------------------------ qemu-img

    private static void qemuSeeds(Path dir) throws IOException {
        if (!onPath("qemu-img")) {
            System.err.println("fuzz: qemu-img not found, no qemu-made seeds");
            return;
        }
        qemu(dir, "qemu-dynamic-1m", 24L * MIB, 20, "subformat=dynamic,block_size=1M");
        qemu(dir, "qemu-fixed-2m", 8L * MIB, 21, "subformat=fixed,block_size=2M");
        qemu(dir, "qemu-dynamic-auto", 100L * MIB, 22, "subformat=dynamic");
    }

    /** qemu-img converts a raw file with data in every third MiB, then its random GUIDs are fixed. */
    private static void qemu(Path dir, String name, long size, int n, String options) throws IOException {
        Path d = Files.createDirectories(dir.resolve(name));
        Path raw = d.resolve("data.raw");
        try (RandomAccessFile f = new RandomAccessFile(raw.toFile(), "rw")) {
            f.setLength(size);
            for (long at = 0; at < size; at += 3L * MIB) {
                f.seek(at + 512 * (at / MIB % 7));
                f.write(data(3 * 4096, n * 1000 + at / MIB));
            }
        }
        Path image = d.resolve("disk.vhdx");
        try {
            Tools.Result r = Tools.run(List.of("qemu-img", "convert", "-f", "raw", "-O", "vhdx", "-o", options,
                    raw.toString(), image.toString()), 120);
            if (r.exitCode() != 0) {
                throw new IOException("qemu-img convert failed: " + r.stderr());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        Files.delete(raw);
        fixGuids(image, n);
        Files.write(d.resolve("chain.txt"), List.of("disk.vhdx"));
    }

    /** Overwrites FileWriteGuid, DataWriteGuid (both headers, CRC recomputed) and Page 83 Data with fixed values. */
    private static void fixGuids(Path image, int n) throws IOException {
        ImageMap map = ImageMap.of(image);
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            for (ImageMap.Structure h : map.ofKind(ImageMap.Kind.HEADER)) {
                byte[] b = new byte[4096];
                f.seek(h.start());
                f.readFully(b);
                System.arraycopy(Bin.guid(new UUID(n, 2)), 0, b, 16, 16);
                System.arraycopy(Bin.guid(new UUID(n, 1)), 0, b, 32, 16);
                ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(4, Bin.checksum(b, 4096));
                f.seek(h.start());
                f.write(b);
            }
            for (ImageMap.Structure s : map.ofKind(ImageMap.Kind.METADATA_ITEM)) {
                if (s.name().equals("Page 83 Data")) {
                    f.seek(s.start());
                    f.write(Bin.guid(new UUID(n, 3)));
                }
            }
        }
    }

    private static boolean onPath(String tool) {
        for (String d : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (Files.isExecutable(Path.of(d, tool))) {
                return true;
            }
        }
        return false;
    }

    // ------------------------------------------------------------------------------------------ corpus

    /** The small Windows-made images: a Windows 11 dynamic disk and a Windows 10 dirty log. */
    private static void corpusSeeds(Path dir) throws IOException {
        // never skipped: the corpus is part of the checkout, and without these seeds a case's seed and index would pick
        // another image, so that a saved case would not replay
        for (Corpus.Image image : Corpus.images()) {
            if (image.file().equals("goatrodeo/basic.vhdx.gz")
                    || image.file().equals("discutils/vhdx-log-replay.vhdx.gz")) {
                Path d = Files.createDirectories(dir.resolve("corpus-" + image.name()));
                Path p = Corpus.decompress(image, d);
                Files.move(p, d.resolve("disk.vhdx"));
                Files.write(d.resolve("chain.txt"), List.of("disk.vhdx"));
            }
        }
    }
}
