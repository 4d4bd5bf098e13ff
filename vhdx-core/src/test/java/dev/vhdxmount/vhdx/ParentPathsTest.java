package dev.vhdxmount.vhdx;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** §2.6.2.6's Windows paths as the parent chain turns them into candidates here. */
class ParentPathsTest {
    @Test
    void relativePathsLoseTheirLeadingDotsAndBackslashes() {
        assertEquals("base.vhdx", ParentChain.windowsToLocal(".\\base.vhdx"));
        assertEquals("base.vhdx", ParentChain.windowsToLocal(".\\.\\base.vhdx"));
        assertEquals("base.vhdx", ParentChain.windowsToLocal("base.vhdx"));
        assertEquals("../base/base.vhdx", ParentChain.windowsToLocal("..\\base\\base.vhdx"));
        assertEquals("vm/disks/base.vhdx", ParentChain.windowsToLocal(".\\vm\\disks\\base.vhdx"));
        assertEquals("a/b.vhdx", ParentChain.windowsToLocal("a/b.vhdx"), "forward slashes stay");
    }

    @Test
    void theFileNameOfAnAbsoluteWindowsPath() {
        assertEquals("base.vhdx", ParentChain.fileName("C:\\Hyper-V\\Disks\\base.vhdx"));
        assertEquals("base.vhdx",
                ParentChain.fileName("\\\\?\\Volume{26a21bda-a627-11d7-9931-806e6f6e6963}\\vm\\base.vhdx"));
        assertEquals("base.vhdx", ParentChain.fileName("base.vhdx"));
        assertEquals("", ParentChain.fileName("C:\\Hyper-V\\"), "a folder: no name, so no candidate");
    }
}
