package dev.vhdxmount.vhdx;

import java.io.IOException;
import java.nio.file.Path;

/** Finds and opens a differencing disk's parent. */
interface ParentResolver {

    record Resolved(VirtualDisk disk, ImageInfo.ParentLink link) {}

    Resolved resolve(Path child, ImageInfo childInfo, OpenOptions options) throws IOException;
}
