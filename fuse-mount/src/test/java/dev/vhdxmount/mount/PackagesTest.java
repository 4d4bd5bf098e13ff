package dev.vhdxmount.mount;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.spi.ToolProvider;

import org.junit.jupiter.api.Test;

import dev.vhdxmount.mount.session.Background;

/**
 * The layers of fuse-mount, as the compiled classes use each other (jdeps): the command line over the session over
 * the disk model, the bindings beside each other under the session, and nothing that points back up. In particular
 * the command line knows no binding, and the model knows neither the command line nor the session. What a disk holds
 * (partitions, file systems) is below the model and the command line, which both use it, and uses neither; so is the
 * writable disk of --overlay, which knows nothing of fuse-mount.
 */
class PackagesTest {
    private static final String BASE = "dev.vhdxmount.mount";
    /** Each package of fuse-mount and the packages of fuse-mount it may use. */
    private static final Map<String, Set<String>> ALLOWED = Map.of(
            "", Set.of("cli"),
            "cli", Set.of("session", "fuse", "partitions", "overlay", "os"),
            "session", Set.of("fuse", "fuse.libfuse2", "fuse.libfuse3", "os"),
            "fuse", Set.of("partitions", "overlay"),
            "partitions", Set.of(),
            "fuse.libfuse2", Set.of("fuse"),
            "fuse.libfuse3", Set.of("fuse", "os"),
            "overlay", Set.of(),
            "os", Set.of());

    /** Package -> packages of fuse-mount it uses, from jdeps over target/classes. */
    static Map<String, Set<String>> uses(Path classes) {
        ToolProvider jdeps = ToolProvider.findFirst("jdeps").orElseThrow(() -> new AssertionError("no jdeps: run"
                + " the tests with a JDK"));
        StringWriter out = new StringWriter();
        int status = jdeps.run(new PrintWriter(out), new PrintWriter(new StringWriter()), "-verbose:class",
                "-filter:none", classes.toString());
        assertEquals(0, status, out.toString());
        Pattern edge = Pattern.compile("^\\s+(" + Pattern.quote(BASE) + "[\\w.$]*)\\s+->\\s+(" + Pattern.quote(BASE)
                + "[\\w.$]*)\\s", Pattern.MULTILINE);
        Map<String, Set<String>> uses = new TreeMap<>();
        Matcher m = edge.matcher(out.toString());
        while (m.find()) {
            String from = packageOf(m.group(1));
            String to = packageOf(m.group(2));
            uses.computeIfAbsent(from, k -> new TreeSet<>());
            if (!from.equals(to)) {
                uses.get(from).add(to);
            }
        }
        return uses;
    }

    /** "cli" for dev.vhdxmount.mount.cli.Cli, "" for dev.vhdxmount.mount.Main. */
    private static String packageOf(String className) {
        String p = className.substring(0, className.lastIndexOf('.'));
        return p.equals(BASE) ? "" : p.substring(BASE.length() + 1);
    }

    @Test
    void eachPackageUsesOnlyTheLayersBelowIt() {
        Path classes = Path.of("target", "classes");
        assertTrue(Files.isDirectory(classes), "compiled classes at " + classes.toAbsolutePath());
        Map<String, Set<String>> uses = uses(classes);
        assertEquals(ALLOWED.keySet(), uses.keySet(), "the packages of fuse-mount");
        List<String> wrong = new ArrayList<>();
        uses.forEach((from, to) -> to.stream().filter(p -> !ALLOWED.get(from).contains(p))
                .forEach(p -> wrong.add("'" + from + "' uses '" + p + "'")));
        assertEquals(List.of(), wrong);
    }

    @Test
    void theBackgroundChildRunsThisMainClass() {
        assertEquals(Main.class.getName(), Background.MAIN_CLASS);
    }
}
