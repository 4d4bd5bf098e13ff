package dev.vhdxmount.vhdx.testkit;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.spi.ToolProvider;

/**
 * Which package of compiled classes depends on which, as the JDK's {@code jdeps} reads the bytecode, and the first
 * dependency cycle among them. For a test that keeps a module's packages layered:
 *
 * <pre>{@code
 * PackageGraph g = PackageGraph.of(Path.of("target/classes"), "dev.vhdxmount.vhdx");
 * assertEquals(Optional.empty(), g.cycle());
 * }</pre>
 */
public final class PackageGraph {
    /** jdeps -verbose:package prints one "from -> to  where" line per dependency. */
    private static final Pattern EDGE = Pattern.compile("^\\s+(\\S+)\\s+->\\s+(\\S+)\\s+\\S+.*$");

    private final Map<String, Set<String>> edges;

    public PackageGraph(Map<String, Set<String>> edges) {
        this.edges = new TreeMap<>();
        edges.forEach((from, to) -> this.edges.put(from, new TreeSet<>(to)));
    }

    /** The dependencies among the packages under {@code prefix} of the classes in {@code classes}. */
    public static PackageGraph of(Path classes, String prefix) {
        ToolProvider jdeps = ToolProvider.findFirst("jdeps")
                .orElseThrow(() -> new IllegalStateException("this JDK has no jdeps"));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = jdeps.run(new PrintWriter(out), new PrintWriter(err), "-verbose:package", classes.toString());
        if (status != 0) {
            throw new IllegalStateException("jdeps failed (" + status + "): " + err + out);
        }
        Map<String, Set<String>> edges = new TreeMap<>();
        for (String line : out.toString().split("\n")) {
            Matcher m = EDGE.matcher(line);
            if (m.matches() && inside(m.group(1), prefix) && inside(m.group(2), prefix)
                    && !m.group(1).equals(m.group(2))) {
                edges.computeIfAbsent(m.group(1), k -> new TreeSet<>()).add(m.group(2));
            }
        }
        return new PackageGraph(edges);
    }

    private static boolean inside(String pkg, String prefix) {
        return pkg.equals(prefix) || pkg.startsWith(prefix + ".");
    }

    public Map<String, Set<String>> edges() {
        return edges;
    }

    /** A cycle as the packages along it, the first one again at the end; empty when the graph has none. */
    public Optional<List<String>> cycle() {
        Set<String> done = new TreeSet<>();
        for (String start : edges.keySet()) {
            List<String> path = new ArrayList<>();
            Optional<List<String>> c = cycleFrom(start, path, done);
            if (c.isPresent()) {
                return c;
            }
        }
        return Optional.empty();
    }

    private Optional<List<String>> cycleFrom(String pkg, List<String> path, Set<String> done) {
        int seen = path.indexOf(pkg);
        if (seen >= 0) {
            List<String> cycle = new ArrayList<>(path.subList(seen, path.size()));
            cycle.add(pkg);
            return Optional.of(cycle);
        }
        if (done.contains(pkg)) {
            return Optional.empty();
        }
        path.add(pkg);
        for (String next : edges.getOrDefault(pkg, Set.of())) {
            Optional<List<String>> c = cycleFrom(next, path, done);
            if (c.isPresent()) {
                return c;
            }
        }
        path.remove(path.size() - 1);
        done.add(pkg);
        return Optional.empty();
    }
}
