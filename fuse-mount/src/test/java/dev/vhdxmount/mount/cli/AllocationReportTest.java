package dev.vhdxmount.mount.cli;

import static dev.vhdxmount.vhdx.testkit.Sizes.MIB;
import static dev.vhdxmount.vhdx.testkit.Sizes.TIB;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.jr.ob.JSON;

import dev.vhdxmount.vhdx.VhdxImage;
import dev.vhdxmount.vhdx.VirtualDisk;
import dev.vhdxmount.vhdx.testkit.BuiltImage;
import dev.vhdxmount.vhdx.testkit.ExpectedDisk;
import dev.vhdxmount.vhdx.testkit.VhdxBuilder;

/**
 * {@code vhdx-info --map} against the test builder's own model of each image: the runs (data or zeros, and which file
 * of the chain), where data lies in its file, and that alike neighbours are one run.
 */
class AllocationReportTest {
    @TempDir
    Path tmp;

    @Test
    void aChainsMapAsJsonIsTheBuildersModel() throws Exception {
        long size = 32L * MIB;
        VhdxBuilder base = VhdxBuilder.dynamic(size).blockSize(MIB);
        base.write(0, VhdxBuilder.pattern(3 * MIB, 1));
        base.write(20L * MIB, VhdxBuilder.pattern(MIB, 2));
        BuiltImage baseImg = base.build(tmp.resolve("base.vhdx"));
        VhdxBuilder child = VhdxBuilder.differencing(size).blockSize(MIB).parent(base, "base.vhdx");
        child.write(MIB + 4096, VhdxBuilder.pattern(8192, 3));
        child.blockState(20, VhdxBuilder.PAYLOAD_BLOCK_ZERO);
        child.write(30L * MIB, VhdxBuilder.pattern(MIB, 4));
        BuiltImage childImg = child.build(tmp.resolve("child.avhdx"));
        ExpectedDisk want = child.expected(base.expected());
        List<BuiltImage> chain = List.of(childImg, baseImg);

        List<Map<String, Object>> runs = json(childImg.path());
        List<ExpectedDisk.Run> got = new ArrayList<>();
        for (Map<String, Object> run : runs) {
            long start = number(run, "start");
            long length = number(run, "length");
            int depth = (int) number(run, "depth");
            boolean data = (Boolean) run.get("data");
            assertEquals(!data, run.get("zero"));
            got.add(new ExpectedDisk.Run(start, length, data, depth));
            BuiltImage holder = chain.get(depth);
            assertEquals(Logging.show(holder.path()), run.get("file"));
            if (data) {
                assertEquals(holder.layout().fileOffset(start), number(run, "offset"), "offset of " + run);
            } else {
                assertTrue(!run.containsKey("offset"), run.toString());
            }
        }
        assertEquals(want.allocation(), got, "the map, run by run");
    }

    @Test
    void theTableSaysHowMuchIsData() throws Exception {
        VhdxBuilder b = VhdxBuilder.dynamic(16L * MIB).blockSize(MIB);
        b.write(2L * MIB, VhdxBuilder.pattern(MIB, 1));
        b.write(3L * MIB, VhdxBuilder.pattern(MIB, 2));
        BuiltImage img = b.build(tmp.resolve("disk.vhdx"));
        StringWriter out = new StringWriter();
        try (VirtualDisk disk = VhdxImage.open(img.path())) {
            AllocationReport.printText(new PrintWriter(out), disk);
        }
        String file = Logging.show(img.path());
        assertEquals(String.join("\n",
                "start               length              kind  depth  offset in file      file",
                "0x0                 0x200000            zero      0  -                   " + file,
                "0x200000            0x200000            data      0  " + pad(hex(img.layout().fileOffset(2L * MIB)))
                        + " " + file,
                "0x400000            0xc00000            zero      0  -                   " + file,
                "data: 2097152 of 16777216 bytes (2.0 MiB of 16.0 MiB)", ""), out.toString());
    }

    @Test
    void anEmpty64TibDiskIsOneLine() throws Exception {
        BuiltImage img = VhdxBuilder.dynamic(64 * TIB).blockSize(MIB).build(tmp.resolve("huge.vhdx"));
        List<Map<String, Object>> runs = json(img.path());
        assertEquals(1, runs.size(), runs.toString());
        assertEquals(64 * TIB, number(runs.get(0), "length"));
        assertEquals(Boolean.TRUE, runs.get(0).get("zero"));
    }

    @Test
    void aCorruptEntryEndsTheMapWithTheExitCodeOfACorruptImage() throws Exception {
        VhdxBuilder b = VhdxBuilder.dynamic(16 * TIB).blockSize(MIB); // a BAT the open does not scan whole
        b.batEntryOverride(9, 4); // block 9: the reserved state 4
        BuiltImage img = b.build(tmp.resolve("corrupt.vhdx"));
        assertEquals(ExitCode.CORRUPT_IMAGE, InfoCommand.run("-q", "--map", "--json", img.path().toString()));
        assertEquals(ExitCode.OK, InfoCommand.run("-q", "--json", img.path().toString()), "the report reads no BAT");
    }

    private static List<Map<String, Object>> json(Path image) throws Exception {
        StringWriter out = new StringWriter();
        try (VirtualDisk disk = VhdxImage.open(image)) {
            AllocationReport.printJson(new PrintWriter(out), disk);
        }
        List<Map<String, Object>> runs = new ArrayList<>();
        for (Object o : JSON.std.listFrom(out.toString())) {
            @SuppressWarnings("unchecked")
            Map<String, Object> run = (Map<String, Object>) o;
            runs.add(run);
        }
        assertEquals(runs.size(), out.toString().split("\n").length, "one run a line, as qemu-img map prints");
        return runs;
    }

    private static long number(Map<String, Object> run, String key) {
        return ((Number) run.get(key)).longValue();
    }

    private static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }

    private static String pad(String s) {
        return String.format("%-19s", s);
    }
}
