package dev.vhdxmount.mount.session;

import static dev.vhdxmount.mount.session.MountFailure.Kind.BAD_MOUNTPOINT;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.vhdxmount.mount.os.IoReasons;
import dev.vhdxmount.mount.os.Shell;

/**
 * Checks a mountpoint before mounting, so that each way it can be wrong gets its own message with the fix, and reads
 * the kernel's mount table (/proc/self/mountinfo) to tell "already mounted" and "stale" apart.
 */
public final class MountPoints {
    private static final Logger log = LoggerFactory.getLogger(MountPoints.class);
    static final Path MOUNTINFO = Path.of("/proc/self/mountinfo");

    /** One line of /proc/self/mountinfo: where, what type, from what, and the device ("major:minor"). */
    public record MountEntry(String mountPoint, String fsType, String source, String device) {
        public boolean isFuse() {
            return fsType.equals("fuse") || fsType.startsWith("fuse.") || fsType.equals("fuseblk");
        }

        /**
         * An automount point (systemd's x-systemd.automount, autofs): a mount made there goes on top of it, which
         * is what the automounter waits for; it is not a mount in the way.
         */
        public boolean isAutomountPoint() {
            return fsType.equals("autofs");
        }
    }

    private MountPoints() {}

    /**
     * Checks that {@code given} is an empty directory with nothing mounted on it.
     *
     * @param allowNonEmpty the user passed {@code -o nonempty}: mount over existing entries anyway
     * @return the mountpoint as an absolute, normalised path
     */
    public static Path check(Path given, boolean allowNonEmpty) throws MountFailure {
        return check(given, allowNonEmpty, false);
    }

    /**
     * As {@link #check(Path, boolean)}; with {@code clearStale}, a stale FUSE mount (its server died, so the kernel
     * answers ENOTCONN) is unmounted first, as {@code fusermount -u} would, and the directory checked again. Only
     * ENOTCONN counts: a live mount, or one this user may not look into, is never touched.
     */
    public static Path check(Path given, boolean allowNonEmpty, boolean clearStale) throws MountFailure {
        Path path = given.toAbsolutePath().normalize();
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(path, BasicFileAttributes.class);
            // the kernel answers stat of a FUSE root from its attribute cache, even after the server died
            if (findMount(path).map(MountEntry::isFuse).orElse(false)) {
                checkAlive(path);
            }
        } catch (NoSuchFileException e) {
            throw new MountFailure(BAD_MOUNTPOINT,
                    "mountpoint " + path + " does not exist (create it first: " + Shell.command("mkdir", "-p",
                            path.toString()) + ")", e);
        } catch (IOException e) {
            if (clearStale && isNotConnected(e)) {
                if (!Unmounter.unmount(path)) {
                    throw new MountFailure(BAD_MOUNTPOINT, "mountpoint " + path + " is a stale FUSE mount and"
                            + " unmounting it failed: try " + Shell.command("fusermount", "-u", path.toString())
                            + " (or " + Shell.command("umount", "-l", path.toString()) + " as root)", e);
                }
                log.warn("mountpoint {} was a stale FUSE mount (the process that served it had died): cleared it",
                        path);
                return check(given, allowNonEmpty, false);
            }
            Optional<MountEntry> mounted = findMount(path);
            if (mounted.map(MountEntry::isFuse).orElse(false) || isNotConnected(e)) {
                throw new MountFailure(BAD_MOUNTPOINT, staleMessage(path), e);
            }
            throw new MountFailure(BAD_MOUNTPOINT,
                    "mountpoint " + path + " cannot be accessed: " + IoReasons.reason(e), e);
        }
        if (!attributes.isDirectory()) {
            throw new MountFailure(BAD_MOUNTPOINT, "mountpoint " + path + " is not a directory");
        }
        Path real;
        try {
            real = path.toRealPath();
        } catch (IOException e) {
            throw new MountFailure(BAD_MOUNTPOINT,
                    "mountpoint " + path + " cannot be accessed: " + IoReasons.reason(e), e);
        }
        Optional<MountEntry> mounted = findMount(real);
        if (mounted.map(MountEntry::isAutomountPoint).orElse(false)) {
            // listing it would ask the automounter for the very mount it waits on us for: it is empty anyway
            log.debug("mountpoint {} is an automount point: mounting on top of it", path);
            return real;
        }
        if (mounted.isPresent()) {
            MountEntry m = mounted.get();
            throw new MountFailure(BAD_MOUNTPOINT, "mountpoint " + path + " is already mounted (" + m.fsType()
                    + " from " + m.source() + "): unmount it first with " + (m.isFuse()
                    ? Shell.command("fusermount", "-u", path.toString()) : Shell.command("umount", path.toString()))
                    + ", or choose another directory");
        }
        if (!allowNonEmpty) {
            try (Stream<Path> entries = Files.list(real)) {
                List<String> names = entries.limit(3).map(p -> p.getFileName().toString()).toList();
                if (!names.isEmpty()) {
                    throw new MountFailure(BAD_MOUNTPOINT, "mountpoint " + path + " is not empty (it holds "
                            + String.join(", ", names) + (names.size() == 3 ? ", ..." : "")
                            + "): use an empty directory, or pass -o nonempty to hide its contents while mounted");
                }
            } catch (IOException e) {
                throw new MountFailure(BAD_MOUNTPOINT,
                        "mountpoint " + path + " cannot be listed: " + IoReasons.reason(e), e);
            }
        }
        return real;
    }

    static String staleMessage(Path path) {
        return "mountpoint " + path + " is a stale FUSE mount (Transport endpoint is not connected: the process that"
                + " served it has died); clear it with " + Shell.command("fusermount", "-u", path.toString()) + " (or "
                + Shell.command("umount", "-l", path.toString()) + " as root) and try again, or mount with"
                + " --clear-stale, which does that first";
    }

    /**
     * Asks the FUSE server behind {@code path} for its file system's statistics, which the kernel never caches: a
     * server that died makes it fail with ENOTCONN.
     */
    private static void checkAlive(Path path) throws IOException {
        Files.getFileStore(path).getTotalSpace();
    }

    private static boolean isNotConnected(IOException e) {
        return e instanceof FileSystemException fse && fse.getReason() != null
                && fse.getReason().contains("not connected");
    }

    /** The mount whose mountpoint is exactly {@code path}, the topmost if several are stacked there. */
    public static Optional<MountEntry> findMount(Path path) {
        try {
            String want = path.toString();
            MountEntry found = null;
            for (MountEntry entry : parse(Files.readString(MOUNTINFO, StandardCharsets.UTF_8))) {
                if (entry.mountPoint().equals(want)) {
                    found = entry;
                }
            }
            return Optional.ofNullable(found);
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Whether anything is mounted exactly at {@code path} now. */
    public static boolean isMounted(Path path) {
        return findMount(path).isPresent();
    }

    /**
     * Parses /proc/self/mountinfo (proc(5)): {@code id parent major:minor root mountpoint options [optional...] -
     * fstype source superoptions}, with space, tab, newline and backslash in paths escaped as octal.
     */
    static List<MountEntry> parse(String mountinfo) {
        List<MountEntry> entries = new ArrayList<>();
        for (String line : mountinfo.split("\n")) {
            String[] fields = line.trim().split(" ");
            int separator = List.of(fields).indexOf("-");
            if (fields.length < 5 || separator < 0 || separator + 2 >= fields.length) {
                continue;
            }
            entries.add(new MountEntry(unescape(fields[4]), fields[separator + 1], unescape(fields[separator + 2]),
                    fields[2]));
        }
        return entries;
    }

    static String unescape(String field) {
        StringBuilder out = new StringBuilder(field.length());
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\\' && isOctal(field, i + 1)) {
                out.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static boolean isOctal(String s, int from) {
        if (from + 3 > s.length()) {
            return false;
        }
        for (int i = from; i < from + 3; i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '7') {
                return false;
            }
        }
        return true;
    }
}
