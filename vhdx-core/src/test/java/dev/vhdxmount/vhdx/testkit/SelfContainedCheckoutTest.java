package dev.vhdxmount.vhdx.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The checkout needs nothing beside it: no tracked file (build, tests, scripts, docs, comments) refers to a path
 * outside it. Such a path works on our own machines, which have the folders around the checkout, and nowhere else:
 * only this scan, or a run in a clone alone in an empty folder (.ci/run), notices it before someone else's clone.
 *
 * <p>What counts as outside: the corpus folder that used to sit beside the checkout, the machines' own work folder
 * (absolute), and a relative path that climbs above the root from where it is written: from the file's folder, or
 * from the folder that {@code ${project.basedir}} or {@code $(dirname "$0")} name there, or from the root for
 * {@code ${maven.multiModuleProjectDirectory}}. Windows paths ({@code ..\}) are parent locators inside VHDX images,
 * not paths of this checkout, and a lone {@code ..} not followed by a path is not a path at all (a range, a
 * directory listing's entry).
 */
class SelfContainedCheckoutTest {

    /** The corpus folder that sat beside the checkout before it moved into testdata/. */
    private static final Pattern OLD_CORPUS = Pattern.compile("\\.\\./shared\\b");

    /** An absolute path into the machines' work folder ({@code [k]}: so that this file does not match itself). */
    private static final Pattern WORK = Pattern.compile("(?<![\\w.~$}/\\\\-])/wor[k](?![\\w.-])");

    /**
     * A run of {@code ..} segments that starts a path, after an anchor that names a folder or at a boundary; without
     * an anchor it counts only if it continues ({@code ../x}) or climbs more than once.
     */
    private static final Pattern CLIMB = Pattern.compile("(?:(?<root>\\$\\{maven\\.multiModuleProjectDirectory}/)"
            + "|(?<here>\\$\\{(?:project\\.)?basedir}/|\\$\\(dirname \"\\$0\"\\)/)|(?<![\\w.~$}/\\\\-]))"
            + "(?<up>\\.\\.(?:/\\.\\.)*)(?:(?<more>/)|(?![\\w.-]))");

    /** One reference to a path outside the checkout. */
    record Escape(String file, int line, String why, String text) {
        @Override
        public String toString() {
            return file + ":" + line + ": " + why + ": " + text.strip();
        }
    }

    @Test
    void noTrackedFileRefersToAPathOutsideTheCheckout() throws Exception {
        Path root = Checkout.root();
        List<String> files = trackedFiles(root);
        // a scan of nothing would pass: make sure it saw the checkout
        assertTrue(files.contains("pom.xml") && files.contains("README.md") && files.size() > 50,
                "files scanned: " + files);
        List<Escape> found = new ArrayList<>();
        for (String file : files) {
            Path p = root.resolve(file);
            if (!Files.isRegularFile(p)) {
                continue; // deleted in the work tree but not yet in the index
            }
            byte[] bytes = Files.readAllBytes(p);
            if (isBinary(bytes)) {
                continue;
            }
            found.addAll(escapes(file, new String(bytes, StandardCharsets.UTF_8)));
        }
        assertTrue(found.isEmpty(), () -> found.size() + " references to paths outside the checkout:\n"
                + String.join("\n", found.stream().map(Escape::toString).toList()));
    }

    /** {@code {up}} stands for {@code ..} and {@code {work}} for the work folder: this file must not match itself. */
    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = '|', textBlock = """
            scripts/fuzz.sh | exec java -Dvhdx.corpus="$PWD/{up}/shared/corpus" -cp "$classpath" | old corpus
            pom.xml | <vhdx.corpus>${maven.multiModuleProjectDirectory}/{up}/shared/corpus</vhdx.corpus> | old corpus
            README.md | every image of `{up}/shared/corpus` against its manifest hash | old corpus
            Corpus.java | Path candidate = p.resolve("{up}/shared/corpus").normalize(); | old corpus
            README.md | the corpus lives in {work}/shared/corpus | work folder
            .ci/run | cd {work} | work folder
            README.md | see [the parent](../README.md) | climbs above the root
            docs/usage.md | see [elsewhere](../../elsewhere/README.md) | climbs above the root
            docs/usage.md | ../.. | climbs above the root
            scripts/test.sh | cd "$(dirname "$0")/../.." | climbs above the root
            pom.xml | <dir>${maven.multiModuleProjectDirectory}/{up}</dir> | climbs above the root
            fuse-mount/pom.xml | <dir>${project.basedir}/../../images</dir> | climbs above the root
            """)
    void flagsAReferenceOutsideTheCheckout(String file, String line, String why) {
        List<Escape> found = escapes(file, fixture(line));
        assertEquals(1, found.size(), () -> "found: " + found);
        assertEquals(why, found.get(0).why());
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = '|', textBlock = """
            scripts/test.sh | cd "$(dirname "$0")/.."
            scripts/fuzz.sh | exec java -Dvhdx.corpus="$PWD/testdata/corpus" -cp "$classpath"
            fuse-mount/src/test/java/dev/vhdxmount/mount/MountIt.java | Path.of(System.getProperty("x", "../scripts"))
            docs/usage.md | back to the [README](../README.md)
            fuse-mount/pom.xml | <dir>${project.basedir}/../testdata/corpus</dir>
            .gitignore | {work}/
            .dockerignore | {work}
            README.md | a child naming its parent as ..\\base\\base.vhdx, or ..\\..\\vm\\base.vhdx
            README.md | .../vm/base.vhdx, and so on...
            README.md | https://example.org/a/b/../../../c and https://example.org{work}/x
            README.md | the entries ., .. and disk.raw; cd ..
            Mutator.java | "bytes " + from + ".." + to + " set to 0x00"
            README.md | a network/work/x folder and $HOME/work/y and ~/work/z
            README.md | /workspace and /works are other folders
            """)
    void leavesTextThatStaysInsideAlone(String file, String line) {
        assertEquals(List.of(), escapes(file, fixture(line)));
    }

    private static String fixture(String line) {
        return line.replace("{up}", "..").replace("{work}", "/" + "work");
    }

    /** What in {@code content}, the text of the checkout's file {@code file}, refers to a path outside it. */
    static List<Escape> escapes(String file, String content) {
        String name = file.substring(file.lastIndexOf('/') + 1);
        // in an ignore file a leading slash anchors a pattern to the file's own folder
        boolean ignoreFile = name.equals(".gitignore") || name.equals(".dockerignore");
        int depth = (int) file.chars().filter(c -> c == '/').count();
        List<Escape> found = new ArrayList<>();
        String[] lines = content.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            if (OLD_CORPUS.matcher(line).find()) {
                found.add(new Escape(file, i + 1, "old corpus", line));
            } else if (!ignoreFile && WORK.matcher(line).find()) {
                found.add(new Escape(file, i + 1, "work folder", line));
            } else if (climbsAboveRoot(line, depth)) {
                found.add(new Escape(file, i + 1, "climbs above the root", line));
            }
        }
        return found;
    }

    private static boolean climbsAboveRoot(String line, int fileDepth) {
        Matcher m = CLIMB.matcher(line);
        while (m.find()) {
            int up = (m.group("up").length() + 1) / 3;
            boolean anchored = m.group("root") != null || m.group("here") != null;
            if (!anchored && m.group("more") == null && up == 1) {
                continue; // a lone "..": not a path
            }
            if (up > (m.group("root") != null ? 0 : fileDepth)) {
                return true;
            }
        }
        return false;
    }

    /** The files git tracks; in a copy without .git (a source archive), every file but build output. */
    private static List<String> trackedFiles(Path root) throws IOException, InterruptedException {
        if (!Files.exists(root.resolve(".git"))) {
            try (Stream<Path> walk = Files.walk(root)) {
                return walk.filter(Files::isRegularFile).map(p -> root.relativize(p).toString())
                        .filter(f -> !Arrays.asList(f.split("/")).contains("target"))
                        .sorted().toList();
            }
        }
        // safe.directory: the tests run as root (FUSE, loop devices), often on a checkout someone else owns
        Tools.Result r = Tools.run(List.of("git", "-c", "safe.directory=*", "-C", root.toString(), "ls-files", "-z"),
                60);
        assertEquals(0, r.exitCode(), () -> "git ls-files: " + r.stderr());
        return Arrays.stream(r.stdout().split("\0")).filter(f -> !f.isEmpty()).sorted().toList();
    }

    private static boolean isBinary(byte[] bytes) {
        for (int i = 0; i < Math.min(bytes.length, 8192); i++) {
            if (bytes[i] == 0) {
                return true;
            }
        }
        return false;
    }
}
