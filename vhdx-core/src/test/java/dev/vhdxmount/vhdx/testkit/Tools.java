package dev.vhdxmount.vhdx.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs external tools (qemu-img, sfdisk, ...) for tests. A missing tool skips the test on a developer's machine but
 * fails it in CI (CI=true), where {@code .ci/run} installs everything.
 */
public final class Tools {
    private Tools() {}

    /** What a command printed and how it ended. */
    public record Result(int exitCode, String stdout, String stderr) {}

    /**
     * Whether this is a CI run: CI set to anything but empty or "false" (CI systems set CI=true; some set 1). The one
     * definition of it for the tests of both modules.
     */
    public static boolean inCi() {
        String ci = System.getenv("CI");
        return ci != null && !ci.isEmpty() && !ci.equalsIgnoreCase("false");
    }

    /** Skips (developer machine) or fails (CI) when {@code tool} is not on the PATH. */
    public static void require(String tool) {
        boolean found = Arrays.stream(System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":"))
                .anyMatch(dir -> Files.isExecutable(Path.of(dir, tool)));
        if (inCi() && !found) {
            throw new AssertionError(tool + " is not installed: .ci/run must install it");
        }
        assumeTrue(found, tool + " is not installed");
    }

    public static Result run(String... command) throws IOException, InterruptedException {
        return run(List.of(command), 600);
    }

    public static Result run(List<String> command, int timeoutSeconds) throws IOException, InterruptedException {
        Path out = Files.createTempFile("tool", ".out");
        Path err = Files.createTempFile("tool", ".err");
        try {
            Process p = new ProcessBuilder(new ArrayList<>(command)).redirectOutput(out.toFile())
                    .redirectError(err.toFile()).start();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("timed out after " + timeoutSeconds + " s: " + command);
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    /** Runs a command that must succeed; returns its standard output. */
    public static String check(String... command) throws IOException, InterruptedException {
        Result r = run(command);
        assertEquals(0, r.exitCode, () -> String.join(" ", command) + " failed: " + r.stderr);
        return r.stdout;
    }
}
