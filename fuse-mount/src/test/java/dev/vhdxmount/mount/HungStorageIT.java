package dev.vhdxmount.mount;

import static dev.vhdxmount.vhdx.testkit.Sizes.MIB;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import dev.vhdxmount.mount.cli.ExitCode;

/**
 * Storage that stops answering (a hung NFS server, {@link SlowStorage#hang()}), as a user meets it: a read of disk.raw
 * waits only so long and fails (--timeout), SIGTERM still ends the mount at once and fails the reads that wait, and
 * fusermount -u ends the server even while one of its threads waits on the storage.
 */
@Timeout(120)
class HungStorageIT extends MountTest {
    private SlowStorage storage;
    private Path raw;
    private Path image;

    @BeforeEach
    void imageOnStorage() throws Exception {
        storage = SlowStorage.start(dir, true);
        raw = dir.resolve("disk.raw");
        MountIt.shOk("set -e; head -c 32M /dev/urandom > '" + raw + "'; qemu-img convert -f raw -O vhdx"
                + " -o subformat=dynamic,block_size=1M '" + raw + "' '" + storage.backing().resolve("disk.vhdx")
                + "'");
        image = storage.mount().resolve("disk.vhdx");
    }

    @AfterEach
    void stopStorage() throws Exception {
        if (mnt != null) {
            MountIt.cleanUp(dir, mnt);
        }
        storage.close();
    }

    /**
     * A reader of {@code length} bytes at {@code offset} in the background: O_DIRECT (straight to the server, and
     * waiting for it uninterruptibly), or through the page cache (killable while it waits for the page).
     */
    private Process reader(long offset, int length, boolean direct) throws Exception {
        return new ProcessBuilder("dd", "if=" + mnt.resolve("disk.raw"), "of=/dev/null", "iflag=" + (direct
                ? "direct," : "") + "skip_bytes", "skip=" + offset, "bs=" + length, "count=1", "status=none")
                .redirectErrorStream(true).start();
    }

    /** Waits until the hung storage has a read that waits (the reader reached it). */
    private void awaitWaitingRead() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (storage.counters().get("waiting") == 0) {
            assertTrue(System.nanoTime() < deadline, "the read reached the storage");
            Thread.sleep(20);
        }
    }

    /** 64 KiB: a read libfuse hands the binding; 4 KiB: one the binding answers without libfuse (KernelReads). */
    @ParameterizedTest
    @ValueSource(ints = {64 * 1024, 4096})
    void aReadTheStorageDoesNotAnswerFailsAfterTheTimeoutAndTheMountServesOn(int length) throws Exception {
        MountIt.cli("--timeout", "2", image.toString(), mnt.toString()).expect(ExitCode.OK);
        storage.hang();
        long start = System.nanoTime();
        Process p = reader(4L * MIB, length, true);
        awaitWaitingRead();
        assertTrue(p.waitFor(10, TimeUnit.SECONDS), "the reader did not wait for ever");
        long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
        assertNotEquals(0, p.exitValue());
        String said = new String(p.getInputStream().readAllBytes());
        assertTrue(said.contains("Input/output error"), said);
        assertTrue(seconds >= 1 && seconds < 8, "after about the timeout: " + seconds + " s");

        storage.resume();
        assertArrayEquals(MountIt.readAt(raw, 4L * MIB, length), MountIt.readAt(mnt.resolve("disk.raw"),
                4L * MIB, length), "once the storage answers, so does the mount");
        MountIt.shOk("fusermount -u '" + mnt + "'");
        MountIt.awaitGone(mnt);
    }

    @ParameterizedTest(name = "libfuse {0}")
    @ValueSource(strings = {"3", "2"})
    void sigtermEndsTheMountAtOnceAndTheReaderGetsAnError(String libfuse) throws Exception {
        MountIt.cli("--libfuse", libfuse, "--timeout", "0", image.toString(), mnt.toString()).expect(ExitCode.OK);
        long server = MountIt.serverPid(mnt);
        storage.hang();
        Process p = reader(8L * MIB, 64 * 1024, true);
        awaitWaitingRead();
        Thread.sleep(1200); // the read waits longer than a moment
        long start = System.nanoTime();
        MountIt.shOk("kill -TERM " + server);
        assertTrue(MountIt.awaitExit(server, java.time.Duration.ofSeconds(5)), "the server ended");
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(millis < 2000, "the server ended within 2 s: " + millis + " ms");
        assertTrue(p.waitFor(2, TimeUnit.SECONDS), "the reader got an answer");
        assertNotEquals(0, p.exitValue(), "an error, not data");
        MountIt.awaitGone(mnt);
        assertFalse(MountIt.isMounted(mnt));
    }

    @Test
    void fusermountEndsTheServerWhileOneOfItsThreadsWaitsOnTheStorage() throws Exception {
        MountIt.cli("--timeout", "0", image.toString(), mnt.toString()).expect(ExitCode.OK);
        long server = MountIt.serverPid(mnt);
        storage.hang();
        Process p = reader(12L * MIB, 64 * 1024, false);
        awaitWaitingRead();
        // the user gives up on the reader (it waits for the page, killably); the server's thread waits on
        p.destroyForcibly().waitFor();
        long start = System.nanoTime();
        MountIt.shOk("fusermount -u '" + mnt + "'");
        assertTrue(MountIt.awaitExit(server, java.time.Duration.ofSeconds(5)), "the server ended");
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(millis < 2000, "the server ended within 2 s: " + millis + " ms");
        assertEquals(List.of(), MountIt.servers(mnt));
    }

    /**
     * The pool as a model says: readers of storage that waits each hold a serving thread, up to --threads, however
     * many of those threads sat parked when the reads came; once the storage answers, every reader gets its bytes.
     * Reads of 4 KiB are copied, not spliced: their threads hand off their turns to receive when the storage cannot
     * say what its page cache holds (this storage is FUSE, which refuses RWF_NOWAIT).
     */
    @ParameterizedTest(name = "--threads {0}, reads of {1} bytes")
    @CsvSource({"16, 65536", "4, 65536", "16, 4096"})
    void readersOfWaitingStorageEachGetAThreadUpToTheBound(int threads, int length) throws Exception {
        MountIt.cli("--threads", String.valueOf(threads), "--timeout", "0", image.toString(), mnt.toString())
                .expect(ExitCode.OK);
        storage.hang();
        int readers = 16;
        List<Process> ps = new java.util.ArrayList<>();
        for (int i = 0; i < readers; i++) {
            ps.add(reader((1L + 2 * i) * MIB, length, true)); // each in a block of its own
        }
        int want = Math.min(readers, threads);
        // promptly: a thread that waits without handing off its turn is found by the watchdog only after a quarter
        // of a second, and 16 such reads would then take 4 s to reach the storage
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(2500);
        while (storage.counters().get("waiting") < want) {
            assertTrue(System.nanoTime() < deadline, "reads waiting on the storage at once: "
                    + storage.counters().get("waiting") + ", not " + want);
            Thread.sleep(20);
        }
        Thread.sleep(300);
        assertEquals((long) want, storage.counters().get("waiting"), "no more reads wait than threads serve");
        storage.resume();
        for (Process p : ps) {
            assertTrue(p.waitFor(10, TimeUnit.SECONDS), "every reader is answered once the storage is");
            assertEquals(0, p.exitValue(), new String(p.getInputStream().readAllBytes()));
        }
        MountIt.shOk("fusermount -u '" + mnt + "'");
        MountIt.awaitGone(mnt);
    }
}
