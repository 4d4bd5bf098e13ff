package dev.vhdxmount.vhdx.format;

import static dev.vhdxmount.vhdx.testkit.Sizes.MIB;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.vhdxmount.vhdx.error.VhdxFormatException;
import dev.vhdxmount.vhdx.testkit.Bin;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** §2.6.2.1-§2.6.2.5: each fixed-size metadata item's own rule on hand-built bytes. */
class MetadataItemsTest {

    private static ByteBuffer u32s(long... values) {
        byte[] b = new byte[4 * values.length];
        for (int i = 0; i < values.length; i++) {
            Bin.u32(b, 4 * i, values[i]);
        }
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static ByteBuffer u64(long value) {
        byte[] b = new byte[8];
        Bin.u64(b, 0, value);
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    }

    @Test
    void fileParametersBlockSizeIsAPowerOfTwoFrom1MiBTo256MiB() throws Exception {
        assertEquals(new FileParameters(MIB, false, false), FileParameters.parse(u32s(MIB, 0), "fp"));
        assertEquals(new FileParameters(256 * MIB, true, false), FileParameters.parse(u32s(256 * MIB, 1), "fp"));
        assertEquals(new FileParameters(32 * MIB, false, true), FileParameters.parse(u32s(32 * MIB, 2), "fp"));
        for (long bad : new long[] {0, MIB / 2, 3 * MIB, 512L * MIB, 0x80000000L, 0xffffffffL}) {
            assertEquals("fp: BlockSize " + bad + " is not a power of two from 1 MiB to 256 MiB",
                    assertThrows(VhdxFormatException.class, () -> FileParameters.parse(u32s(bad, 0), "fp"))
                            .getMessage());
        }
    }

    @Test
    void fileParametersReservedFlagsAreZero() {
        assertEquals("fp: reserved flag bits 2-31 are not zero (flags 0x00000004)", assertThrows(
                VhdxFormatException.class, () -> FileParameters.parse(u32s(MIB, 4), "fp")).getMessage());
        assertThrows(VhdxFormatException.class, () -> FileParameters.parse(u32s(MIB, 0x80000003L), "fp"));
    }

    @Test
    void virtualDiskSizeIsAPositiveSectorMultipleOfAtMost64TiB() throws Exception {
        assertEquals(new VirtualDiskSize(512), VirtualDiskSize.parse(u64(512), 512, "vds"));
        assertEquals(new VirtualDiskSize(64L << 40), VirtualDiskSize.parse(u64(64L << 40), 4096, "vds"));
        assertEquals("vds: VirtualDiskSize is 0 (an empty virtual disk)", assertThrows(VhdxFormatException.class,
                () -> VirtualDiskSize.parse(u64(0), 512, "vds")).getMessage());
        for (long[] bad : new long[][] {{512 + 1, 512}, {512, 4096}}) {
            assertEquals("vds: VirtualDiskSize " + bad[0] + " bytes is not a multiple of the " + bad[1]
                    + "-byte logical sector size", assertThrows(VhdxFormatException.class,
                            () -> VirtualDiskSize.parse(u64(bad[0]), (int) bad[1], "vds")).getMessage());
        }
        for (long big : new long[] {(64L << 40) + 4096, -512}) {
            assertEquals("vds: VirtualDiskSize " + Long.toUnsignedString(big) + " bytes is more than 64 TiB, the"
                    + " largest MS-VHDX allows", assertThrows(VhdxFormatException.class,
                            () -> VirtualDiskSize.parse(u64(big), 4096, "vds")).getMessage());
        }
    }

    @Test
    void sectorSizeIs512Or4096() throws Exception {
        assertEquals(new SectorSize(512), SectorSize.parse(u32s(512), "ss"));
        assertEquals(new SectorSize(4096), SectorSize.parse(u32s(4096), "ss"));
        for (long bad : new long[] {0, 1000, 1024, 2048, 8192, 0xffffffffL}) {
            assertEquals("ss: sector size is " + bad + ", expected 512 or 4096", assertThrows(
                    VhdxFormatException.class, () -> SectorSize.parse(u32s(bad), "ss")).getMessage());
        }
    }

    @Test
    void page83DataIsAnyGuid() {
        UUID id = UUID.fromString("01234567-89ab-cdef-0123-456789abcdef");
        assertEquals(new Page83Data(id), Page83Data.parse(ByteBuffer.wrap(Bin.guid(id))));
        assertEquals(new Page83Data(new UUID(0, 0)), Page83Data.parse(ByteBuffer.wrap(new byte[16])));
    }
}
