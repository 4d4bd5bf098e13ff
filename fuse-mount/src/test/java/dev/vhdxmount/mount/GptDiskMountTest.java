package dev.vhdxmount.mount;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * Base of the ITs that mount the {@link GptDiskFixture}: a fresh fixture and empty mountpoint per test, and whatever a
 * test left mounted, attached or running cleaned up after it.
 */
abstract class GptDiskMountTest {
    @TempDir
    Path dir;
    Path mnt;
    GptDiskFixture disk;

    @BeforeEach
    void createFixture() throws IOException {
        MountIt.assumeFuse();
        mnt = Files.createDirectory(dir.resolve("mnt"));
        disk = GptDiskFixture.create(dir);
    }

    @AfterEach
    void leaveNothingBehind() {
        if (mnt != null) {
            MountIt.cleanUp(dir, mnt);
        }
    }
}
