package dev.vhdxmount.mount.session;

/**
 * A mount cannot go ahead, or its session failed: a one-line message (what, where, what next) for the user, and the
 * kind of failure, from which the command line picks its exit status.
 */
public final class MountFailure extends Exception {
    private static final long serialVersionUID = 1L;

    /** One kind per thing a user or a script would do something different about. */
    public enum Kind {
        /** The mountpoint is missing, not a directory, not empty, already mounted, or a stale FUSE mount. */
        BAD_MOUNTPOINT,
        /** FUSE is not usable here: /dev/fuse missing or not permitted, or no libfuse this program can serve with. */
        FUSE_UNAVAILABLE,
        /** libfuse could not mount, or the serving process ended before the mount was ready. */
        MOUNT_FAILED,
        /** Something that should not happen (the serving process could not be started, say). */
        INTERNAL
    }

    private final Kind kind;

    public MountFailure(Kind kind, String message) {
        this(kind, message, null);
    }

    public MountFailure(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
