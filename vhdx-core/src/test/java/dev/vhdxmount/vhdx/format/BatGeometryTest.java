package dev.vhdxmount.vhdx.format;

import static dev.vhdxmount.vhdx.testkit.Sizes.MIB;
import static dev.vhdxmount.vhdx.testkit.Sizes.GIB;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class BatGeometryTest {

    @Test
    void chunkRatioFollowsSectorAndBlockSize() {
        assertEquals(4096, new BatGeometry(GIB, MIB, 512, false).chunkRatio());
        assertEquals(128, new BatGeometry(GIB, 32 * MIB, 512, false).chunkRatio());
        assertEquals(16, new BatGeometry(GIB, 256 * MIB, 512, false).chunkRatio());
        assertEquals(128, new BatGeometry(GIB, 256 * MIB, 4096, false).chunkRatio());
        assertEquals(4 * GIB, new BatGeometry(GIB, MIB, 512, false).chunkSize());
        assertEquals(32 * GIB, new BatGeometry(GIB, MIB, 4096, false).chunkSize());
    }

    @Test
    void payloadEntriesSkipTheInterleavedBitmapEntries() {
        BatGeometry g = new BatGeometry(10 * GIB, 32 * MIB, 512, false); // ratio 128
        assertEquals(0, g.payloadIndex(0));
        assertEquals(127, g.payloadIndex(127));
        assertEquals(129, g.payloadIndex(128)); // index 128 is chunk 0's bitmap
        assertEquals(128, g.sectorBitmapIndex(0));
        assertEquals(257, g.sectorBitmapIndex(1));
        assertTrue(g.isSectorBitmapIndex(128));
        assertFalse(g.isSectorBitmapIndex(129));
        assertEquals(128, g.blockAtIndex(129));
    }

    @Test
    void totalEntriesDifferForDifferencingDisks() {
        // 10 GiB at 32 MiB: 320 payload blocks, 3 chunks
        assertEquals(320 + 2, new BatGeometry(10 * GIB, 32 * MIB, 512, false).totalEntries());
        assertEquals(3 * 129, new BatGeometry(10 * GIB, 32 * MIB, 512, true).totalEntries());
        // a size that is not a multiple of the block size rounds up
        assertEquals(2, new BatGeometry(MIB + 512, MIB, 512, false).payloadBlocks());
        assertEquals(0, new BatGeometry(0, MIB, 512, false).totalEntries());
        // the largest disk: 64 TiB at 1 MiB blocks, a 512 MiB BAT
        BatGeometry max = new BatGeometry(64L << 40, MIB, 512, false);
        assertEquals((64L << 20) + (64L << 20) / 4096 - 1, max.totalEntries());
    }
}
