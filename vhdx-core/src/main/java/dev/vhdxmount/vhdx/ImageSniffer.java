package dev.vhdxmount.vhdx;

import dev.vhdxmount.vhdx.error.VhdxFormatException.NotVhdx.LooksLike;
import dev.vhdxmount.vhdx.io.ByteSource;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** Says what a file that is not a VHDX looks like, so that the error can help ("it looks like a qcow2 image"). */
final class ImageSniffer {
    private ImageSniffer() {}

    /** What the file looks like, and the words for it. */
    record Guess(LooksLike kind, String words) {}

    static Guess guess(ByteSource file) throws IOException {
        long size = file.size();
        if (size == 0) {
            return new Guess(LooksLike.EMPTY, "the file is empty");
        }
        ByteBuffer head = ByteBuffer.allocate((int) Math.min(size, 4096));
        file.readFully(head, 0);
        head.flip();
        if (startsWith(head, 0, "conectix")) {
            return new Guess(LooksLike.VHD, "it looks like a VHD (version 1) image, not VHDX");
        }
        if (size >= 512) {
            ByteBuffer tail = ByteBuffer.allocate(512);
            file.readFully(tail, size - 512);
            tail.flip();
            if (startsWith(tail, 0, "conectix")) {
                return new Guess(LooksLike.VHD, "it looks like a fixed VHD (version 1) image, not VHDX");
            }
        }
        if (startsWith(head, 0, "QFI\u00fb")) {
            return new Guess(LooksLike.QCOW2, "it looks like a qcow2 image");
        }
        if (startsWith(head, 0, "KDMV") || startsWith(head, 0, "# Disk DescriptorFile")) {
            return new Guess(LooksLike.VMDK, "it looks like a VMDK image");
        }
        if (head.limit() >= 0x44 && head.getInt(0x40) == 0x7f10dabe) {
            return new Guess(LooksLike.VDI, "it looks like a VirtualBox VDI image");
        }
        if (head.limit() >= 520 && startsWith(head, 512, "EFI PART")) {
            return new Guess(LooksLike.RAW_DISK, "it looks like a raw disk with a GPT partition table");
        }
        if (head.limit() >= 512 && head.get(510) == 0x55 && head.get(511) == (byte) 0xAA) {
            return new Guess(LooksLike.RAW_DISK, "it looks like a raw disk or partition (boot sector signature 0x55AA)");
        }
        boolean allZero = true;
        for (int i = 0; i < head.limit() && allZero; i++) {
            allZero = head.get(i) == 0;
        }
        return allZero ? new Guess(LooksLike.ZEROS, "its first bytes are all zero")
                : new Guess(LooksLike.UNKNOWN, "it is not a recognised disk image format");
    }

    private static boolean startsWith(ByteBuffer b, int at, String ascii) {
        byte[] want = ascii.getBytes(StandardCharsets.ISO_8859_1);
        if (b.limit() < at + want.length) {
            return false;
        }
        for (int i = 0; i < want.length; i++) {
            if (b.get(at + i) != want[i]) {
                return false;
            }
        }
        return true;
    }
}
