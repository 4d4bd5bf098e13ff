package dev.vhdxmount.mount.fuse.libfuse3;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.vhdxmount.mount.fuse.UnsupportedLibfuse;

/**
 * What changed, between libfuse 3 releases, in the structures the binding writes, and so which layout the loaded
 * library must be spoken to in. libfuse keeps its 3.x symbols but has changed its structures twice: 3.14.1 inserted
 * {@code parallel_direct_writes} among {@code fuse_file_info}'s bit fields (moving {@code noflush}), and 3.17 took it
 * out again and added {@code mem_size} at the end of {@code struct fuse_buf} (40 bytes became 48, so every buffer
 * after the first of a {@code fuse_bufvec} moved). The release is read from the library itself
 * ({@code fuse_pkgversion()}, which says 3.14.0 or 3.14.1 where {@code fuse_version()} says 314 for both).
 *
 * <p>Each constant covers the releases from its first one (3.minor.hotfix) up to the next constant's; the last one
 * ends with {@link #NEWEST_KNOWN_MINOR}. A release outside that range is not guessed at ({@link UnsupportedLibfuse}):
 * a structure it changed would be written wrongly, silently. {@code Fuse3LayoutTest} checks the installed release's
 * constant against its C headers.
 */
enum Fuse3Abi {
    /** 3.10: no {@code noflush} bit yet. */
    V3_10(10, 0, 40, 0),
    /** 3.11 to 3.14.0: {@code noflush} after {@code cache_readdir}. */
    V3_11(11, 0, 40, 1 << 7),
    /** 3.14.1 to 3.16: {@code parallel_direct_writes} before {@code flush} moved the later bits up by one. */
    V3_14_1(14, 1, 40, 1 << 8),
    /**
     * 3.17 and 3.18: the 3.14.0 bit order again, a 48-byte {@code fuse_buf}, and {@code fuse_session_new} takes the
     * caller's release ({@code fuse_session_new_versioned}).
     */
    V3_17(17, 0, 48, 1 << 7);

    /** The newest minor release of libfuse 3 whose headers this table was checked against. */
    static final int NEWEST_KNOWN_MINOR = 18;

    /** The first release (3.minor.hotfix) with this layout. */
    final int minor;
    final int hotfix;
    /** sizeof(struct fuse_buf): the stride of a fuse_bufvec's buffers. */
    final int bufSizeof;
    /** The bit of fuse_file_info's bit-field word that is {@code noflush}; 0 where the field does not exist. */
    final int fiNoflush;

    Fuse3Abi(int minor, int hotfix, int bufSizeof, int fiNoflush) {
        this.minor = minor;
        this.hotfix = hotfix;
        this.bufSizeof = bufSizeof;
        this.fiNoflush = fiNoflush;
    }

    /** Whether {@code fuse_session_new_versioned} exists, which the header's {@code fuse_session_new} calls. */
    boolean versionedSessionNew() {
        return this == V3_17;
    }

    /** The layout of {@code release}. */
    static Fuse3Abi of(Release release) throws UnsupportedLibfuse {
        if (release.major() != 3 || release.minor() > NEWEST_KNOWN_MINOR) {
            throw new UnsupportedLibfuse("libfuse " + release + " is newer than the newest libfuse 3 this vhdx-mount"
                    + " knows (3." + NEWEST_KNOWN_MINOR + "), and its structures are not guessed at");
        }
        Fuse3Abi found = null;
        for (Fuse3Abi abi : values()) {
            if (release.minor() > abi.minor || release.minor() == abi.minor && release.hotfix() >= abi.hotfix) {
                found = abi;
            }
        }
        if (found == null) {
            throw new UnsupportedLibfuse("libfuse " + release + " is older than the oldest libfuse 3 this"
                    + " vhdx-mount knows (3." + V3_10.minor + ")");
        }
        return found;
    }

    /** A libfuse release, as {@code fuse_pkgversion()} reports it. */
    record Release(int major, int minor, int hotfix) {
        private static final Pattern FORM = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})(?:\\.(\\d{1,3}))?(?:[-~+.].*)?");

        /** "3.17.2", "3.14" or "3.17.1-rc1". */
        static Release parse(String text) throws UnsupportedLibfuse {
            Matcher m = FORM.matcher(text == null ? "" : text.trim());
            if (!m.matches()) {
                throw new UnsupportedLibfuse("libfuse 3 reports its release as '" + text + "', which is not a"
                        + " version number this vhdx-mount can read");
            }
            return new Release(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)),
                    m.group(3) == null ? 0 : Integer.parseInt(m.group(3)));
        }

        @Override
        public String toString() {
            return major + "." + minor + "." + hotfix;
        }
    }
}
