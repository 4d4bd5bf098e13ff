package dev.vhdxmount.mount.fuse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Map;

/**
 * The image file's times, which the mount's files and root directory show, read once at mount time: the image cannot
 * change under a read-only mount.
 */
public record ImageTimes(FileTime atime, FileTime mtime, FileTime ctime) {

    public static ImageTimes of(Path image) throws IOException {
        Map<String, Object> unix = Files.readAttributes(image, "unix:lastAccessTime,lastModifiedTime,ctime");
        return new ImageTimes((FileTime) unix.get("lastAccessTime"), (FileTime) unix.get("lastModifiedTime"),
                (FileTime) unix.get("ctime"));
    }
}
