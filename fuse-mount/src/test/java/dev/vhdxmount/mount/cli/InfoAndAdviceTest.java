package dev.vhdxmount.mount.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class InfoAndAdviceTest {
    @Test
    void fourKSectorsGetALosetupHint() {
        assertNull(DiskAdvice.losetup(512, "/mnt/disk.raw"));
        String advice = DiskAdvice.losetup(4096, "/mnt/disk.raw");
        assertTrue(advice.contains("losetup -r --sector-size 4096 -f --show /mnt/disk.raw"), advice);
    }

    @Test
    void humanSizes() {
        assertEquals("512 bytes", ImageReport.humanSize(512));
        assertEquals("6.0 MiB", ImageReport.humanSize(6291456));
        assertEquals("10.0 GiB", ImageReport.humanSize(10737418240L));
        assertEquals("40.0 GiB", ImageReport.humanSize(42949672960L));
    }
}
