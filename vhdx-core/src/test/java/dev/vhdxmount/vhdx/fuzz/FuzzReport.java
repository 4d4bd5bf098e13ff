package dev.vhdxmount.vhdx.fuzz;

import dev.vhdxmount.vhdx.error.VhdxFormatException;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a campaign found: cases by outcome class, by seed image, the slowest case, and every failure with what it
 * takes to reproduce it. Thread-safe: the jobs of a campaign add to one report.
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

    static String unescape(String s) {
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
