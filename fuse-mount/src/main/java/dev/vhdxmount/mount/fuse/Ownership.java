package dev.vhdxmount.mount.fuse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Who owns the mount's files and what they may do: the user who mounted, unless the options name another
 * ({@code uid=}, {@code gid=}), and read permission for everyone (0444 files, 0555 directories) less {@code umask=}.
 * Nothing is writable unless the mount is ({@code --overlay}): then the files are 0644 less {@code umask=}, writable
 * by their owner.
 */
public record Ownership(int uid, int gid, int umask) {

    public Ownership {
        if (umask < 0 || umask > 0777) {
            throw new IllegalArgumentException("umask " + Integer.toOctalString(umask) + " is not 0 to 0777");
        }
    }

    /** This process's user and group, no umask. */
    public static Ownership ofThisProcess() throws IOException {
        Map<String, Object> self = Files.readAttributes(Path.of("/proc/self"), "unix:uid,gid");
        return new Ownership((Integer) self.get("uid"), (Integer) self.get("gid"), 0);
    }

    public int filePermissions() {
        return 0444 & ~umask;
    }

    /** The files' permissions on a writable mount: 0644 less the umask. */
    public int writableFilePermissions() {
        return 0644 & ~umask;
    }

    public int directoryPermissions() {
        return 0555 & ~umask;
    }
}
