package dev.vhdxmount.mount.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;

import com.fasterxml.jackson.jr.ob.JSON;

/** vhdx-info run in the test's JVM on disks that tests made with the usual tools, and its JSON report read back. */
final class InfoRuns {
    private InfoRuns() {}

    /** The shell line that converts {@code name}.raw to a dynamic {@code name}.vhdx with qemu-img. */
    static String vhdx(String name) {
        return "qemu-img convert -f raw -O vhdx -o subformat=dynamic " + name + ".raw " + name + ".vhdx\n";
    }

    /** vhdx-info with these arguments (the image, last, relative to {@code dir}): its stdout; it must succeed. */
    static String info(Path dir, String... args) {
        String[] full = args.clone();
        full[full.length - 1] = dir.resolve(full[full.length - 1]).toString();
        PrintStream saved = System.out;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        int status;
        try {
            status = InfoCommand.run(full);
        } finally {
            System.setOut(saved);
        }
        assertEquals(ExitCode.OK, status, bytes.toString(StandardCharsets.UTF_8));
        return bytes.toString(StandardCharsets.UTF_8);
    }

    /** The "partition_table" object of a JSON report. */
    static Map<String, Object> table(String json) throws IOException {
        return map(JSON.std.mapFrom(json).get("partition_table"));
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object o) {
        return (Map<String, Object>) o;
    }
}
