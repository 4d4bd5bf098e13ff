package dev.vhdxmount.mount;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import dev.vhdxmount.vhdx.testkit.Tools;

/**
 * Storage that a test controls (src/test/resources/storage/slowfs.c, a FUSE pass-through built here with gcc): the
 * files put in {@link #backing()} appear under {@link #mount()}, where reads can be made slow, failed with an errno
 * over chosen byte ranges, or made to hang, as a failing disk, a slow NAS or a hung NFS server would. Images are
 * mounted by vhdx-mount from {@link #mount()}; what the user sees through disk.raw is then tested.
 */
final class SlowStorage implements AutoCloseable {
    private static Path binary;

    private final Path backing;
    private final Path mount;
    private final Process process;

    private SlowStorage(Path backing, Path mount, Process process) {
        this.backing = backing;
        this.mount = mount;
        this.process = process;
    }

    /**
     * Starts the storage over {@code dir/backing}, mounted at {@code dir/storage}.
     *
     * @param directIo every read reaches the storage (no page cache over it), so a latency applies to each
     */
    static SlowStorage start(Path dir, boolean directIo) throws IOException, InterruptedException {
        Path backing = Files.createDirectories(dir.resolve("backing"));
        Path mount = Files.createDirectories(dir.resolve("storage"));
        List<String> command = new ArrayList<>(List.of(binary().toString(), backing.toString(), mount.toString(),
                "-f", "-o", "max_threads=64"));
        if (directIo) {
            command.addAll(List.of("-o", "direct_io"));
        }
        Process p = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve("slowfs.log").toFile()).start();
        SlowStorage storage = new SlowStorage(backing, mount, p);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!MountIt.isMounted(mount)) {
            if (!p.isAlive() || System.nanoTime() > deadline) {
                storage.close();
                throw new IOException("slowfs did not mount at " + mount + ": "
                        + Files.readString(dir.resolve("slowfs.log")));
            }
            Thread.sleep(20);
        }
        return storage;
    }

    /** slowfs, compiled once per test JVM (gcc and libfuse3-dev, which CI installs). */
    private static synchronized Path binary() throws IOException, InterruptedException {
        if (binary == null) {
            Tools.require("gcc");
            Path dir = Files.createDirectories(Path.of("target", "slowfs")).toAbsolutePath();
            Path source = dir.resolve("slowfs.c");
            try (InputStream in = SlowStorage.class.getResourceAsStream("/storage/slowfs.c")) {
                Files.copy(in, source, StandardCopyOption.REPLACE_EXISTING);
            }
            Path out = dir.resolve("slowfs");
            Tools.Result built = Tools.run("gcc", "-Wall", "-Werror", "-O2", "-I/usr/include/fuse3", "-o",
                    out.toString(), source.toString(), "-lfuse3", "-lpthread");
            assertEquals(0, built.exitCode(), "slowfs builds: " + built.stderr());
            binary = out;
        }
        return binary;
    }

    /** Where files are put; they appear under {@link #mount()} with the same names. */
    Path backing() {
        return backing;
    }

    Path mount() {
        return mount;
    }

    /** Adds {@code micros} to every read from now on. */
    SlowStorage latency(long micros) throws IOException {
        return control("latency " + micros);
    }

    /** Reads of {@code file} (under {@link #mount()}) that overlap the range fail with {@code errno}. */
    SlowStorage fail(Path file, long offset, long length, int errno) throws IOException {
        return control("fail /" + mount.relativize(file) + " " + offset + " " + length + " " + errno);
    }

    /** No range fails any more. */
    SlowStorage clear() throws IOException {
        return control("clear");
    }

    /** Reads wait until {@link #resume()}, as on a server that stopped answering. */
    SlowStorage hang() throws IOException {
        return control("hang");
    }

    SlowStorage resume() throws IOException {
        return control("resume");
    }

    /** The storage's counters: reads served, reads failed, reads waiting now (while hung). */
    Map<String, Long> counters() throws IOException {
        Map<String, Long> counters = new HashMap<>();
        for (String line : Files.readAllLines(mount.resolve(".control"))) {
            String[] kv = line.split(" ");
            counters.put(kv[0], Long.parseLong(kv[1]));
        }
        return counters;
    }

    private SlowStorage control(String line) throws IOException {
        Files.writeString(mount.resolve(".control"), line + "\n", StandardCharsets.US_ASCII,
                StandardOpenOption.WRITE);
        return this;
    }

    /** Lets hung reads go, then unmounts the storage and ends slowfs. */
    @Override
    public void close() throws IOException {
        if (MountIt.isMounted(mount)) {
            try {
                resume();
            } catch (IOException e) {
                // unmounted below either way
            }
            MountIt.sh("fusermount3 -u '" + mount + "' 2>/dev/null || umount -l '" + mount + "'");
        }
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
