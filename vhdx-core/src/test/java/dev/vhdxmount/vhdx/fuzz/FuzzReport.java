package dev.vhdxmount.vhdx.fuzz;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a campaign found: cases by outcome class, by seed image, the slowest case, and every failure with what it
 * takes to reproduce it. Thread-safe; reports of forked JVMs are written to a file and merged.
 */
final class FuzzReport {
    private long cases;
    private long ok;
    private long refused;
    private long failed;
    private long totalNanos;
    private long maxNanos;
    private String slowest = "";
    private long bytesRead;
    private final Map<String, Long> classes = new TreeMap<>();
    private final Map<String, long[]> seeds = new TreeMap<>();
    private final List<String> failures = new ArrayList<>();

    synchronized void add(long campaignSeed, long index, String seedImage, List<String> mutations, Outcome o) {
        cases++;
        totalNanos += o.nanos();
        bytesRead += o.bytesRead();
        switch (o.status()) {
            case OK -> ok++;
            case REFUSED -> refused++;
            default -> failed++;
        }
        classes.merge(o.outcomeClass(), 1L, Long::sum);
        long[] s = seeds.computeIfAbsent(seedImage, k -> new long[4]);
        s[0]++;
        s[1 + o.status().ordinal()]++;
        String caseId = "seed " + campaignSeed + " case " + index + " (" + seedImage + ")";
        if (o.nanos() > maxNanos) {
            maxNanos = o.nanos();
            slowest = caseId + ", " + o.outcomeClass();
        }
        if (o.status() == Outcome.Status.FAILED) {
            failures.add("FAILURE " + caseId + ": " + o.message() + "\n  mutations:\n    "
                    + String.join("\n    ", mutations) + "\n  reproduce: scripts/fuzz.sh --replay " + index
                    + " --seed " + campaignSeed + "\n" + o.detail());
        }
    }

    synchronized long cases() {
        return cases;
    }

    synchronized long failed() {
        return failed;
    }

    synchronized List<String> failures() {
        return List.copyOf(failures);
    }

    synchronized void merge(FuzzReport other) {
        cases += other.cases;
        ok += other.ok;
        refused += other.refused;
        failed += other.failed;
        totalNanos += other.totalNanos;
        bytesRead += other.bytesRead;
        if (other.maxNanos > maxNanos) {
            maxNanos = other.maxNanos;
            slowest = other.slowest;
        }
        other.classes.forEach((k, v) -> classes.merge(k, v, Long::sum));
        other.seeds.forEach((k, v) -> {
            long[] s = seeds.computeIfAbsent(k, x -> new long[4]);
            for (int i = 0; i < 4; i++) {
                s[i] += v[i];
            }
        });
        failures.addAll(other.failures);
    }

    /** The figures, for a person: totals, rates, time per case, the most frequent outcome classes, failures. */
    synchronized String summary(String title, long wallNanos, int topClasses) {
        StringBuilder s = new StringBuilder();
        double wall = wallNanos / 1e9;
        s.append(title).append('\n');
        s.append(String.format("cases %d in %.1f s wall: %.1f cases/s; per case mean %.1f ms, max %.0f ms (%s)%n",
                cases, wall, cases / Math.max(wall, 1e-9), cases == 0 ? 0 : totalNanos / 1e6 / cases,
                maxNanos / 1e6, slowest));
        s.append(String.format("outcomes: ok %d (%.1f%%), refused with VhdxFormatException %d (%.1f%%), FAILED %d;"
                + " %d outcome classes; %.1f GiB read%n", ok, pct(ok), refused, pct(refused), failed,
                classes.size(), bytesRead / (double) (1L << 30)));
        s.append("per seed image: cases, ok, refused, failed\n");
        seeds.forEach((k, v) -> s.append(String.format("  %-36s %7d %7d %7d %5d%n", k, v[0], v[1], v[2], v[3])));
        s.append("most frequent outcome classes:\n");
        classes.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder()))
                .limit(topClasses).forEach(e -> s.append(String.format("  %7d  %s%n", e.getValue(), e.getKey())));
        for (String f : failures) {
            s.append(f).append('\n');
        }
        return s.toString();
    }

    private double pct(long n) {
        return cases == 0 ? 0 : 100.0 * n / cases;
    }

    /** Every outcome class with its count, one a line: the long tail that {@link #summary} leaves out. */
    synchronized String allClasses() {
        StringBuilder s = new StringBuilder();
        classes.forEach((k, v) -> s.append(v).append('\t').append(k).append('\n'));
        return s.toString();
    }

    // ------------------------------------------------------------------------------------------ file form

    synchronized void write(Path file) throws IOException {
        List<String> lines = new ArrayList<>();
        lines.add("totals\t" + cases + "\t" + ok + "\t" + refused + "\t" + failed + "\t" + totalNanos + "\t"
                + maxNanos + "\t" + bytesRead + "\t" + escape(slowest));
        classes.forEach((k, v) -> lines.add("class\t" + v + "\t" + escape(k)));
        seeds.forEach((k, v) -> lines.add("seed\t" + v[0] + "\t" + v[1] + "\t" + v[2] + "\t" + v[3] + "\t"
                + escape(k)));
        failures.forEach(f -> lines.add("failure\t" + escape(f)));
        Files.write(file, lines);
    }

    static FuzzReport read(Path file) throws IOException {
        FuzzReport r = new FuzzReport();
        for (String line : Files.readAllLines(file)) {
            String[] f = line.split("\t", -1);
            switch (f[0]) {
                case "totals" -> {
                    r.cases = Long.parseLong(f[1]);
                    r.ok = Long.parseLong(f[2]);
                    r.refused = Long.parseLong(f[3]);
                    r.failed = Long.parseLong(f[4]);
                    r.totalNanos = Long.parseLong(f[5]);
                    r.maxNanos = Long.parseLong(f[6]);
                    r.bytesRead = Long.parseLong(f[7]);
                    r.slowest = unescape(f[8]);
                }
                case "class" -> r.classes.put(unescape(f[2]), Long.parseLong(f[1]));
                case "seed" -> r.seeds.put(unescape(f[5]), new long[] {Long.parseLong(f[1]), Long.parseLong(f[2]),
                    Long.parseLong(f[3]), Long.parseLong(f[4])});
                case "failure" -> r.failures.add(unescape(f[1]));
                default -> throw new IOException(file + ": unknown line " + line);
            }
        }
        return r;
    }

    /** One line of ASCII: anything else (tabs, line ends, lone surrogates of mutated strings) as \\uXXXX. */
    static String escape(String s) {
        StringBuilder out = new StringBuilder();
        for (char c : s.toCharArray()) {
            if (c == '\\') {
                out.append("\\\\");
            } else if (c < 32 || c >= 127) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static String unescape(String s) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && s.charAt(i + 1) == 'u') {
                out.append((char) Integer.parseInt(s.substring(i + 2, i + 6), 16));
                i += 5;
            } else if (c == '\\') {
                out.append(s.charAt(++i));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
