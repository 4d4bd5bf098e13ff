package dev.vhdxmount.vhdx.testkit;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The checkout the tests run in, wherever it was cloned. Found from the working directory (surefire and failsafe run
 * in the module's folder, scripts in the root) rather than from {@code maven.multiModuleProjectDirectory}, which is the
 * folder mvn was started in when the project has no {@code .mvn} folder: wrong for {@code mvn -f vhdx-core/pom.xml}.
 */
public final class Checkout {
    private Checkout() {}

    /** The folder holding the root pom: the nearest one, from the working directory up, that holds vhdx-core too. */
    public static Path root() {
        Path start = Path.of("").toAbsolutePath();
        for (Path p = start; p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("pom.xml")) && Files.isRegularFile(p.resolve("vhdx-core/pom.xml"))) {
                return p;
            }
        }
        throw new IllegalStateException("not in a vhdx-mount checkout: no folder from " + start
                + " up holds pom.xml and vhdx-core/pom.xml");
    }
}
