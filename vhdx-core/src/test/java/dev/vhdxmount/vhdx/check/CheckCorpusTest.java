package dev.vhdxmount.vhdx.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vhdxmount.vhdx.OpenOptions;
import dev.vhdxmount.vhdx.testkit.Corpus;
import dev.vhdxmount.vhdx.testkit.Slow;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The check on every image of testdata/corpus, written by Windows: each comes out clean, or with exactly the findings
 * explained here (and in docs/spec-readings.md). A new corpus image with findings fails here until they are
 * explained.
 */
class CheckCorpusTest {
    /**
     * The findings each image must have, by kind and severity; an image not listed must have none.
     * <ul>
     *   <li>vhdx-log-replay: Windows left its log dirty (the corpus keeps it for that); replay rewrites one BAT
     *       sector.</li>
     *   <li>MSEdge (truncated): a 40 GiB image cut to 3 MiB: its BAT region and its 353 FULLY_PRESENT blocks lie past
     *       the end.</li>
     * </ul>
     */
    private static final Map<String, Map<Kind, Severity>> EXPLAINED = Map.of(
            "discutils-vhdx-log-replay", Map.of(Kind.LOG_DIRTY, Severity.WARNING),
            "metal-tools-MSEdge-Win10_preview_truncated", Map.of(Kind.PAST_END, Severity.ERROR,
                    Kind.MORE_FINDINGS, Severity.ERROR));

    @TempDir
    Path tmp;

    /** The 10 GiB images are 40-675 MiB files: decompressing them is what is slow. */
    private static boolean quick(Corpus.Image image) {
        return image.virtualSize() <= 1L << 30 || !image.mustOpen();
    }

    static List<Corpus.Image> images() {
        return Corpus.images().stream().filter(CheckCorpusTest::quick).toList();
    }

    static List<Corpus.Image> largeImages() {
        return Corpus.images().stream().filter(i -> !quick(i)).toList();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("images")
    void comesOutCleanOrAsExplained(Corpus.Image image) throws Exception {
        check(image);
    }

    @Slow
    @ParameterizedTest(name = "{0}")
    @MethodSource("largeImages")
    void largeImagesComeOutCleanOrAsExplained(Corpus.Image image) throws Exception {
        check(image);
    }

    private void check(Corpus.Image image) throws Exception {
        Path file = Corpus.decompress(image, tmp);
        CheckReport r = ImageCheck.run(file, OpenOptions.DEFAULTS, Progress.NONE);
        Map<Kind, Severity> got = r.findings().stream()
                .collect(Collectors.toMap(Finding::kind, Finding::severity, (a, b) -> a.compareTo(b) >= 0 ? a : b));
        String shown = r.findings().stream().map(Finding::message).collect(Collectors.joining("\n"));
        assertEquals(EXPLAINED.getOrDefault(image.name(), Map.of()), got, shown);
        if (image.name().startsWith("metal-tools-MSEdge")) {
            assertTrue(shown.contains("334 more past-end findings (354 in all"), "the region and 353 blocks: " + shown);
        }
    }
}
