package dev.vhdxmount.vhdx;

import java.io.IOException;
import java.nio.file.Path;

/** Finds and opens a differencing disk's parent. */
interface ParentResolver {

    record Resolved(VirtualDisk disk, ImageInfo.ParentLink link) {}

    Resolved resolve(Path child, ImageInfo childInfo, OpenOptions options) throws IOException;

    /** Until parent chains are supported, a differencing disk is refused with a clear message. */
    ParentResolver UNSUPPORTED = (child, info, options) -> {
        throw new VhdxFormatException.Unsupported(child + ": differencing images are not supported yet"
                + " (the disk has a parent: " + info.metadata().parentLocator().map(l -> l.entries().toString())
                        .orElse("no locator") + ")");
    };
}
