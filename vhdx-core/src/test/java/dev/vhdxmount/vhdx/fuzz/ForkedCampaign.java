package dev.vhdxmount.vhdx.fuzz;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Runs a campaign in separate JVMs with a bounded heap ({@code -Xmx256m}), one case at a time in each, so that the
 * memory bound is the JVM's own and not a hope: an image that makes the reader hold too much fails its case with
 * OutOfMemoryError. The cases are split into contiguous slices, one per JVM; their reports are merged.
 */
final class ForkedCampaign {
    private ForkedCampaign() {}

    /**
     * @param seedsDir    seeds written by {@link SeedImages#build}: the JVMs load them instead of building their own
     * @param failuresDir where failing cases are saved, or null
     */
    static FuzzReport run(Path seedsDir, Path workDir, long seed, long first, long cases, int jobs, String heap,
            Duration timeout, Path failuresDir, Consumer<String> out) throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // under surefire java.class.path may be a manifest-only jar; surefire also gives the real test class path
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<Process> processes = new ArrayList<>();
        List<Path> reports = new ArrayList<>();
        List<Path> logs = new ArrayList<>();
        for (int j = 0; j < jobs; j++) {
            long from = first + cases * j / jobs;
            long to = first + cases * (j + 1) / jobs;
            Path report = workDir.resolve("job" + j + ".report");
            Path log = workDir.resolve("job" + j + ".log");
            Files.deleteIfExists(report);
            List<String> cmd = new ArrayList<>(List.of(java, "-Xmx" + heap, "-Xss1m", "-cp", classPath,
                    FuzzMain.class.getName(), "--seeds", seedsDir.toString(), "--work",
                    workDir.resolve("job" + j).toString(), "--seed", Long.toString(seed), "--first",
                    Long.toString(from), "--cases", Long.toString(to - from), "--threads", "1", "--timeout-ms",
                    Long.toString(timeout.toMillis()), "--report", report.toString()));
            if (failuresDir != null) {
                cmd.addAll(List.of("--save", failuresDir.toString()));
            }
            processes.add(new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start());
            reports.add(report);
            logs.add(log);
        }
        FuzzReport merged = new FuzzReport();
        for (int j = 0; j < jobs; j++) {
            int exit = processes.get(j).waitFor();
            out.accept("fuzz job " + j + " (-Xmx" + heap + ") exited " + exit + ":\n" + tail(logs.get(j)));
            if (exit != 0 || !Files.exists(reports.get(j))) {
                throw new IOException("fuzz job " + j + " failed (exit " + exit + "); its log: " + logs.get(j));
            }
            merged.merge(FuzzReport.read(reports.get(j)));
        }
        return merged;
    }

    private static String tail(Path log) throws IOException {
        List<String> lines = Files.readAllLines(log);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
    }
}
