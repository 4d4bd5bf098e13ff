package dev.vhdxmount.vhdx;

import dev.vhdxmount.vhdx.error.VhdxFormatException;
import dev.vhdxmount.vhdx.io.ByteSource;
import dev.vhdxmount.vhdx.io.FileByteSource;
import dev.vhdxmount.vhdx.read.BlockMap;
import dev.vhdxmount.vhdx.read.FileLayout;
import java.io.Closeable;
import java.io.IOException;

/**
 * One VHDX file's structures as the open parses them, in the spec's order up to the BAT ({@link VhdxImage#structure}):
 * for a checker that reads every structure. Unlike {@link VhdxImage#open}, nothing past the BAT's placement is
 * validated: the BAT's entries are left to the caller to read ({@link #blocks}) and no parent is opened until asked
 * ({@link #resolveParent}). What cannot be parsed at all (no valid header, both region tables bad, metadata broken)
 * throws as the open does.
 *
 * <p>The file is open read-only until {@link #close}.
 */
public final class ImageStructure implements Closeable {
    private final ImageInfo info;
    private final FileByteSource file;
    private final ByteSource view;
    private final BlockMap blocks;
    private final FileLayout layout;
    private final OpenOptions options;

    ImageStructure(ImageInfo info, FileByteSource file, ByteSource view, BlockMap blocks, FileLayout layout,
            OpenOptions options) {
        this.info = info;
        this.file = file;
        this.view = view;
        this.blocks = blocks;
        this.layout = layout;
        this.options = options;
    }

    /** What was parsed: headers, log summary, region tables, metadata, BAT geometry; no BAT counts, no parent. */
    public ImageInfo info() {
        return info;
    }

    /** The file as it is on disk, before any log replay. */
    public FileByteSource file() {
        return file;
    }

    /** The file as the replayed log shows it: {@link #file} itself when the log is clean. */
    public ByteSource view() {
        return view;
    }

    /** The BAT, read through {@link #view}, entries unvalidated until translated. */
    public BlockMap blocks() {
        return blocks;
    }

    /** The structures' file ranges (header section, log, regions) and the file's size as the log shows it. */
    public FileLayout layout() {
        return layout;
    }

    /**
     * Finds and opens the parent chain as {@link VhdxImage#open} would, and closes it again: the chain's links, each
     * with its info.
     *
     * @throws IllegalStateException when the disk has no parent
     * @throws VhdxFormatException.ParentNotFound when a level's parent is missing or does not match
     */
    public ImageInfo.ParentLink resolveParent() throws IOException {
        if (!info.isDifferencing()) {
            throw new IllegalStateException(info.path() + " is not a differencing disk");
        }
        ParentResolver.Resolved resolved = ParentChain.forTop(info.path()).resolve(info.path(), info, options);
        resolved.disk().close();
        return resolved.link();
    }

    @Override
    public void close() throws IOException {
        view.close();
    }
}
