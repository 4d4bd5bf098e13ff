package dev.vhdxmount.vhdx.fuzz;

import dev.vhdxmount.vhdx.error.VhdxFormatException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vhdxmount.vhdx.OpenOptions;
import java.io.InputStream;
import java.io.Reader;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every input the fuzzer found failing, kept as it was found: {@code src/test/resources/fuzz-regressions/NAME/}
 * holds the mutated files (gzip'd, the top image and any parents) and {@code case.properties}: {@code top} (the file
 * to open), {@code allowTruncated}, {@code expect} ({@code ok} or {@code refused}) and, for a refusal,
 * {@code expectMessage} (a part of the VhdxFormatException's message). Each is opened and read as a fuzz case is.
 */
class FuzzRegressionTest {

    @TempDir
    Path tmp;

    static Stream<String> fixtures() throws Exception {
        try (Stream<Path> s = Files.list(root())) {
            return s.filter(Files::isDirectory).map(p -> p.getFileName().toString()).sorted().toList().stream();
        }
    }

    @ParameterizedTest
    @MethodSource("fixtures")
    void readsOrRefusesCleanly(String name) throws Exception {
        Path fixture = root().resolve(name);
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(fixture.resolve("case.properties"))) {
            p.load(r);
        }
        Path dir = Files.createDirectories(tmp.resolve(name));
        try (Stream<Path> s = Files.list(fixture)) {
            for (Path gz : s.filter(f -> f.toString().endsWith(".gz")).toList()) {
                String file = gz.getFileName().toString().replaceFirst("\\.gz$", "");
                try (InputStream in = new GZIPInputStream(Files.newInputStream(gz))) {
                    Files.copy(in, dir.resolve(file));
                }
            }
        }
        OpenOptions options = OpenOptions.DEFAULTS.withAllowTruncated(
                Boolean.parseBoolean(p.getProperty("allowTruncated", "false")));
        Outcome o;
        try (CaseRunner runner = new CaseRunner(Duration.ofSeconds(5))) {
            o = runner.run(dir.resolve(p.getProperty("top")), options, new SplittableRandom(1));
        }
        assertNotEquals(Outcome.Status.FAILED, o.status(), () -> o.message() + "\n" + o.detail());
        String expect = p.getProperty("expect");
        assertEquals(expect.equals("ok") ? Outcome.Status.OK : Outcome.Status.REFUSED, o.status(), o.message());
        String part = p.getProperty("expectMessage", "");
        assertTrue(o.message().contains(part), () -> "message '" + o.message() + "' lacks '" + part + "'");
    }

    private static Path root() throws URISyntaxException {
        return Path.of(FuzzRegressionTest.class.getResource("/fuzz-regressions").toURI());
    }
}
