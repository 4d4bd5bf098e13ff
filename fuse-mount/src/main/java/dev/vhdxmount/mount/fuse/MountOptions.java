package dev.vhdxmount.mount.fuse;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

/**
 * The mount options of {@code vhdx-mount -o}, checked before anything is opened and the same whichever FUSE library
 * serves: each binding says them in its own library's words ({@link #libfuseOptions()} is what both share). An option
 * that is not here is refused up front, with the list of those that are, rather than by libfuse half-way through
 * mounting (where libfuse 3 and libfuse 2 also differ in what they take).
 *
 * @param source     what the mount table shows as the mount's source (fsname): the image
 * @param allowOther let other users read the mount ({@code allow_other}; for users other than root, /etc/fuse.conf
 *                   must say user_allow_other)
 * @param allowRoot  let root read it too ({@code allow_root})
 * @param nonEmpty   mount over a directory that has entries, hiding them while mounted ({@code nonempty})
 * @param debug      libfuse prints every request ({@code debug})
 * @param uid        owner of the files, instead of the user who mounts
 * @param gid        group of the files
 * @param umask      permission bits taken away from 0444 files and the 0555 directory
 * @param threads    how many requests are served at once (a binding that serves one at a time ignores it)
 * @param timeout    how long a read may wait on the storage before it is answered EIO (zero: for ever), where the
 *                   binding can answer a request while its thread still waits
 */
public record MountOptions(String source, boolean allowOther, boolean allowRoot, boolean nonEmpty, boolean debug,
        OptionalInt uid, OptionalInt gid, int umask, int threads, Duration timeout) {

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

    /** The options users may give, as they are written, for messages. */
    public static final String SUPPORTED = "allow_other, allow_root, nonempty, debug, uid=N, gid=N, umask=OCTAL, ro,"
            + " default_permissions, kernel_cache";

    /**
     * Parses {@code -o} values, each one or several comma-separated options.
     *
     * @param source the image, for the mount table
     * @throws IllegalArgumentException for an option that is not supported or a malformed value; the message names
     *                                  it and lists {@link #SUPPORTED}
     */
    public static MountOptions parse(String source, List<String> values) {
        boolean allowOther = false;
        boolean allowRoot = false;
        boolean nonEmpty = false;
        boolean debug = false;
        OptionalInt uid = OptionalInt.empty();
        OptionalInt gid = OptionalInt.empty();
        int umask = 0;
        for (String value : values) {
            for (String option : value.split(",")) {
                String name = option.contains("=") ? option.substring(0, option.indexOf('=')) : option;
                String argument = option.contains("=") ? option.substring(option.indexOf('=') + 1) : null;
                switch (name) {
                    case "" -> { } // "a,,b" and a trailing comma, as mount(8) takes them
                    case "allow_other" -> allowOther = flag(option, argument);
                    case "allow_root" -> allowRoot = flag(option, argument);
                    case "nonempty" -> nonEmpty = flag(option, argument);
                    case "debug" -> debug = flag(option, argument);
                    // always in force: read-only, the kernel checks permissions, and the page cache is kept
                    case "ro", "default_permissions", "kernel_cache" -> flag(option, argument);
                    case "rw" -> throw new IllegalArgumentException("-o rw: the mount is read-only (the image is"
                            + " never written)");
                    case "uid" -> uid = OptionalInt.of(number(option, argument, 10));
                    case "gid" -> gid = OptionalInt.of(number(option, argument, 10));
                    case "umask" -> umask = number(option, argument, 8);
                    default -> throw new IllegalArgumentException("-o " + option + ": not an option vhdx-mount"
                            + " takes (it takes " + SUPPORTED + ")");
                }
            }
        }
        if (umask > 0777) {
            throw new IllegalArgumentException("-o umask=" + Integer.toOctalString(umask) + ": not 0 to 0777");
        }
        return new MountOptions(source, allowOther, allowRoot, nonEmpty, debug, uid, gid, umask, DEFAULT_THREADS,
                DEFAULT_TIMEOUT);
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
        return new MountOptions(source, allowOther, allowRoot, nonEmpty, debug, uid, gid, umask, threads, timeout);
    }

    /** These options, with reads answered EIO after {@code timeout} without an answer from the storage (0: never). */
    public MountOptions withTimeout(Duration timeout) {
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("--timeout takes 0 (wait for ever) or more seconds, not " + timeout);
        }
        return new MountOptions(source, allowOther, allowRoot, nonEmpty, debug, uid, gid, umask, threads, timeout);
    }

    /** The owner the files show: {@code uid=}/{@code gid=} where given, else {@code self}'s. */
    public Ownership ownership(Ownership self) {
        return new Ownership(uid.orElse(self.uid()), gid.orElse(self.gid()), umask);
    }

    /**
     * The libfuse options every binding passes, in the {@code -o} syntax both libfuse 2 and 3 take: read-only, the
     * kernel checks permissions, the mount table's type and source, and those the user chose.
     */
    public List<String> libfuseOptions() {
        List<String> options = new ArrayList<>(List.of("ro", "default_permissions", "subtype=vhdx",
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
        return options;
    }
}
