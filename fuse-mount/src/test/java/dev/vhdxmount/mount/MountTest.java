package dev.vhdxmount.mount;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * Base of the ITs that mount: a temporary folder and an empty mountpoint per test (skipped where FUSE is absent and
 * CI is not set), and whatever a test left mounted, attached or running cleaned up after it.
 */
abstract class MountTest {
    @TempDir
    Path dir;
    Path mnt;

    @BeforeEach
    void createMountPoint() throws IOException {
        MountIt.assumeFuse();
        mnt = Files.createDirectory(dir.resolve("mnt"));
    }

    @AfterEach
    void leaveNothingBehind() {
        if (mnt != null) {
            MountIt.cleanUp(dir, mnt);
        }
    }
}
