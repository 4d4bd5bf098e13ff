package dev.vhdxmount.vhdx;

import java.nio.file.Path;
import java.util.List;

/**
 * How to open an image.
 *
 * @param parents      explicit parent images, nearest first, one per level of a differencing chain; they override
 *                     what the parent locators say (may be empty)
 * @param allowTruncated open a truncated image anyway ("salvage"): reads of data that lies past the end of the file
 *                     fail with {@link VhdxFormatException.Truncated} instead of the open failing
 */
public record OpenOptions(List<Path> parents, boolean allowTruncated) {

    public static final OpenOptions DEFAULTS = new OpenOptions(List.of(), false);

    public OpenOptions {
        parents = List.copyOf(parents);
    }

    public OpenOptions withParents(List<Path> newParents) {
        return new OpenOptions(newParents, allowTruncated);
    }

    public OpenOptions withAllowTruncated(boolean allow) {
        return new OpenOptions(parents, allow);
    }
}
