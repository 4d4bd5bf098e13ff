package dev.vhdxmount.mount.cli;

import dev.vhdxmount.mount.os.Shell;

/** Advice that depends on the disk's geometry, shown at mount time and by vhdx-info. */
final class DiskAdvice {
    private DiskAdvice() {}

    /**
     * For a disk with 4096-byte logical sectors: how to attach disk.raw as a block device with the right sector size.
     * A loop device defaults to 512-byte sectors, under which the partition table is misread.
     *
     * @return null for 512-byte sectors, where plain {@code losetup} is right
     */
    static String losetup(int logicalSectorSize, String diskRaw) {
        if (logicalSectorSize == 512) {
            return null;
        }
        String losetup = Shell.command("losetup", "-r", "--sector-size", String.valueOf(logicalSectorSize), "-f",
                "--show", diskRaw);
        return "this disk has " + logicalSectorSize + "-byte logical sectors: attach it with " + losetup
                + " (a loop device defaults to 512-byte sectors, which misplaces the partitions)";
    }
}
