package dev.vhdxmount.mount.fuse;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeSet;

/**
 * The mount options of {@code vhdx-mount -o}, checked before anything is opened and the same whichever FUSE library
 * serves: each binding says them in its own library's words ({@link #libfuseOptions()} is what both share). An option
 * that is not here is refused up front, with the list of those that are, rather than by libfuse half-way through
 * mounting (where libfuse 3 and libfuse 2 also differ in what they take).
 *
 * <p>{@code mount -t fuse.vhdx-mount} and /etc/fstab reach vhdx-mount through mount.fuse3, which runs
 * {@code vhdx-mount IMAGE MOUNTPOINT -o OPTIONS} with the options of the fstab line or of {@code mount -o}, less those
 * that only mount(8) and mount.fuse3 act on, and with {@code dev,suid} added unless {@code nodev}/{@code nosuid} were
 * given; an option meant for mount(8) or systemd may still come through when vhdx-mount is run some other way. So the
 * generic options are taken too, and so are the command's own options in {@code -o} form ({@code parent=},
 * {@code log_file=}, ...), as an fstab line has no other place for them.
 *
 * @param source     what the mount table shows as the mount's source (fsname): the image
 * @param allowOther let other users read the mount ({@code allow_other}; for users other than root, /etc/fuse.conf
 *                   must say user_allow_other)
 * @param allowRoot  let root read it too ({@code allow_root})
 * @param nonEmpty   mount over a directory that has entries, hiding them while mounted ({@code nonempty})
 * @param debug      libfuse prints every request ({@code debug})
 * @param noExec     the mount table says noexec ({@code noexec}; disk.raw is not executable either way)
 * @param uid        owner of the files, instead of the user who mounts
 * @param gid        group of the files
 * @param umask      permission bits taken away from 0444 files (0644 with an overlay) and the 0555 directory
 * @param threads    how many requests are served at once (a binding that serves one at a time ignores it)
 * @param timeout    how long a read may wait on the storage before it is answered EIO (zero: for ever), where the
 *                   binding can answer a request while its thread still waits
 * @param parents    {@code parent=PATH}, in the order given: as {@code --parent}
 * @param logFile    {@code log_file=PATH}: as {@code --log-file}
 * @param readahead  {@code readahead=KIB}: as {@code --readahead}
 * @param partitions {@code partitions}: as {@code --partitions}
 * @param overlay    the mount is writable, its writes kept in an overlay ({@code overlay}, {@code overlay=DIR} or
 *                   {@code --overlay}): libfuse mounts it {@code rw}
 * @param overlayFolder {@code overlay=DIR}: as {@code --overlay=DIR}
 * @param overlayMax {@code overlay_max=SIZE}: as {@code --overlay-max}, unparsed (the command parses both)
 * @param given      the names of the command's own options that {@code -o} gave ({@link #COMMAND_OPTIONS}), so that
 *                   the command can tell them from its defaults
 */
public record MountOptions(String source, boolean allowOther, boolean allowRoot, boolean nonEmpty, boolean debug,
        boolean noExec, OptionalInt uid, OptionalInt gid, int umask, int threads, Duration timeout, List<Path> parents,
        Optional<Path> logFile, OptionalInt readahead, boolean partitions, boolean overlay,
        Optional<Path> overlayFolder, Optional<String> overlayMax, Set<String> given) {

    /**
     * Requests served at once unless told: enough for a queue of 16 reads (fio's usual depth, or readahead and a few
     * readers) to be in flight on storage where each read waits (docs/benchmarks.md); an idle thread costs only its
     * stack and buffers it has not touched.
     */
    public static final int DEFAULT_THREADS = 16;
    /** The most threads {@code --threads} takes. */
    public static final int MAX_THREADS = 256;
    /**
     * How long a read may wait on the storage unless told: longer than a disk's own retries of a bad sector (about
     * 30 s on Linux) or an NFS server's usual timeouts, short enough that a hung one ends in an error.
     */
    public static final int DEFAULT_TIMEOUT_SECONDS = 60;
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(DEFAULT_TIMEOUT_SECONDS);

    /**
     * The command's own options that {@code -o} also takes, each as its command-line option: what a process that
     * gets them as command-line options must not get again in {@code -o} ({@link #withoutCommandOptions}).
     */
    public static final Set<String> COMMAND_OPTIONS = Set.of("parent", "log_file", "readahead", "threads", "timeout",
            "partitions", "overlay", "overlay_max");

    /** The options users may give, as they are written, for messages. */
    public static final String SUPPORTED = "allow_other, allow_root, nonempty, debug, uid=N, gid=N, umask=OCTAL,"
            + " parent=PATH, log_file=PATH, readahead=KIB, threads=N, timeout=SECONDS, partitions, overlay[=DIR],"
            + " overlay_max=SIZE; and those of mount and fstab: ro, rw (with overlay), defaults, auto, noauto, user, nouser, users, nofail, _netdev, x-*, nodev, dev, nosuid,"
            + " suid, noexec, exec, default_permissions, kernel_cache";

    /**
     * Parses {@code -o} values, each one or several comma-separated options. Where an option is given twice, the
     * later one counts, as with mount(8); {@code parent=} adds a parent each time.
     *
     * @param source the image, for the mount table
     * @throws IllegalArgumentException for an option that is not supported or a malformed value; the message names
     *                                  it and lists {@link #SUPPORTED}
     */
    public static MountOptions parse(String source, List<String> values) {
        return parse(source, values, false);
    }

    /**
     * {@link #parse(String, List)} for a command that may have been given {@code --overlay}, which makes {@code rw}
     * fit and {@code ro} not.
     */
    public static MountOptions parse(String source, List<String> values, boolean overlayOption) {
        boolean allowOther = false;
        boolean allowRoot = false;
        boolean nonEmpty = false;
        boolean debug = false;
        boolean noExec = false;
        OptionalInt uid = OptionalInt.empty();
        OptionalInt gid = OptionalInt.empty();
        int umask = 0;
        int threads = DEFAULT_THREADS;
        Duration timeout = DEFAULT_TIMEOUT;
        List<Path> parents = new ArrayList<>();
        Optional<Path> logFile = Optional.empty();
        OptionalInt readahead = OptionalInt.empty();
        boolean partitions = false;
        boolean overlay = overlayOption;
        Optional<Path> overlayFolder = Optional.empty();
        Optional<String> overlayMax = Optional.empty();
        // ro and rw as mount(8) takes them: the later one counts
        String access = "";
        Set<String> given = new TreeSet<>();
        for (String value : values) {
            for (String option : value.split(",")) {
                String name = option.contains("=") ? option.substring(0, option.indexOf('=')) : option;
                String argument = option.contains("=") ? option.substring(option.indexOf('=') + 1) : null;
                if (COMMAND_OPTIONS.contains(name)) {
                    given.add(name);
                }
                switch (name) {
                    case "" -> { } // "a,,b" and a trailing comma, as mount(8) takes them
                    case "allow_other" -> allowOther = flag(option, argument);
                    case "allow_root" -> allowRoot = flag(option, argument);
                    case "nonempty" -> nonEmpty = flag(option, argument);
                    case "debug" -> debug = flag(option, argument);
                    // always in force: the kernel checks permissions, and (read-only) the page cache is kept
                    case "default_permissions", "kernel_cache" -> flag(option, argument);
                    // mount(8) passes rw unless told ro: rw means the writable mount of an overlay, and only that
                    case "ro", "rw" -> access = flag(option, argument) ? name : access;
                    // for mount(8), systemd and mount.fuse3 (which usually keep them to themselves): whether and
                    // when to mount, and who may
                    case "defaults", "auto", "noauto", "user", "nouser", "users", "nofail", "_netdev" ->
                            flag(option, argument);
                    // a FUSE mount is always nodev and nosuid (disk.raw is neither a device nor set-user-ID, so
                    // there is nothing to loosen); mount.fuse3 adds dev,suid unless told nodev,nosuid
                    case "nodev", "dev", "nosuid", "suid" -> flag(option, argument);
                    case "noexec" -> noExec = flag(option, argument);
                    case "exec" -> noExec = !flag(option, argument);
                    case "uid" -> uid = OptionalInt.of(number(option, argument, 10));
                    case "gid" -> gid = OptionalInt.of(number(option, argument, 10));
                    case "umask" -> umask = number(option, argument, 8);
                    case "parent" -> parents.add(path(option, argument));
                    case "log_file" -> logFile = Optional.of(path(option, argument));
                    case "readahead" -> readahead = OptionalInt.of(number(option, argument, 10));
                    case "threads" -> threads = number(option, argument, 10);
                    case "timeout" -> timeout = Duration.ofSeconds(number(option, argument, 10));
                    case "partitions" -> partitions = flag(option, argument);
                    case "overlay" -> {
                        overlay = true;
                        overlayFolder = argument == null ? Optional.empty() : Optional.of(path(option, argument));
                    }
                    case "overlay_max" -> {
                        if (argument == null || argument.isEmpty()) {
                            throw new IllegalArgumentException("-o " + option + ": needs a size (overlay_max=SIZE)");
                        }
                        overlayMax = Optional.of(argument);
                    }
                    default -> {
                        // x-*: for programs in user space (systemd's x-systemd.automount, x-mount.mkdir), by
                        // mount(8)'s rule
                        if (!name.startsWith("x-")) {
                            throw new IllegalArgumentException("-o " + option + ": not an option vhdx-mount"
                                    + " takes (it takes " + SUPPORTED + ")");
                        }
                    }
                }
            }
        }
        if (access.equals("rw") && !overlay) {
            throw new IllegalArgumentException("-o rw: the mount is read-only (the image is never written) unless it"
                    + " has an overlay (-o overlay, or --overlay): say ro (mount and fstab lines pass rw unless told"
                    + " ro)");
        }
        if (access.equals("ro") && overlay) {
            throw new IllegalArgumentException("-o ro: the mount of an overlay is writable: leave ro out (or say rw)");
        }
        if (umask > 0777) {
            throw new IllegalArgumentException("-o umask=" + Integer.toOctalString(umask) + ": not 0 to 0777");
        }
        if (threads < 1 || threads > MAX_THREADS) {
            throw new IllegalArgumentException("-o threads=" + threads + ": not 1 to " + MAX_THREADS);
        }
        return new MountOptions(source, allowOther, allowRoot, nonEmpty, debug, noExec, uid, gid, umask, threads,
                timeout, List.copyOf(parents), logFile, readahead, partitions, overlay, overlayFolder, overlayMax,
                Set.copyOf(given));
    }

    /**
     * These {@code -o} values less the command's own options ({@link #COMMAND_OPTIONS}), for a process that gets
     * those as command-line options instead: the same values, as one comma-separated value, or none.
     */
    public static List<String> withoutCommandOptions(List<String> values) {
        List<String> kept = new ArrayList<>();
        for (String value : values) {
            for (String option : value.split(",")) {
                String name = option.contains("=") ? option.substring(0, option.indexOf('=')) : option;
                if (!name.isEmpty() && !COMMAND_OPTIONS.contains(name)) {
                    kept.add(option);
                }
            }
        }
        return kept.isEmpty() ? List.of() : List.of(String.join(",", kept));
    }

    private static Path path(String option, String argument) {
        if (argument == null || argument.isEmpty()) {
            throw new IllegalArgumentException("-o " + option + ": needs a path (" + option.replace("=", "")
                    + "=PATH)");
        }
        try {
            return Path.of(argument);
        } catch (InvalidPathException e) {
            throw new IllegalArgumentException("-o " + option + ": not a path: " + e.getReason());
        }
    }

    private static boolean flag(String option, String argument) {
        if (argument != null) {
            throw new IllegalArgumentException("-o " + option + ": takes no value");
        }
        return true;
    }

    private static int number(String option, String argument, int radix) {
        try {
            int n = Integer.parseInt(argument == null ? "" : argument, radix);
            if (n < 0) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("-o " + option + ": needs " + (radix == 8 ? "an octal " : "a ")
                    + "number");
        }
    }

    /** These options, served by {@code threads} threads (1 to {@link #MAX_THREADS}). */
    public MountOptions withThreads(int threads) {
        if (threads < 1 || threads > MAX_THREADS) {
            throw new IllegalArgumentException("--threads takes 1 to " + MAX_THREADS + ", not " + threads);
        }
        return new MountOptions(source, allowOther, allowRoot, nonEmpty, debug, noExec, uid, gid, umask, threads,
                timeout, parents, logFile, readahead, partitions, overlay, overlayFolder, overlayMax, given);
    }

    /** These options, with reads answered EIO after {@code timeout} without an answer from the storage (0: never). */
    public MountOptions withTimeout(Duration timeout) {
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("--timeout takes 0 (wait for ever) or more seconds, not " + timeout);
        }
        return new MountOptions(source, allowOther, allowRoot, nonEmpty, debug, noExec, uid, gid, umask, threads,
                timeout, parents, logFile, readahead, partitions, overlay, overlayFolder, overlayMax, given);
    }

    /** These options, writable through an overlay or not (the command's {@code --overlay}). */
    public MountOptions withOverlay(boolean overlay) {
        return new MountOptions(source, allowOther, allowRoot, nonEmpty, debug, noExec, uid, gid, umask, threads,
                timeout, parents, logFile, readahead, partitions, overlay, overlayFolder, overlayMax, given);
    }

    /** The owner the files show: {@code uid=}/{@code gid=} where given, else {@code self}'s. */
    public Ownership ownership(Ownership self) {
        return new Ownership(uid.orElse(self.uid()), gid.orElse(self.gid()), umask);
    }

    /**
     * The libfuse options every binding passes, in the {@code -o} syntax both libfuse 2 and 3 take: read-only (or
     * read-write, with an overlay), the kernel checks permissions, the mount table's type and source, and those the user chose.
     */
    public List<String> libfuseOptions() {
        // subtype: the mount table's type is then fuse.vhdx-mount, the type of an fstab line, so that mount(8) and
        // systemd know the mount as that line's
        List<String> options = new ArrayList<>(List.of(overlay ? "rw" : "ro", "default_permissions", "subtype=vhdx-mount",
                // libfuse splits options at commas and takes a backslash as an escape
                "fsname=" + source.replace("\\", "\\\\").replace(",", "\\,")));
        if (allowOther) {
            options.add("allow_other");
        }
        if (allowRoot) {
            options.add("allow_root");
        }
        if (debug) {
            options.add("debug");
        }
        if (noExec) {
            options.add("noexec");
        }
        return options;
    }
}
