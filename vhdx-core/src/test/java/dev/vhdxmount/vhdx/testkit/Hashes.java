package dev.vhdxmount.vhdx.testkit;

import dev.vhdxmount.vhdx.VirtualDisk;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** SHA-256 (lowercase hex) of files and whole disks, for comparing with oracles: the one set of hash helpers. */
public final class Hashes {
    private static final int CHUNK = 4 << 20;

    private Hashes() {}

    /** A fresh SHA-256 digest. */
    public static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /** The digest's value as lowercase hex (and the digest reset). */
    public static String hex(MessageDigest md) {
        return HexFormat.of().formatHex(md.digest());
    }

    public static String sha256(byte[] bytes) {
        MessageDigest md = sha256();
        md.update(bytes);
        return hex(md);
    }

    public static String sha256(Path file) throws IOException {
        MessageDigest md = sha256();
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 20];
            int n;
            while ((n = in.read(buf)) > 0) {
                md.update(buf, 0, n);
            }
        }
        return hex(md);
    }

    /** Of the whole virtual disk, read with {@link VirtualDisk#read}. */
    public static String sha256(VirtualDisk disk) throws IOException {
        return sha256(disk::read, disk.size());
    }

    /**
     * Of what {@code source} returns over {@code [0, size)}, read in 4 MiB pieces: a source that returns fewer bytes
     * than asked before {@code size} fails the hash rather than shortening it.
     */
    public static String sha256(ExpectedDisk.Source source, long size) throws IOException {
        MessageDigest md = sha256();
        ByteBuffer buf = ByteBuffer.allocate(CHUNK);
        for (long offset = 0; offset < size; ) {
            int want = (int) Math.min(CHUNK, size - offset);
            buf.clear().limit(want);
            while (buf.hasRemaining()) {
                int n = source.read(offset + buf.position(), buf);
                if (n <= 0) {
                    throw new IOException("short read at virtual offset " + (offset + buf.position()) + " of " + size);
                }
            }
            md.update(buf.array(), 0, want);
            offset += want;
        }
        return hex(md);
    }
}
