package dev.vhdxmount.mount.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

import dev.vhdxmount.mount.fuse.TruncationReports.Decision;

class TruncationReportsTest {
    private static String readPastEnd(long block, long virtualOffset, long fileOffset) {
        // the core's message for a read of block data past the end of a truncated file (VhdxDisk.readFile)
        return String.format("payload block %d (virtual offset 0x%x): data at file offset 0x%x..0x%x lies past the end"
                + " of the file at 0x302c00 (truncated image)", block, virtualOffset, fileOffset, fileOffset + 4096);
    }

    @Test
    void oncePerBlockWhateverTheOffsetOfTheRead() {
        TruncationReports reports = new TruncationReports();
        assertEquals(Decision.FIRST, reports.report(readPastEnd(0, 0, 0x400000)));
        assertEquals(Decision.REPEAT, reports.report(readPastEnd(0, 0x1000, 0x401000)));
        assertEquals(Decision.REPEAT, reports.report(readPastEnd(0, 0x1ff000, 0x5ff000)));
        assertEquals(Decision.FIRST, reports.report(readPastEnd(1, 0x2000000, 0x2400000)));
        assertEquals(Decision.REPEAT, reports.report(readPastEnd(1, 0x2000000, 0x2400000)));
    }

    @Test
    void aStructureIsKeyedByItsNameAndOffset() {
        assertEquals("BAT at 0x300018", TruncationReports.key("BAT at 0x300018: lies past the end of the file at"
                + " 0x302c00 (truncated image)"));
        assertEquals("payload block 3", TruncationReports.key("BAT entry 3 (payload block 3) at 0x300018 (FULLY_PRESENT):"
                + " block data at 0x400000..0x2400000 lies past the end of the file at 0x302c00 (truncated image)"));
        assertEquals("", TruncationReports.key(null));
    }

    @Test
    void memoryIsBounded() {
        TruncationReports reports = new TruncationReports();
        for (int i = 0; i < TruncationReports.MAX_KEYS; i++) {
            assertEquals(Decision.FIRST, reports.report(readPastEnd(i, 0, 0)));
        }
        assertEquals(Decision.LIMIT_REACHED, reports.report(readPastEnd(TruncationReports.MAX_KEYS, 0, 0)));
        assertEquals(Decision.REPEAT, reports.report(readPastEnd(TruncationReports.MAX_KEYS + 1, 0, 0)));
        assertEquals(Decision.REPEAT, reports.report(readPastEnd(5, 0, 0)));
    }
}
