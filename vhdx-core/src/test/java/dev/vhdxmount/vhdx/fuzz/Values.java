package dev.vhdxmount.vhdx.fuzz;

import static dev.vhdxmount.vhdx.testkit.Sizes.MIB;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.SplittableRandom;
import java.util.UUID;

/**
 * Interesting values for fields: the edges of each width, powers of two and their neighbours, the spec's own limits
 * (1 MiB, 256 MiB, 64 TiB, 2047 entries...), off-by-one and off-by-a-sector of the current value, file offsets of
 * structures and of the end of the file, and plain random values.
 */
final class Values {
    private static final long[] SMALL = {0, 1, 2, 3, 4, 7, 8, 15, 16, 20, 32, 64, 255, 256, 511, 512, 513, 1023, 1024,
        4095, 4096, 4097, 8192, 65535, 65536};
    private static final long[] SPEC = {MIB, 2 * MIB, 3 * MIB, 32 * MIB, 128 * MIB, 256 * MIB, 512 * MIB,
        4L << 30, (4L << 30) + 512, 32L << 30, 64L << 40, (64L << 40) + 512, (64L << 40) - 512, (64L << 40) + 4096,
        1L << 44, 2047, 2048, 4084, 64 * 1024, 192 * 1024, 256 * 1024, 1L << 32, (1L << 32) - 4096, 1L << 40};
    private static final long[] DELTAS = {1, 2, 8, 512, 4096, 64 * 1024, MIB, 32 * MIB};

    /** Signatures of every VHDX structure: one in the wrong place is a classic confusion. */
    static final List<String> SIGNATURES = List.of("vhdxfile", "head", "regi", "metadata", "loge", "desc", "zero",
            "data", "conectix", "QFI\u00fb", "HEAD", "\0\0\0\0");

    private Values() {}

    /** A value for a {@code width}-byte integer field whose current value is {@code current}. */
    static long integer(SplittableRandom r, int width, long current, List<Long> offsets, long fileSize) {
        long v;
        switch (r.nextInt(11)) {
            case 0 -> v = SMALL[r.nextInt(SMALL.length)];
            case 1 -> v = edge(r, width);
            case 2 -> {
                long d = DELTAS[r.nextInt(DELTAS.length)];
                v = r.nextBoolean() ? current + d : current - d;
            }
            case 3 -> {
                long p = 1L << r.nextInt(width * 8);
                v = p + (r.nextInt(3) - 1);
            }
            case 4 -> v = SPEC[r.nextInt(SPEC.length)];
            case 5 -> v = offsets.isEmpty() ? 0 : offsets.get(r.nextInt(offsets.size())) + (r.nextInt(5) - 2) * 4096L;
            case 6 -> {
                long[] near = {fileSize, fileSize - 1, fileSize + 1, fileSize - 4096, fileSize + 4096, fileSize - MIB,
                    fileSize + MIB, (fileSize + MIB - 1) / MIB * MIB, fileSize * 2};
                v = near[r.nextInt(near.length)];
            }
            case 7 -> v = current ^ (1L << r.nextInt(width * 8));
            case 8 -> v = r.nextBoolean() ? current * 2 : current / 2;
            case 9 -> v = r.nextBoolean() ? current << 20 : current >>> 20; // bytes and MiB confused
            default -> v = r.nextLong();
        }
        return mask(v, width);
    }

    /** 0, all ones, the largest and smallest signed value, and their neighbours. */
    static long edge(SplittableRandom r, int width) {
        int bits = width * 8;
        long allOnes = bits == 64 ? -1L : (1L << bits) - 1;
        long maxSigned = allOnes >>> 1;
        long[] e = {0, allOnes, allOnes - 1, maxSigned, maxSigned + 1, maxSigned - 1, maxSigned - 4095,
            maxSigned - MIB + 1, (maxSigned >>> 20) << 20};
        return e[r.nextInt(e.length)];
    }

    static long mask(long v, int width) {
        return width == 8 ? v : v & ((1L << (width * 8)) - 1);
    }

    /** A GUID: zero, random, one bit of the current one flipped, another GUID of the image, or a known one. */
    static UUID guid(SplittableRandom r, UUID current, List<UUID> fileGuids) {
        switch (r.nextInt(6)) {
            case 0:
                return new UUID(0, 0);
            case 1:
                return new UUID(r.nextLong(), r.nextLong());
            case 2: {
                int bit = r.nextInt(128);
                return bit < 64 ? new UUID(current.getMostSignificantBits() ^ (1L << bit),
                        current.getLeastSignificantBits())
                        : new UUID(current.getMostSignificantBits(), current.getLeastSignificantBits() ^ (1L << bit));
            }
            case 3:
            case 4:
                return fileGuids.isEmpty() ? current : fileGuids.get(r.nextInt(fileGuids.size()));
            default:
                return ImageMap.KNOWN_GUIDS.get(r.nextInt(ImageMap.KNOWN_GUIDS.size()));
        }
    }

    /** Strings for parent locator keys and values and the creator: paths of every form, GUIDs, and bad UTF-16. */
    static String string(SplittableRandom r, String current, List<String> fileNames, List<UUID> guids) {
        String name = fileNames.get(r.nextInt(fileNames.size()));
        UUID g = guids.isEmpty() ? new UUID(r.nextLong(), r.nextLong()) : guids.get(r.nextInt(guids.size()));
        String[] s = {
            "", ".", "..", "\\", "/", ".\\", "..\\", "\\\\", "C:", "C:\\", "\0",
            name, ".\\" + name, "..\\" + name, "C:\\vms\\" + name, "/" + name, "./" + name, name + "\0",
            "\0" + name, name + "\\", "..\\..\\..\\..\\..\\..\\..\\..\\" + name, "\\\\?\\UNC\\server\\share\\" + name,
            "\\\\?\\Volume{" + g + "}\\" + name, "{" + g + "}", g.toString(), "{" + g + "", "{}", "{" + g + "}}",
            "parent_linkage", "parent_linkage2", "relative_path", "volume_path", "absolute_win32_path",
            "\uD800", "\uDC00x", "\uFFFF", "\uFEFF" + name, "a".repeat(300), "x/".repeat(200) + name,
            current.isEmpty() ? "\0" : current.substring(0, current.length() - 1),
            current + current,
        };
        return s[r.nextInt(s.length)];
    }

    /** {@code text} as UTF-16LE in exactly {@code width} bytes: cut, or padded with NULs or spaces. */
    static byte[] utf16(String text, int width, boolean padWithNul) {
        byte[] t = text.getBytes(StandardCharsets.UTF_16LE);
        byte[] out = new byte[width];
        for (int i = 0; i < width; i++) {
            out[i] = i < t.length ? t[i] : padWithNul ? 0 : (byte) (i % 2 == 0 ? ' ' : 0);
        }
        return out;
    }
}
