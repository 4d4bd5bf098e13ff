package dev.vhdxmount.vhdx.testkit;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A deliberately naive VHDX reader for the builder's own tests: loads the whole (small) file, applies the log entries
 * it is told to, reads the region table, metadata and BAT from the bytes and serves reads sector by sector. It does
 * no validation and no log sequence search; it exists to show that what the builder put in the file reads back as
 * {@link VhdxBuilder#expected()}, for the images qemu-img cannot read. It is not the project's reader.
 */
final class MiniReader implements ExpectedDisk.Source {
    private byte[] file;
    private final ExpectedDisk parent;
    private final long batOffset;
    private final int blockSize;
    private final int sectorSize;
    private final long size;
    private final boolean hasParent;
    private final long chunkRatio;

    MiniReader(Path path, List<BuiltImage.LogEntryInfo> replay, ExpectedDisk parent) throws IOException {
        this.file = Files.readAllBytes(path);
        this.parent = parent;
        for (BuiltImage.LogEntryInfo e : replay) {
            apply(e.fileOffset());
        }
        ByteBuffer rt = le(Layout.REGION_TABLE_1);
        Map<UUID, Long> regions = new HashMap<>();
        for (int i = 0; i < rt.getInt(8); i++) {
            regions.put(Bin.readGuid(rt, 16 + 32 * i), rt.getLong(16 + 32 * i + 16));
        }
        this.batOffset = regions.get(VhdxBuilder.BAT_REGION);
        long md = regions.get(VhdxBuilder.METADATA_REGION);
        Map<UUID, Long> items = new HashMap<>();
        ByteBuffer mt = le(md);
        for (int i = 0; i < (mt.getShort(10) & 0xFFFF); i++) {
            items.put(Bin.readGuid(mt, 32 + 32 * i), md + (mt.getInt(32 + 32 * i + 16) & 0xFFFFFFFFL));
        }
        this.blockSize = le(items.get(VhdxBuilder.FILE_PARAMETERS)).getInt(0);
        this.hasParent = (le(items.get(VhdxBuilder.FILE_PARAMETERS)).getInt(4) & 2) != 0;
        this.size = le(items.get(VhdxBuilder.VIRTUAL_DISK_SIZE)).getLong(0);
        this.sectorSize = le(items.get(VhdxBuilder.LOGICAL_SECTOR_SIZE)).getInt(0);
        this.chunkRatio = Layout.chunkRatio(sectorSize, blockSize);
    }

    /** §2.3.1: zero descriptors clear, data descriptors write LeadingBytes + data sector bytes 8..4091 + TrailingBytes. */
    private void apply(long entry) {
        ByteBuffer h = le(entry);
        int count = h.getInt(24);
        long dataSector = entry + ((64 + 32L * count + 4095) / 4096) * 4096;
        for (int i = 0; i < count; i++) {
            ByteBuffer d = le(entry + 64 + 32L * i);
            long target = d.getLong(16);
            byte[] sig = Arrays.copyOfRange(file, (int) (entry + 64 + 32 * i), (int) (entry + 64 + 32 * i + 4));
            if (new String(sig).equals("zero")) {
                grow(target + d.getLong(8));
                Arrays.fill(file, (int) target, (int) (target + d.getLong(8)), (byte) 0);
            } else {
                grow(target + 4096);
                byte[] s = Arrays.copyOfRange(file, (int) dataSector, (int) dataSector + 4096);
                System.arraycopy(file, (int) (entry + 64 + 32 * i + 8), s, 0, 8);
                System.arraycopy(file, (int) (entry + 64 + 32 * i + 4), s, 4092, 4);
                System.arraycopy(s, 0, file, (int) target, 4096);
                dataSector += 4096;
            }
        }
        grow(h.getLong(56)); // LastFileOffset
    }

    private void grow(long length) {
        if (length > file.length) {
            file = Arrays.copyOf(file, (int) length);
        }
    }

    long fileLength() {
        return file.length;
    }

    long batEntry(long index) {
        return le(batOffset + 8 * index).getLong(0);
    }

    @Override
    public int read(long offset, ByteBuffer dst) {
        if (offset >= size) {
            return -1;
        }
        int n = (int) Math.min(dst.remaining(), size - offset);
        for (int i = 0; i < n; ) {
            long v = offset + i;
            int inSector = (int) Math.min(sectorSize - v % sectorSize, n - i);
            dst.put(sector(v, inSector));
            i += inSector;
        }
        return n;
    }

    private byte[] sector(long v, int n) {
        long block = v / blockSize;
        long entry = batEntry(block + block / chunkRatio);
        int state = (int) (entry & 7);
        long at = (entry & ~0xFFFFFL) + v % blockSize;
        boolean here = switch (state) {
            case 6 -> true;
            case 7 -> hasParent && bit(v);
            default -> false;
        };
        if (here) {
            return Arrays.copyOfRange(file, (int) at, (int) at + n);
        }
        if (hasParent && (state == 0 || state == 7)) {
            return parent.read(v, n);
        }
        return new byte[n];
    }

    private boolean bit(long v) {
        long sector = v / sectorSize;
        long chunk = sector / (1L << 23);
        long sb = batEntry(chunk * (chunkRatio + 1) + chunkRatio) & ~0xFFFFFL;
        long bitIndex = sector % (1L << 23);
        return (file[(int) (sb + bitIndex / 8)] >> (bitIndex % 8) & 1) != 0;
    }

    private ByteBuffer le(long offset) {
        return ByteBuffer.wrap(file, (int) offset, file.length - (int) offset).slice().order(ByteOrder.LITTLE_ENDIAN);
    }
}
