package dev.vhdxmount.vhdx.testkit;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Runs qemu-img for the cross-checks; tests skip themselves when it is not installed. */
final class QemuImg {
    record Result(int exitCode, String output) {}

    private QemuImg() {}

    static boolean available() {
        try {
            return run("--version").exitCode() == 0;
        } catch (IOException e) {
            return false;
        }
    }

    static Result run(String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add("qemu-img");
        cmd.addAll(Arrays.asList(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("qemu-img timed out: " + cmd);
            }
            return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    static Result runOrFail(String... args) throws IOException {
        Result r = run(args);
        if (r.exitCode() != 0) {
            throw new AssertionError("qemu-img " + String.join(" ", args) + " exited " + r.exitCode() + ":\n" + r.output());
        }
        return r;
    }

    /** Converts to a sparse raw file. */
    static void toRaw(Path vhdx, Path raw) throws IOException {
        runOrFail("convert", "-f", "vhdx", "-O", "raw", vhdx.toString(), raw.toString());
    }

    private static final Pattern SEGMENT = Pattern.compile(
            "\"start\":\\s*(\\d+),\\s*\"length\":\\s*(\\d+),.*?\"data\":\\s*(true|false)");

    /**
     * Checks a raw file against the expected disk by its extents ({@code qemu-img map} on the raw file lists data
     * and holes), so that a sparse 5 GiB disk is compared without reading gigabytes of zeros.
     *
     * @return null when equal, otherwise a description of the first difference
     */
    static String compareRawSparse(Path raw, ExpectedDisk want) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(raw.toFile(), "r")) {
            if (f.length() != want.size()) {
                return "raw file is " + f.length() + " bytes, disk is " + want.size();
            }
            Matcher m = SEGMENT.matcher(runOrFail("map", "--output=json", "-f", "raw", raw.toString()).output());
            long covered = 0;
            byte[] got = new byte[1 << 20];
            while (m.find()) {
                long start = Long.parseLong(m.group(1));
                long length = Long.parseLong(m.group(2));
                if (start != covered) {
                    return "qemu-img map skipped [" + covered + ", " + start + ")";
                }
                covered = start + length;
                if (Boolean.parseBoolean(m.group(3))) {
                    for (long off = start; off < start + length; off += got.length) {
                        int n = (int) Math.min(got.length, start + length - off);
                        f.seek(off);
                        f.readFully(got, 0, n);
                        int at = Arrays.mismatch(got, 0, n, want.read(off, n), 0, n);
                        if (at >= 0) {
                            return "byte " + (off + at) + " differs";
                        }
                    }
                } else {
                    for (Map.Entry<Long, Long> r : want.dataRanges().subMap(0L, start + length).entrySet()) {
                        long s = Math.max(r.getKey(), start);
                        long e = Math.min(r.getKey() + r.getValue(), start + length);
                        for (long off = s; off < e; off += got.length) {
                            int n = (int) Math.min(got.length, e - off);
                            byte[] w = want.read(off, n);
                            for (int i = 0; i < n; i++) {
                                if (w[i] != 0) {
                                    return "byte " + (off + i) + " should be non-zero but the raw file has a hole there";
                                }
                            }
                        }
                    }
                }
            }
            return covered == want.size() ? null : "qemu-img map covered only " + covered + " bytes";
        }
    }
}
