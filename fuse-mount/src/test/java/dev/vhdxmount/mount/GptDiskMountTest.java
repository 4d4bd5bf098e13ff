package dev.vhdxmount.mount;

import java.io.IOException;

import org.junit.jupiter.api.BeforeEach;

/** Base of the ITs that mount the {@link GptDiskFixture}: a fresh fixture per test, besides {@link MountTest}'s. */
abstract class GptDiskMountTest extends MountTest {
    GptDiskFixture disk;

    @BeforeEach
    void createFixture() throws IOException {
        disk = GptDiskFixture.create(dir);
    }
}
