package dev.vhdxmount.vhdx.check;

import dev.vhdxmount.vhdx.error.Hex;
import java.nio.file.Path;
import java.util.Objects;

/**
 * One thing a check found in one file of an image: what kind, how much it matters, the structure and its file
 * offset, and what the spec (or the structure's other copy) expects against what the file holds.
 *
 * @param file       the file it is in: the image, or a parent of its chain
 * @param structure  the structure as messages name it: "header 2", "BAT entry 17 (payload block 17)", ...
 * @param fileOffset where in the file, or -1 where no single offset applies
 * @param expected   what a sound image holds there
 * @param found      what this one holds
 * @param detail     why it matters or what a reader does about it; may be empty
 */
public record Finding(Kind kind, Severity severity, Path file, String structure, long fileOffset, String expected,
        String found, String detail) {

    public Finding {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(severity, "severity");
        Objects.requireNonNull(structure, "structure");
        expected = Objects.requireNonNullElse(expected, "");
        found = Objects.requireNonNullElse(found, "");
        detail = Objects.requireNonNullElse(detail, "");
    }

    /** One line: structure and offset, expected vs found, and the detail. */
    public String message() {
        StringBuilder b = new StringBuilder(structure);
        if (fileOffset >= 0) {
            b.append(" at ").append(Hex.hex(fileOffset));
        }
        b.append(": ");
        if (!expected.isEmpty()) {
            b.append("expected ").append(expected).append(", found ");
        }
        b.append(found);
        if (!detail.isEmpty()) {
            b.append(" (").append(detail).append(')');
        }
        return b.toString();
    }
}
