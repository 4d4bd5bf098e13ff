package dev.vhdxmount.mount.os;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The name {@code ps}, {@code top} and {@code pgrep} show for this process, which for a JVM is "java": a serving
 * process calls itself by its program's name, so that {@code pgrep vhdx-mount} finds it.
 */
public final class ProcessName {
    private ProcessName() {}

    /**
     * Renames this process (its main thread's name, as /proc/PID/comm holds it; at most 15 bytes are kept).
     *
     * @return whether it could be set (not where /proc is missing or read-only)
     */
    public static boolean set(String name) {
        try {
            Files.write(Path.of("/proc/self/comm"), name.getBytes(StandardCharsets.UTF_8));
            return true;
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }
}
