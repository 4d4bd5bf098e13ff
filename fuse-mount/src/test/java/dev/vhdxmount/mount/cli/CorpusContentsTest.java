package dev.vhdxmount.mount.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.vhdxmount.vhdx.VhdxImage;
import dev.vhdxmount.vhdx.VirtualDisk;
import dev.vhdxmount.vhdx.testkit.Corpus;

/**
 * What vhdx-info finds inside the corpus's Windows-made images, against what sfdisk and blkid -p found in the raw
 * disks qemu-img converted them to (taken once, written here; the images never change): tables, partitions, file
 * systems and their UUIDs and labels. The dirty one is read through its replayed log, as its manifest describes it.
 */
class CorpusContentsTest {
    @TempDir
    Path tmp;

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "goatrodeo/basic.vhdx.gz | gpt | 1 128 8192 EBD0A0A2-B9E5-4433-87C0-68B6B72699C7 ntfs 343CE9FD3CE9B9CE -",
        "discutils/btrfs.vhdx.gz | mbr | 1 2048 2095104 0x83 btrfs 5e0c7724-5a3e-4ec9-8b6f-a1342cc65d09 -",
        "discutils/lvm2.vhdx.gz | gpt | 1 2048 20969439 E6D6D379-F507-44C2-A23C-238F2A3DF928 lvm2"
                + " ggfWay-APBB-AUzO-N4Ix-qTdx-vOh1-k09QQs -",
        "discutils/xfs.vhdx.gz | gpt | 1 2048 20969439 0FC63DAF-8483-4772-8E79-3D69D8477DE4 xfs"
                + " 805566be-97c1-41b5-acdb-006f2a94697b -",
        "discutils/xfs5.vhdx.gz | mbr | 1 2048 20969472 0x83 xfs ec2f0a36-e586-436d-baa1-99d1ac656f6d -",
        "discutils/swap.vhdx.gz | none | 0 0 0 - swap a5d5d491-7ab0-4de8-98ab-3a8df4365824 discutils\u00a0\u00e4TES",
        "discutils/vhdx-log-replay.vhdx.gz | mbr | 1 2048 204800 0x83 unknown - -; 2 206848 409600 0x83 unknown - -"})
    void holdsWhatSfdiskAndBlkidFound(String file, String scheme, String partitions) throws Exception {
        assumeTrue(Files.exists(Corpus.root().resolve(file)), file + " is not in the corpus at " + Corpus.root());
        Path image = Corpus.decompress(file, tmp.resolve("disk.vhdx"));
        Map<String, Object> table;
        try (VirtualDisk disk = VhdxImage.open(image)) {
            table = ContentsReport.of(disk);
        }
        assertEquals(scheme, table.get("scheme"));
        List<String> got = new ArrayList<>();
        if (scheme.equals("none")) {
            got.add(line(0, 0, 0, "-", table));
        } else {
            for (Object o : (List<?>) table.get("partitions")) {
                Map<?, ?> p = (Map<?, ?>) o;
                got.add(line((Integer) p.get("number"), (Long) p.get("first_sector"), (Long) p.get("sectors"),
                        (String) p.get("type_id"), p));
            }
        }
        assertEquals(List.of(partitions.replace('\u00a0', ' ').split("; ")), got);
        assertEquals(null, table.get("warnings"));
    }

    private static String line(int number, long first, long sectors, String type, Map<?, ?> fs) {
        return number + " " + first + " " + sectors + " " + type + " " + fs.get("filesystem") + " "
                + (fs.containsKey("uuid") ? fs.get("uuid") : "-") + " "
                + (fs.containsKey("label") ? fs.get("label") : "-");
    }
}
