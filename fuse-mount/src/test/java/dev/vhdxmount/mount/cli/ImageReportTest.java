package dev.vhdxmount.mount.cli;

import static dev.vhdxmount.vhdx.testkit.Sizes.MIB;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.jr.ob.JSON;

import dev.vhdxmount.vhdx.VhdxImage;
import dev.vhdxmount.vhdx.VirtualDisk;
import dev.vhdxmount.vhdx.testkit.VhdxBuilder;

/** vhdx-info's report of a dirty differencing child over a base, as text and as JSON. */
class ImageReportTest {

    @TempDir
    Path tmp;

    @Test
    void reportsHeadersLogBatAndTheParentChain() throws Exception {
        VhdxBuilder base = VhdxBuilder.dynamic(16L * MIB).blockSize(MIB).creator("base-maker");
        base.write(0, VhdxBuilder.pattern(MIB, 1));
        base.build(tmp.resolve("base.vhdx"));
        VhdxBuilder child = VhdxBuilder.differencing(16L * MIB).blockSize(MIB).parent(base, ".\\base.vhdx");
        child.write(3L * MIB, VhdxBuilder.pattern(4096, 2));
        child.log().entry().bat(3).sectorBitmap(3).payload(3L * MIB, 4096);
        Path file = child.build(tmp.resolve("child.avhdx")).path();

        Map<String, Object> report;
        try (VirtualDisk disk = VhdxImage.open(file)) {
            report = ImageReport.of(file.toString(), disk);
        }
        StringWriter text = new StringWriter();
        ImageReport.printText(new PrintWriter(text), report);
        String t = text.toString();
        assertTrue(t.contains("disk type:            differencing"), t);
        assertTrue(t.matches("(?s).*\n  state: +dirty\n.*"), t);
        assertTrue(t.matches("(?s).*\n  detail: +the log needs replay.*"), t);
        assertTrue(t.matches("(?s).*\n    status: +current\n.*"), t);
        assertTrue(t.matches("(?s).*\n    flags: +virtual_disk, required\n.*"), t);
        assertTrue(t.contains("parent chain:"), t);
        assertTrue(t.contains("found by:        relative_path .\\base.vhdx"), t);

        StringWriter json = new StringWriter();
        ImageReport.printJson(new PrintWriter(json), report);
        Map<String, Object> root = JSON.std.mapFrom(json.toString());
        assertEquals(16L * MIB, ((Number) root.get("virtual_size")).longValue());
        assertEquals(1, ((Number) map(root, "log").get("entries_replayed")).intValue());
        // values scripts compare stay single words; the sentences are in detail fields
        assertEquals("dirty", map(root, "log").get("state"));
        assertEquals(List.of("current", "valid"), ((List<?>) root.get("headers")).stream()
                .map(h -> map(h).get("status")).sorted().toList());
        assertEquals("used", map(((List<?>) root.get("region_tables")).get(0)).get("status"));
        assertEquals(Boolean.TRUE, map(root, "bat").get("states_counted"));
        assertEquals(2, ((List<?>) root.get("headers")).size());
        assertEquals("{" + base.dataWriteGuid() + "}", map(root, "parent_locator").get("parent_linkage"));
        Map<String, Object> parent = map(((List<?>) root.get("parent_chain")).get(0));
        assertEquals(tmp.resolve("base.vhdx").toString(), parent.get("path"));
        assertEquals(base.dataWriteGuid().toString(), parent.get("data_write_guid"));
        assertEquals("dynamic", parent.get("disk_type"));
        assertTrue(map(map(root, "bat"), "payload_block_states").containsKey("PARTIALLY_PRESENT"), json.toString());
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object value) {
        return (Map<String, Object>) value;
    }

    private static Map<String, Object> map(Map<String, Object> parent, String key) {
        return map(parent.get(key));
    }
}
