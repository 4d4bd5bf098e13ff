package dev.vhdxmount.mount.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;

import com.fasterxml.jackson.jr.ob.JSON;

import dev.vhdxmount.vhdx.Allocation;
import dev.vhdxmount.vhdx.VirtualDisk;

/**
 * {@code vhdx-info --map}: the disk's allocation map, runs of data and of zeros, each once (alike neighbours joined),
 * printed as the map is walked so that a fragmented 64 TiB disk needs no memory for it. The JSON has the shape of
 * {@code qemu-img map --output=json} (start, length, depth, zero, data, offset where the data lies as it is in the
 * file) and names the file of the chain that holds or zeroed each run.
 */
final class AllocationReport {
    private AllocationReport() {}

    static void printJson(PrintWriter out, VirtualDisk disk) throws IOException {
        boolean[] first = {true};
        out.print("[");
        disk.mapMerged(0, disk.size(), run -> {
            out.print(first[0] ? "" : ",\n");
            first[0] = false;
            out.print(String.format(Locale.ROOT, "{ \"start\": %d, \"length\": %d, \"depth\": %d, \"zero\": %b,"
                    + " \"data\": %b", run.virtualOffset(), run.length(), run.depth(), run.zero(), run.data()));
            if (run.fileOffset() >= 0) {
                out.print(", \"offset\": " + run.fileOffset());
            }
            if (run.file() != null) {
                out.print(", \"file\": " + JSON.std.asString(show(run.file())));
            }
            out.print("}");
            return true;
        });
        out.println("]");
    }

    /** A table of every run, then how much of the disk holds data. */
    static void printText(PrintWriter out, VirtualDisk disk) throws IOException {
        String format = "%-19s %-19s %-5s %5s  %-19s %s%n";
        out.printf(Locale.ROOT, format, "start", "length", "kind", "depth", "offset in file", "file");
        long[] data = {0};
        disk.mapMerged(0, disk.size(), run -> {
            out.printf(Locale.ROOT, format, hex(run.virtualOffset()), hex(run.length()), run.data() ? "data" : "zero",
                    run.depth(), run.fileOffset() >= 0 ? hex(run.fileOffset()) : "-", file(run));
            data[0] += run.data() ? run.length() : 0;
            return true;
        });
        out.printf(Locale.ROOT, "data: %d of %d bytes (%s of %s)%n", data[0], disk.size(),
                ImageReport.humanSize(data[0]), ImageReport.humanSize(disk.size()));
    }

    private static String file(Allocation run) {
        return run.file() == null ? "-" : show(run.file());
    }

    private static String show(Path file) {
        return Logging.show(file);
    }

    private static String hex(long value) {
        return "0x" + Long.toHexString(value);
    }
}
