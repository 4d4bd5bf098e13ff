package dev.vhdxmount.mount.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import com.fasterxml.jackson.jr.ob.JSON;

import dev.vhdxmount.mount.fuse.DiskFileSystem;
import dev.vhdxmount.vhdx.ImageInfo;
import dev.vhdxmount.vhdx.VhdxImage;
import dev.vhdxmount.vhdx.VirtualDisk;
import dev.vhdxmount.vhdx.format.FileParameters;
import dev.vhdxmount.vhdx.format.Header;
import dev.vhdxmount.vhdx.format.MetadataTable;
import dev.vhdxmount.vhdx.format.Page83Data;
import dev.vhdxmount.vhdx.format.ParentLocator;
import dev.vhdxmount.vhdx.format.RegionTable;
import dev.vhdxmount.vhdx.format.SectorSize;
import dev.vhdxmount.vhdx.format.VirtualDiskSize;
import dev.vhdxmount.vhdx.log.LogReplay;

/**
 * What {@code vhdx-info} shows, as one ordered tree of names and values, rendered as indented text for people or as
 * JSON for scripts (keys in snake_case): the two never disagree because they are the same tree.
 */
final class ImageReport {
    private static final Map<UUID, String> ITEM_NAMES = Map.of(FileParameters.ID, "File Parameters",
            VirtualDiskSize.ID, "Virtual Disk Size", Page83Data.ID, "Page 83 Data", SectorSize.LOGICAL_ID,
            "Logical Sector Size", SectorSize.PHYSICAL_ID, "Physical Sector Size", ParentLocator.ID,
            "Parent Locator");

    private ImageReport() {}

    /** The report for any disk; a VHDX gets its structures, a test-hook raw disk only its geometry. */
    static Map<String, Object> of(String shownPath, VirtualDisk disk) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("image", shownPath);
        Optional<ImageInfo> info = VhdxImage.info(disk);
        if (info.isPresent()) {
            describe(root, info.get());
        } else {
            root.put("virtual_size", disk.size());
            root.put("logical_sector_size", disk.logicalSectorSize());
            root.put("physical_sector_size", disk.physicalSectorSize());
        }
        root.put("partition_table", ContentsReport.of(disk));
        String advice = DiskAdvice.losetup(disk.logicalSectorSize(), "MOUNTPOINT/" + DiskFileSystem.DISK_FILE);
        if (advice != null) {
            root.put("note", advice);
        }
        return root;
    }

    private static void describe(Map<String, Object> root, ImageInfo info) {
        root.put("file_size", info.fileSize());
        root.put("creator", info.creator());
        root.put("disk_type", info.diskType());
        root.put("virtual_size", info.metadata().virtualDiskSize());
        root.put("logical_sector_size", info.metadata().logicalSectorSize());
        root.put("physical_sector_size", info.metadata().physicalSectorSize());
        root.put("block_size", info.metadata().fileParameters().blockSize());
        root.put("virtual_disk_id", info.metadata().page83Data().toString());
        root.put("log", log(info));
        root.put("headers", headers(info));
        root.put("region_tables", regionTables(info));
        root.put("metadata_items", metadataItems(info));
        root.put("bat", bat(info));
        info.metadata().parentLocator().ifPresent(l -> root.put("parent_locator", l.entries()));
        if (info.parent().isPresent()) {
            root.put("parent_chain", chain(info));
        }
    }

    private static Map<String, Object> log(ImageInfo info) {
        Map<String, Object> log = new LinkedHashMap<>();
        Optional<LogReplay.Summary> summary = info.log();
        if (summary.isEmpty()) {
            log.put("state", "clean");
            log.put("detail", "LogGuid is zero: nothing to replay");
            return log;
        }
        LogReplay.Summary s = summary.get();
        log.put("state", "dirty");
        log.put("detail", "the log needs replay: replayed in memory, the file is unchanged");
        log.put("log_guid", info.current().logGuid().toString());
        log.put("entries_replayed", s.entries());
        log.put("tail_log_offset", hex(s.tailLogOffset()));
        log.put("head_log_offset", hex(s.headLogOffset()));
        log.put("head_sequence_number", Long.toUnsignedString(s.headSequenceNumber()));
        log.put("data_sectors", s.dataSectors());
        log.put("zero_descriptors", s.zeroDescriptors());
        log.put("flushed_file_offset", hex(s.flushedFileOffset()));
        log.put("last_file_offset", hex(s.lastFileOffset()));
        return log;
    }

    private static List<Object> headers(ImageInfo info) {
        List<Object> out = new ArrayList<>();
        for (int i = 0; i < info.headers().size(); i++) {
            ImageInfo.Found<Header> found = info.headers().get(i);
            Map<String, Object> h = new LinkedHashMap<>();
            h.put("header", i + 1);
            h.put("offset", hex(Header.offsetOf(i + 1)));
            h.put("status", found.value().isEmpty() ? "invalid" : info.currentHeader() == i + 1 ? "current" : "valid");
            found.problem().ifPresent(problem -> h.put("problem", problem));
            found.value().ifPresent(header -> {
                h.put("sequence_number", Long.toUnsignedString(header.sequenceNumber()));
                h.put("file_write_guid", header.fileWriteGuid().toString());
                h.put("data_write_guid", header.dataWriteGuid().toString());
                h.put("log_guid", header.logGuid().toString());
                h.put("log_version", header.logVersion());
                h.put("version", header.version());
                h.put("log_offset", hex(header.logOffset()));
                h.put("log_length", hex(header.logLength()));
            });
            out.add(h);
        }
        return out;
    }

    private static List<Object> regionTables(ImageInfo info) {
        List<Object> out = new ArrayList<>();
        for (int i = 0; i < info.regionTables().size(); i++) {
            ImageInfo.Found<RegionTable> found = info.regionTables().get(i);
            Map<String, Object> t = new LinkedHashMap<>();
            t.put("copy", i + 1);
            t.put("offset", hex(RegionTable.offsetOf(i + 1)));
            t.put("status", found.value().isEmpty() ? "invalid" : info.regionTableUsed() == i + 1 ? "used" : "valid");
            found.problem().ifPresent(problem -> t.put("problem", problem));
            found.value().ifPresent(table -> {
                List<Object> regions = new ArrayList<>();
                for (RegionTable.Entry e : table.entries()) {
                    Map<String, Object> r = new LinkedHashMap<>();
                    r.put("region", e.name());
                    r.put("guid", e.guid().toString());
                    r.put("file_offset", hex(e.fileOffset()));
                    r.put("length", hex(e.length()));
                    r.put("required", e.required());
                    regions.add(r);
                }
                t.put("regions", regions);
            });
            out.add(t);
        }
        return out;
    }

    private static List<Object> metadataItems(ImageInfo info) {
        List<Object> out = new ArrayList<>();
        for (MetadataTable.Entry e : info.metadataTable().entries()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("item", e.isUser() ? "user item" : ITEM_NAMES.getOrDefault(e.itemId(), "unknown"));
            m.put("id", e.itemId().toString());
            m.put("offset", hex(e.offset()));
            m.put("length", e.length());
            List<String> flags = new ArrayList<>();
            if (e.isUser()) {
                flags.add("user");
            }
            if (e.isVirtualDisk()) {
                flags.add("virtual_disk");
            }
            if (e.isRequired()) {
                flags.add("required");
            }
            m.put("flags", flags);
            out.add(m);
        }
        return out;
    }

    private static Map<String, Object> bat(ImageInfo info) {
        Map<String, Object> bat = new LinkedHashMap<>();
        bat.put("entries", info.batGeometry().totalEntries());
        bat.put("payload_blocks", info.batGeometry().payloadBlocks());
        bat.put("chunk_ratio", info.batGeometry().chunkRatio());
        bat.put("states_counted", info.batStates().isPresent());
        if (info.batStates().isPresent()) {
            Map<String, Object> states = new LinkedHashMap<>();
            info.batStates().get().forEach((state, count) -> states.put(state.name(), count));
            bat.put("payload_block_states", states);
        } else {
            bat.put("detail", "the BAT is too large to scan at open; its entries are checked as they are read");
        }
        return bat;
    }

    private static List<Object> chain(ImageInfo info) {
        List<Object> out = new ArrayList<>();
        Optional<ImageInfo.ParentLink> link = info.parent();
        while (link.isPresent()) {
            ImageInfo.ParentLink l = link.get();
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("path", l.path().toString());
            p.put("found_by", l.foundBy());
            p.put("disk_type", l.info().diskType());
            p.put("data_write_guid", l.info().current().dataWriteGuid().toString());
            p.put("log", l.info().log().isPresent() ? "dirty" : "clean"); // a dirty one is replayed in memory
            if (!l.attempts().isEmpty()) {
                p.put("rejected_before_it", l.attempts());
            }
            l.info().metadata().parentLocator().ifPresent(loc -> p.put("parent_locator", loc.entries()));
            out.add(p);
            link = l.info().parent();
        }
        return out;
    }

    /** Sizes in bytes read better with a unit: "67108864 bytes (64.0 MiB)". */
    private static String textValue(String key, Object value) {
        if (key.endsWith("size") && value instanceof Number n) {
            long bytes = n.longValue();
            String human = humanSize(bytes);
            return human.endsWith(" bytes") ? human : bytes + " bytes (" + human + ")";
        }
        return String.valueOf(value);
    }

    static String humanSize(long bytes) {
        String[] units = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB"};
        double value = bytes;
        int unit = 0;
        while (value >= 1024 && unit < units.length - 1) {
            value /= 1024;
            unit++;
        }
        return unit == 0 ? bytes + " bytes" : String.format(java.util.Locale.ROOT, "%.1f %s", value, units[unit]);
    }

    private static String hex(long value) {
        return "0x" + Long.toHexString(value);
    }

    static void printJson(PrintWriter out, Map<String, Object> report) {
        try {
            out.println(JSON.std.with(JSON.Feature.PRETTY_PRINT_OUTPUT).asString(report));
        } catch (IOException e) {
            throw new IllegalStateException("cannot render the report as JSON", e);
        }
    }

    /** Indented "name: value" lines; lists of maps become numbered groups. */
    static void printText(PrintWriter out, Map<String, Object> report) {
        printMap(out, report, "");
    }

    private static void printMap(PrintWriter out, Map<?, ?> map, String indent) {
        int width = map.keySet().stream().mapToInt(k -> k.toString().length()).max().orElse(0) + 2;
        for (Map.Entry<?, ?> e : map.entrySet()) {
            String name = e.getKey().toString().replace('_', ' ') + ":";
            Object value = e.getValue();
            if (value instanceof Map<?, ?> m && !m.isEmpty()) {
                out.println(indent + name);
                printMap(out, m, indent + "  ");
            } else if (value instanceof List<?> list && !list.isEmpty()
                    && list.stream().allMatch(item -> !(item instanceof Map) && !String.valueOf(item).contains(" "))) {
                // words (flags) on one line; sentences (warnings) one per line below
                out.println(indent + String.format("%-" + width + "s", name) + String.join(", ",
                        list.stream().map(String::valueOf).toList()));
            } else if (value instanceof List<?> list && !list.isEmpty()) {
                out.println(indent + name);
                for (Object item : list) {
                    if (item instanceof Map<?, ?> m) {
                        out.println(indent + "  -");
                        printMap(out, m, indent + "    ");
                    } else {
                        out.println(indent + "  - " + item);
                    }
                }
            } else {
                out.println(indent + String.format("%-" + width + "s", name) + textValue(e.getKey().toString(), value));
            }
        }
    }
}
