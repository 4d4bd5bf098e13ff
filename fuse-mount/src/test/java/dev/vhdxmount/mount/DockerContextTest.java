package dev.vhdxmount.mount;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import dev.vhdxmount.vhdx.testkit.Checkout;

/**
 * Every file the Dockerfile copies from the build context is in the context: {@code .dockerignore} keeps out all but
 * what it names, so a file added to a {@code COPY} line and not there fails the image build, and only in the Docker
 * test at the end of CI. This finds it in a second, without Docker.
 */
class DockerContextTest {
    /** One {@code .dockerignore} line: a glob, and whether it lets files back in ({@code !}). */
    private record Rule(PathMatcher glob, boolean include) {
    }

    private static List<Rule> rules() throws IOException {
        List<Rule> rules = new ArrayList<>();
        for (String line : Files.readAllLines(Checkout.root().resolve(".dockerignore"))) {
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#")) {
                continue;
            }
            boolean include = l.startsWith("!");
            String pattern = include ? l.substring(1) : l;
            rules.add(new Rule(FileSystems.getDefault().getPathMatcher("glob:" + pattern), include));
        }
        return rules;
    }

    /** Docker's rule: the last pattern that matches the path or one of its parent folders decides. */
    private static boolean inContext(List<Rule> rules, Path relative) {
        boolean in = true;
        for (Rule rule : rules) {
            for (Path p = relative; p != null; p = p.getParent()) {
                if (rule.glob().matches(p)) {
                    in = rule.include();
                    break;
                }
            }
        }
        return in;
    }

    /** The context paths of the Dockerfile's COPY lines that copy from the context (not {@code --from} a stage). */
    private static List<String> copiedFromContext() throws IOException {
        List<String> sources = new ArrayList<>();
        for (String line : Files.readAllLines(Checkout.root().resolve("Dockerfile"))) {
            String[] words = line.strip().split("\\s+");
            if (words.length < 3 || !words[0].equals("COPY") || line.contains("--from=")) {
                continue;
            }
            for (int i = 1; i < words.length - 1; i++) {
                if (!words[i].startsWith("--")) {
                    sources.add(words[i]);
                }
            }
        }
        return sources;
    }

    @Test
    void everyFileTheDockerfileCopiesIsInTheBuildContext() throws IOException {
        Path root = Checkout.root();
        List<Rule> rules = rules();
        List<String> sources = copiedFromContext();
        assertFalse(sources.isEmpty(), "the Dockerfile copies something from its context");
        List<String> missing = new ArrayList<>();
        for (String source : sources) {
            Path path = root.resolve(source);
            assertTrue(Files.exists(path), "the Dockerfile copies " + source + ", which the checkout has");
            List<Path> files;
            try (Stream<Path> walk = Files.walk(path)) {
                files = walk.filter(Files::isRegularFile).map(root::relativize)
                        .filter(p -> !p.toString().contains("/target/")).toList();
            }
            files.stream().filter(f -> !inContext(rules, f)).forEach(f -> missing.add(f.toString()));
        }
        assertEquals(List.of(), missing, "copied by the Dockerfile but kept out of the context by .dockerignore");
    }

    @Test
    void theMatcherKeepsOutWhatDockerignoreKeepsOut() throws IOException {
        List<Rule> rules = rules();
        assertFalse(inContext(rules, Path.of("testdata/corpus/MANIFEST.tsv")), "the corpus is not sent to Docker");
        assertFalse(inContext(rules, Path.of("fuse-mount/target/vhdx-mount.jar")), "nor build output");
        assertTrue(inContext(rules, Path.of("fuse-mount/src/main/java/dev/vhdxmount/mount/Main.java")));
    }
}
