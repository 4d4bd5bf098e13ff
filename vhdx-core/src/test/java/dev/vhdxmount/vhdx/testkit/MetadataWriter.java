package dev.vhdxmount.vhdx.testkit;

import static dev.vhdxmount.vhdx.testkit.VhdxBuilder.*;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** The metadata region (§2.6): the table, then the items from 64 KiB on. */
final class MetadataWriter {
    private MetadataWriter() {}

    /**
     * The items in table order: the known ones from the builder's parameters (less the omitted ones, with the
     * overridden values), then the extra ones.
     */
    static List<VhdxBuilder.MetadataItem> items(VhdxBuilder builder) {
        List<VhdxBuilder.MetadataItem> items = new ArrayList<>();
        byte[] fp = new byte[8];
        Bin.u32(fp, 0, builder.blockSize);
        Bin.u32(fp, 4, (builder.type == Type.FIXED ? 1 : 0) | (builder.type == Type.DIFFERENCING ? 2 : 0));
        items.add(new VhdxBuilder.MetadataItem(FILE_PARAMETERS, fp, false, false, true));
        byte[] vs = new byte[8];
        Bin.u64(vs, 0, builder.virtualSize);
        items.add(new VhdxBuilder.MetadataItem(VIRTUAL_DISK_SIZE, vs, false, true, true));
        items.add(new VhdxBuilder.MetadataItem(PAGE_83_DATA, Bin.guid(builder.virtualDiskId), false, true, true));
        byte[] ls = new byte[4];
        Bin.u32(ls, 0, builder.logicalSectorSize);
        items.add(new VhdxBuilder.MetadataItem(LOGICAL_SECTOR_SIZE, ls, false, true, true));
        byte[] ps = new byte[4];
        Bin.u32(ps, 0, builder.physicalSectorSize);
        items.add(new VhdxBuilder.MetadataItem(PHYSICAL_SECTOR_SIZE, ps, false, true, true));
        if (builder.type == Type.DIFFERENCING) {
            items.add(new VhdxBuilder.MetadataItem(PARENT_LOCATOR, parentLocatorBytes(builder), false, false, true));
        }
        List<VhdxBuilder.MetadataItem> all = new ArrayList<>();
        for (VhdxBuilder.MetadataItem it : items) {
            if (!builder.omittedMetadata.contains(it.id())) {
                byte[] data = builder.metadataOverrides.getOrDefault(it.id(), it.data());
                all.add(new VhdxBuilder.MetadataItem(it.id(), data, it.isUser(), it.isVirtualDisk(), it.isRequired()));
            }
        }
        all.addAll(builder.extraMetadata);
        return all;
    }

    /**
     * Each item's offset in the region (§2.6.1.2), one more for where the items end: from 64 KiB on, back to back
     * at 8-byte alignment; a zero-length item has offset zero.
     */
    static long[] itemOffsets(List<VhdxBuilder.MetadataItem> items) {
        long[] offsets = new long[items.size() + 1];
        long itemOffset = 64 * 1024;
        for (int i = 0; i < items.size(); i++) {
            int length = items.get(i).data().length;
            offsets[i] = length == 0 ? 0 : itemOffset;
            itemOffset = Bin.alignUp(itemOffset + length, 8);
        }
        offsets[items.size()] = itemOffset;
        return offsets;
    }

    /** §2.6.1: metadata table (signature "metadata", EntryCount, 32-byte entries) with the items from 64 KiB on. */
    static void write(VhdxBuilder builder, SparseData f, Layout l) {
        List<VhdxBuilder.MetadataItem> all = items(builder);
        long[] offsets = itemOffsets(all);
        byte[] table = new byte[32 + 32 * all.size()];
        Bin.ascii(table, 0, "metadata");
        Bin.u16(table, 10, all.size());
        for (int i = 0; i < all.size(); i++) {
            VhdxBuilder.MetadataItem it = all.get(i);
            int e = 32 + 32 * i;
            Bin.guid(table, e, it.id());
            Bin.u32(table, e + 16, offsets[i]);
            Bin.u32(table, e + 20, it.data().length);
            Bin.u32(table, e + 24, (it.isUser() ? 1 : 0) | (it.isVirtualDisk() ? 2 : 0) | (it.isRequired() ? 4 : 0));
            f.write(l.metadataOffset() + offsets[i], it.data());
        }
        if (offsets[all.size()] > l.metadataLength()) {
            throw new IllegalStateException("metadata items do not fit in the 1 MiB metadata region");
        }
        f.write(l.metadataOffset(), table);
    }

    /** §2.6.2.6: LocatorType, Reserved, KeyValueCount, 12-byte entries, then the UTF-16LE keys and values. */
    static byte[] parentLocatorBytes(VhdxBuilder builder) {
        Map<String, String> m = builder.parentLocator == null ? Map.of() : builder.parentLocator;
        int n = m.size();
        int pos = 20 + 12 * n;
        List<byte[]> strings = new ArrayList<>();
        byte[] head = new byte[pos];
        Bin.guid(head, 0, builder.parentLocatorType);
        Bin.u16(head, 18, n);
        int i = 0;
        for (Map.Entry<String, String> kv : m.entrySet()) {
            byte[] k = Bin.utf16le(kv.getKey());
            byte[] v = Bin.utf16le(kv.getValue());
            int e = 20 + 12 * i++;
            Bin.u32(head, e, pos);
            Bin.u32(head, e + 4, pos + k.length);
            Bin.u16(head, e + 8, k.length);
            Bin.u16(head, e + 10, v.length);
            strings.add(k);
            strings.add(v);
            pos += k.length + v.length;
        }
        byte[] b = Arrays.copyOf(head, pos);
        int at = head.length;
        for (byte[] s : strings) {
            System.arraycopy(s, 0, b, at, s.length);
            at += s.length;
        }
        return b;
    }
}
