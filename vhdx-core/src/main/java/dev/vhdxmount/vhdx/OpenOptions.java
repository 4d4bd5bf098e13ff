package dev.vhdxmount.vhdx;

import dev.vhdxmount.vhdx.error.VhdxFormatException;

import dev.vhdxmount.vhdx.io.FileOpener;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * How to open an image.
 *
 * @param parents      explicit parent images, nearest first, one per level of a differencing chain; they override
 *                     what the parent locators say (may be empty)
 * @param allowTruncated open a truncated image anyway ("salvage"): reads of data that lies past the end of the file
 *                     fail with {@link VhdxFormatException.Truncated} instead of the open failing
 * @param fileOpener   how the image and its parents are opened (read-only); {@link FileOpener#DEFAULT} unless the
 *                     caller needs each file's OS descriptor
 */
public record OpenOptions(List<Path> parents, boolean allowTruncated, FileOpener fileOpener) {

    public static final OpenOptions DEFAULTS = new OpenOptions(List.of(), false);

    public OpenOptions {
        parents = List.copyOf(parents);
        Objects.requireNonNull(fileOpener, "fileOpener");
    }

    public OpenOptions(List<Path> parents, boolean allowTruncated) {
        this(parents, allowTruncated, FileOpener.DEFAULT);
    }

    public OpenOptions withParents(List<Path> newParents) {
        return new OpenOptions(newParents, allowTruncated, fileOpener);
    }

    public OpenOptions withAllowTruncated(boolean allow) {
        return new OpenOptions(parents, allow, fileOpener);
    }

    public OpenOptions withFileOpener(FileOpener opener) {
        return new OpenOptions(parents, allowTruncated, opener);
    }
}
