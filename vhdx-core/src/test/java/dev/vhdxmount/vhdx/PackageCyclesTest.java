package dev.vhdxmount.vhdx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vhdxmount.vhdx.testkit.PackageGraph;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The core's packages are layered: {@code error} is a leaf, {@code format} and {@code io} below {@code read} and
 * {@code log}, the root package on top. A cycle would make them one package in all but name.
 */
class PackageCyclesTest {

    @Test
    void theCoresPackagesHaveNoCycle() throws Exception {
        Path classes = Path.of(VhdxImage.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        PackageGraph graph = PackageGraph.of(classes, "dev.vhdxmount.vhdx");
        assertTrue(graph.edges().getOrDefault("dev.vhdxmount.vhdx", Set.of()).contains("dev.vhdxmount.vhdx.error"),
                "jdeps saw the root package use error: " + graph.edges());
        assertEquals(Optional.empty(), graph.cycle(), "package dependencies: " + graph.edges());
        assertEquals(Set.of(), graph.edges().getOrDefault("dev.vhdxmount.vhdx.error", Set.of()), "error is a leaf");
    }

    @Test
    void aCycleIsFoundAndShown() {
        PackageGraph g = new PackageGraph(Map.of("a", Set.of("b", "e"), "b", Set.of("c"), "c", Set.of("d"),
                "d", Set.of("b"), "e", Set.of()));
        assertEquals(Optional.of(List.of("b", "c", "d", "b")), g.cycle());
        assertEquals(Optional.empty(), new PackageGraph(Map.of("a", Set.of("b"), "b", Set.of("c"), "c", Set.of()))
                .cycle());
    }
}
