package dev.vhdxmount.mount;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.vhdxmount.vhdx.VirtualDisk;
import dev.vhdxmount.vhdx.VhdxImage;
import dev.vhdxmount.vhdx.testkit.VhdxBuilder;

/** vhdx-info's report of a dirty differencing child over a base, as text and as JSON. */
class ImageReportTest {
    private static final int MIB = 1 << 20;

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
        assertTrue(t.contains("state:                dirty: the log needs replay"), t);
        assertTrue(t.contains("status:          valid, current"), t);
        assertTrue(t.contains("parent chain:"), t);
        assertTrue(t.contains("found by:        relative_path .\\base.vhdx"), t);

        StringWriter json = new StringWriter();
        ImageReport.printJson(new PrintWriter(json), report);
        JsonNode root = new ObjectMapper().readTree(json.toString());
        assertEquals(16L * MIB, root.get("virtual_size").asLong());
        assertEquals(1, root.get("log").get("entries_replayed").asInt());
        assertEquals(2, root.get("headers").size());
        assertEquals("{" + base.dataWriteGuid() + "}", root.get("parent_locator").get("parent_linkage").asText());
        JsonNode parent = root.get("parent_chain").get(0);
        assertEquals(tmp.resolve("base.vhdx").toString(), parent.get("path").asText());
        assertEquals(base.dataWriteGuid().toString(), parent.get("data_write_guid").asText());
        assertEquals("dynamic", parent.get("disk_type").asText());
        assertTrue(root.get("bat").get("payload_block_states").has("PARTIALLY_PRESENT"), json.toString());
    }
}
