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

/** SHA-256 of whole disks and files, for comparing with oracles. */
public final class DiskHash {
    private DiskHash() {}

    public static String sha256(VirtualDisk disk) throws IOException {
        MessageDigest md = sha256();
        ByteBuffer buf = ByteBuffer.allocate(4 << 20);
        long offset = 0;
        while (offset < disk.size()) {
            buf.clear();
            int n = disk.read(offset, buf);
            if (n <= 0) {
                throw new IOException("short read at " + offset + " of " + disk.size());
            }
            md.update(buf.array(), 0, n);
            offset += n;
        }
        return HexFormat.of().formatHex(md.digest());
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
        return HexFormat.of().formatHex(md.digest());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
