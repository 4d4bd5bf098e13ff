package dev.vhdxmount.mount.fuse.libfuse3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.vhdxmount.vhdx.testkit.Tools;

/**
 * Every offset and constant of {@link Fuse3Layout}, and of the {@link Fuse3Abi} the binding picks for the installed
 * libfuse, against the C headers they were read from: a probe (src/test/resources/fuse3/layout-probe.c) is compiled
 * against this machine's libfuse 3 and glibc headers, linked with its libfuse 3, and prints them with the library's
 * release. A wrong offset here would write into the wrong field of libfuse's structures, silently, so it is checked
 * rather than trusted; CI runs it on Debian 12 (libfuse 3.14) and Debian 13 (3.17). Needs gcc and libfuse3-dev
 * (CI installs them; elsewhere the test is skipped without them).
 */
class Fuse3LayoutTest {
    @TempDir
    Path tmp;

    @Test
    void everyOffsetAndConstantIsWhatTheHeadersOfTheInstalledReleaseSay() throws Exception {
        Tools.require("gcc");
        Path header = Path.of("/usr/include/fuse3/fuse_lowlevel.h");
        if (Tools.inCi()) {
            assertTrue(Files.exists(header), header + " is missing: .ci/run must install libfuse3-dev");
        }
        Assumptions.assumeTrue(Files.exists(header), "libfuse3-dev is not installed");

        Path source = tmp.resolve("layout-probe.c");
        try (InputStream in = getClass().getResourceAsStream("/fuse3/layout-probe.c")) {
            Files.copy(in, source);
        }
        Path probe = tmp.resolve("layout-probe");
        Tools.Result built = Tools.run("gcc", "-Wall", "-Werror", "-I" + header.getParent(), "-o", probe.toString(),
                source.toString(), "-lfuse3");
        assertEquals(0, built.exitCode(), "the probe builds: " + built.stderr());
        Tools.Result ran = Tools.run(probe.toString());
        assertEquals(0, ran.exitCode(), ran.stderr());

        String release = null;
        Map<String, Long> c = new TreeMap<>();
        for (String line : ran.stdout().split("\n")) {
            String[] parts = line.trim().split(" ");
            if (parts[0].equals("RELEASE")) {
                release = parts[1];
            } else {
                c.put(parts[0], Long.parseLong(parts[1]));
            }
        }
        assertEquals(release, Fuse3Library.load().fuse_pkgversion(),
                "the binding loads the libfuse whose headers the probe was built with");
        Fuse3Abi abi = Fuse3Abi.of(Fuse3Abi.Release.parse(release));

        Map<String, Long> java = new TreeMap<>();
        for (Field f : Fuse3Layout.class.getDeclaredFields()) {
            int m = f.getModifiers();
            if (Modifier.isStatic(m) && Modifier.isFinal(m) && (f.getType() == int.class || f.getType() == long.class)
                    && (abi.versionedSessionNew() || !f.getName().startsWith("VERSION_"))) {
                java.put(f.getName(), ((Number) f.get(null)).longValue());
            }
        }
        assertTrue(java.size() > 60, "the fields were found: " + java.keySet());
        java.put("BUF_SIZEOF", (long) abi.bufSizeof);
        java.put("FI_NOFLUSH", (long) abi.fiNoflush);
        // the same names both ways, so that neither side can drift from the other, and the same values
        assertEquals(c.keySet(), java.keySet(), "names in the probe and in Fuse3Layout + Fuse3Abi." + abi);
        List<String> wrong = new ArrayList<>();
        java.forEach((name, value) -> {
            if (!value.equals(c.get(name))) {
                wrong.add(name + ": Fuse3Layout/Fuse3Abi." + abi + " says " + value + ", the headers "
                        + c.get(name));
            }
        });
        assertEquals(List.of(), wrong, "libfuse " + release);
    }
}
