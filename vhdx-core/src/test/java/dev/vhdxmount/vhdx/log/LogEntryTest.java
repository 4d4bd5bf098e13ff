package dev.vhdxmount.vhdx.log;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vhdxmount.vhdx.error.VhdxFormatException;
import dev.vhdxmount.vhdx.testkit.Bin;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * §2.3.1 on hand-built bytes: an entry's header, its zero and data descriptors, its data sectors, and the CRC-32C
 * over EntryLength; each rule broken once, and the descriptors it yields.
 */
class LogEntryTest {
    private static final int SECTOR = 4096;
    private static final UUID GUID = UUID.fromString("aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee");
    private static final long SEQ = 0x1_0000_0005L; // SequenceHigh 1, SequenceLow 5
    private static final long LOG_LENGTH = 1 << 20;

    /**
     * A zero descriptor (8 KiB at 2 MiB) and a data descriptor (a sector at 3 MiB): header and descriptors in
     * sector 0, the data sector in sector 1. {@code change} edits the bytes before the CRC is computed.
     */
    private static byte[] entry(Consumer<byte[]> change) {
        byte[] b = new byte[2 * SECTOR];
        Bin.ascii(b, 0, "loge");
        Bin.u32(b, 8, b.length);
        Bin.u32(b, 12, 0); // Tail
        Bin.u64(b, 16, SEQ);
        Bin.u32(b, 24, 2);
        Bin.guid(b, 32, GUID);
        Bin.u64(b, 48, 5 << 20); // FlushedFileOffset
        Bin.u64(b, 56, 6 << 20); // LastFileOffset
        Bin.ascii(b, 64, "zero");
        Bin.u64(b, 64 + 8, 2 * SECTOR);
        Bin.u64(b, 64 + 16, 2 << 20);
        Bin.u64(b, 64 + 24, SEQ);
        Bin.ascii(b, 96, "desc");
        Bin.u32(b, 96 + 4, 0x04030201); // TrailingBytes
        Bin.u64(b, 96 + 8, 0x0807060504030201L); // LeadingBytes
        Bin.u64(b, 96 + 16, 3 << 20);
        Bin.u64(b, 96 + 24, SEQ);
        Bin.ascii(b, SECTOR, "data");
        Bin.u32(b, SECTOR + 4, SEQ >>> 32);
        Arrays.fill(b, SECTOR + 8, 2 * SECTOR - 4, (byte) 0x77);
        Bin.u32(b, 2 * SECTOR - 4, SEQ);
        change.accept(b);
        Bin.u32(b, 4, 0);
        Bin.u32(b, 4, Bin.crc32c(b, 0, b.length));
        return b;
    }

    private static LogEntry parse(byte[] b, int length) throws Exception {
        return LogEntry.parse(i -> ByteBuffer.wrap(Arrays.copyOfRange(b, i * SECTOR, (i + 1) * SECTOR))
                .order(ByteOrder.LITTLE_ENDIAN), length, 0x3000, LOG_LENGTH, GUID);
    }

    private static String refused(Consumer<byte[]> change) {
        byte[] b = entry(change);
        return assertThrows(VhdxFormatException.class, () -> parse(b, b.length)).getMessage();
    }

    @Test
    void descriptorsAsReplayAppliesThem() throws Exception {
        LogEntry e = parse(entry(b -> {}), 2 * SECTOR);
        assertEquals(0x3000, e.logOffset());
        assertEquals(SEQ, e.sequenceNumber());
        assertEquals(5 << 20, e.flushedFileOffset());
        assertEquals(6 << 20, e.lastFileOffset());
        assertEquals(new LogDescriptor.Zero(2 << 20, 2 * SECTOR), e.descriptors().get(0));
        LogDescriptor.Data data = (LogDescriptor.Data) e.descriptors().get(1);
        assertEquals(3 << 20, data.fileOffset());
        byte[] want = new byte[SECTOR];
        Arrays.fill(want, (byte) 0x77);
        Bin.u64(want, 0, 0x0807060504030201L); // LeadingBytes stand in for the data sector's signature and SequenceHigh
        Bin.u32(want, SECTOR - 4, 0x04030201); // TrailingBytes for its SequenceLow
        assertArrayEquals(want, data.sector());
    }

    @Test
    void headerRules() {
        assertEquals("log entry at log offset 0x3000: signature is not 'loge'", refused(b -> b[0] = 'L'));
        assertTrue(refused(b -> Bin.guid(b, 32, new UUID(1, 2))).contains("LogGuid 00000000-0000-0001-0000-"
                + "000000000002 is not the header's " + GUID));
        assertTrue(refused(b -> Bin.u32(b, 12, 512)).contains("Tail 0x200 is not a 4 KiB-aligned log offset below"
                + " 0x100000"));
        assertTrue(refused(b -> Bin.u32(b, 12, LOG_LENGTH)).contains("Tail 0x100000 is not"));
        assertTrue(refused(b -> Bin.u32(b, 24, 0xffffffffL)).contains("DescriptorCount 4294967295 does not fit in"
                + " EntryLength 0x2000"));
        assertTrue(refused(b -> Bin.u32(b, 24, 255)).contains("DescriptorCount 255 does not fit"),
                "64 + 32 x 255 bytes need three sectors; EntryLength has two");
        assertTrue(refused(b -> Bin.u32(b, 24, 254)).endsWith("2 descriptor sectors and more than 0 data sectors do"
                + " not fit in EntryLength 0x2000"), "254 fill both sectors: no room is left for descriptor 1's data");
    }

    @Test
    void descriptorRules() {
        assertTrue(refused(b -> b[96] = 'D').endsWith("descriptor 1: signature 0x63736544 is neither 'desc' nor"
                + " 'zero'"));
        assertTrue(refused(b -> Bin.u64(b, 64 + 24, SEQ + 1)).contains("descriptor 0: SequenceNumber"));
        assertTrue(refused(b -> Bin.u64(b, 96 + 16, (3 << 20) + 512)).contains("descriptor 1: FileOffset 0x300200 is"
                + " not a 4 KiB-aligned file offset"));
        assertTrue(refused(b -> Bin.u64(b, 64 + 16, -SECTOR)).contains("is not a 4 KiB-aligned file offset"));
        assertTrue(refused(b -> Bin.u64(b, 64 + 8, 0)).contains("ZeroLength 0x0 is not a positive multiple of 4 KiB"));
        assertTrue(refused(b -> Bin.u64(b, 64 + 8, 100)).contains("ZeroLength 0x64"));
        assertTrue(refused(b -> Bin.u64(b, 64 + 8, Long.MAX_VALUE / SECTOR * SECTOR)).contains("ZeroLength"),
                "a zero range whose end overflows");
    }

    @Test
    void dataSectorRules() {
        assertTrue(refused(b -> b[SECTOR] = 'D').endsWith("descriptor 1: data sector 1 signature is not 'data'"));
        assertTrue(refused(b -> Bin.u32(b, 2 * SECTOR - 4, 6)).contains("data sector 1 sequence number "
                + 0x1_0000_0006L + " is not the entry's " + SEQ + " (torn write)"));
        assertTrue(refused(b -> Bin.u32(b, SECTOR + 4, 2)).contains("(torn write)"), "SequenceHigh too");
    }

    @Test
    void sectorsAddUpToEntryLength() throws Exception {
        byte[] b = entry(x -> {});
        byte[] longer = Arrays.copyOf(b, 3 * SECTOR);
        Bin.u32(longer, 8, longer.length);
        Bin.u32(longer, 4, 0);
        Bin.u32(longer, 4, Bin.crc32c(longer, 0, longer.length));
        assertTrue(assertThrows(VhdxFormatException.class, () -> parse(longer, longer.length)).getMessage()
                .endsWith("1 descriptor sectors and 1 data sectors do not add up to EntryLength 0x3000"));
        byte[] one = entry(x -> {});
        assertTrue(assertThrows(VhdxFormatException.class, () -> parse(one, SECTOR)).getMessage()
                .contains("1 descriptor sectors and more than 0 data sectors do not fit in EntryLength 0x1000"));
    }

    @Test
    void checksumOverTheWholeEntry() {
        byte[] b = entry(x -> {});
        b[2 * SECTOR - 100] ^= 1; // inside the data sector, which the CRC covers
        String message = assertThrows(VhdxFormatException.class, () -> parse(b, b.length)).getMessage();
        assertTrue(message.startsWith("log entry at log offset 0x3000: CRC-32C mismatch"), message);
    }

    @Test
    void anEntryOfZeroDescriptorsOnly() throws Exception {
        byte[] b = entry(x -> Bin.u32(x, 24, 1));
        byte[] first = Arrays.copyOf(b, SECTOR);
        Bin.u32(first, 8, SECTOR);
        Bin.u32(first, 4, 0);
        Bin.u32(first, 4, Bin.crc32c(first, 0, SECTOR));
        assertEquals(List.of(new LogDescriptor.Zero(2 << 20, 2 * SECTOR)), parse(first, SECTOR).descriptors());
    }
}
