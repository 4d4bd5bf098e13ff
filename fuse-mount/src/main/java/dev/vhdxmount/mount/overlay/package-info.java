/**
 * The writable disk of {@code --overlay}: a read-only {@link dev.vhdxmount.vhdx.VirtualDisk} made writable by a
 * throwaway overlay in an unlinked temporary file, so that a file system left dirty can be recovered on the mount while
 * the image stays as it was. It knows disks only (vhdx-core's public API), no FUSE, no command line; the model above
 * it maps its answers to errno.
 *
 * <p>For a binding:
 * <ul>
 *   <li>Write: {@link dev.vhdxmount.mount.overlay.WritableDisk#write}. A write past the disk's end, or longer than
 *       {@link dev.vhdxmount.mount.overlay.OverlayDisk#MAX_WRITE}, is an {@code IllegalArgumentException} (EFBIG or
 *       ENOSPC, as the model decides); {@link dev.vhdxmount.mount.overlay.OverlayFullException} is ENOSPC; any
 *       other {@code IOException} is EIO.</li>
 *   <li>fsync and flush: {@link dev.vhdxmount.mount.overlay.WritableDisk#flush}.</li>
 *   <li>Read by copying: {@code read}, as for any disk; it is consistent by itself.</li>
 *   <li>Read by splicing: hold the range for the whole reply, and locate and read through the hold, which is itself a
 *       {@code VirtualDisk}:
 *       <pre>{@code
 * try (HeldRange held = writable.hold(offset, length)) {
 *     reply(held, offset, length);   // held.locate(...), held.read(...), the splices, fuse_reply_data
 * }
 * }</pre>
 *       Pieces of the overlay come as {@code inFile(overlay file, offset, length)} with the descriptor of the opener
 *       the disk was created with; the kernel reads them only when the pipe is sent, and the hold keeps writes to the
 *       range waiting until then. The disk's own {@code locate}, unheld, describes the range as one piece to read.</li>
 *   <li>The log line: {@link dev.vhdxmount.mount.overlay.OverlayDisk#overlayFile},
 *       {@link dev.vhdxmount.mount.overlay.OverlayDisk#bytesInUse},
 *       {@link dev.vhdxmount.mount.overlay.OverlayDisk#maxBytes}.</li>
 * </ul>
 *
 * <p>The overlay file is unlinked as soon as it is open, so no unmount, signal or crash leaves it behind and there is
 * nothing to clean at the next start; {@code OverlayFile} says why that beats deleting it at unmount.
 *
 * <p>A mount without {@code --overlay} does not use this package: its disk is the image's, read-only.
 */
package dev.vhdxmount.mount.overlay;
