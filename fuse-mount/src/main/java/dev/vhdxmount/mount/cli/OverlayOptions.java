package dev.vhdxmount.mount.cli;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Stack;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.vhdxmount.mount.overlay.OverlayDisk;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * What {@code --overlay[=DIR]} and {@code --overlay-max SIZE} mean: where the overlay file goes, and how large it may
 * grow. The folder's default is {@code $TMPDIR}, else {@code /var/tmp}: the launcher gives the JVM no
 * {@code java.io.tmpdir}, so the JVM's own default (/tmp, often a small tmpfs in memory) is not the user's choice, and
 * /var/tmp is on disk, where gigabytes of overlay belong.
 */
final class OverlayOptions {
    /** The folder when neither DIR nor $TMPDIR says one. */
    static final Path FALLBACK_FOLDER = Path.of("/var/tmp");
    /** The value {@code --overlay} without DIR stands for. */
    static final String DEFAULT = "";

    private static final Pattern SIZE = Pattern.compile("(\\d{1,19})([KMGT]?)(?:I?B)?");

    private OverlayOptions() {}

    /** The folder {@code --overlay=value} names: the value, or the default one for {@link #DEFAULT}. */
    static Path folder(String value, Map<String, String> environment) {
        if (!value.isEmpty()) {
            return Path.of(value);
        }
        String tmpdir = environment.get("TMPDIR");
        return tmpdir == null || tmpdir.isBlank() ? FALLBACK_FOLDER : Path.of(tmpdir);
    }

    /**
     * A size as {@code --overlay-max} takes it: bytes, or a number with K, M, G or T (powers of 1024; "KiB" and "KB"
     * say the same), at least one chunk of the overlay (64 KiB), at most 1 EiB.
     *
     * @throws IllegalArgumentException with the one-line message for the user
     */
    static long parseSize(String option, String text) {
        String named = option.isEmpty() ? text : option + " " + text;
        Matcher m = SIZE.matcher(text.trim().toUpperCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException(named + ": not a size (bytes, or a number with K, M, G"
                    + " or T: 512M, 20G)");
        }
        int shift = switch (m.group(2)) {
            case "K" -> 10;
            case "M" -> 20;
            case "G" -> 30;
            case "T" -> 40;
            default -> 0;
        };
        long number;
        try {
            number = Long.parseLong(m.group(1));
        } catch (NumberFormatException e) {
            number = Long.MAX_VALUE;
        }
        if (number > (1L << 60) >>> shift) {
            throw new IllegalArgumentException(named + ": more than 1 EiB");
        }
        long bytes = number << shift;
        if (bytes < OverlayDisk.CHUNK_SIZE) {
            throw new IllegalArgumentException(named + ": less than the overlay's unit, "
                    + OverlayDisk.CHUNK_SIZE / 1024 + " KiB");
        }
        return bytes;
    }

    /** A picocli converter for {@code --overlay-max} (picocli names the option in its message). */
    static final class SizeConverter implements CommandLine.ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            try {
                return parseSize("", value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    /**
     * Takes DIR only when attached ({@code --overlay=DIR}): {@code --overlay IMAGE MOUNTPOINT} must not take the image
     * for the folder.
     */
    static final class AttachedOnly implements CommandLine.IParameterPreprocessor {
        @Override
        public boolean preprocess(Stack<String> args, CommandSpec commandSpec, ArgSpec argSpec,
                Map<String, Object> info) {
            if (!"=".equals(info.get("separator"))) {
                args.push(DEFAULT);
            }
            return false;
        }
    }
}
