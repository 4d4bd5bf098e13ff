package dev.vhdxmount.mount;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Map;

/**
 * What {@code stat} shows for the mount's root and {@code disk.raw}, fixed at mount time: the image cannot change under
 * a read-only mount, so neither do its size and times.
 *
 * @param size   the virtual disk's size in bytes
 * @param atime  the image file's times, which disk.raw and the root directory show
 * @param uid    owner of disk.raw and the root: the user who mounted
 */
public record DiskFileAttributes(long size, FileTime atime, FileTime mtime, FileTime ctime, int uid, int gid) {

    /** The image file's times, and this process's user and group. */
    static DiskFileAttributes of(long size, Path image) throws IOException {
        Map<String, Object> unix = Files.readAttributes(image, "unix:lastAccessTime,lastModifiedTime,ctime");
        Map<String, Object> self = Files.readAttributes(Path.of("/proc/self"), "unix:uid,gid");
        return new DiskFileAttributes(size, (FileTime) unix.get("lastAccessTime"),
                (FileTime) unix.get("lastModifiedTime"), (FileTime) unix.get("ctime"),
                (Integer) self.get("uid"), (Integer) self.get("gid"));
    }
}
