package dev.vhdxmount.vhdx;

import dev.vhdxmount.vhdx.error.VhdxFormatException;

import dev.vhdxmount.vhdx.format.Header;
import dev.vhdxmount.vhdx.format.ParentLocator;
import dev.vhdxmount.vhdx.io.FileByteSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens a differencing disk's parent, and through it the whole chain down to the base (MS-VHDX §2.6.2.6).
 *
 * <p>Candidates, in order: the path the user named for this level ({@code --parent}), else the locator's
 * relative_path (relative to the child's folder, {@code \} read as {@code /}), then the file name of volume_path and
 * absolute_win32_path beside the child (a Windows path cannot be opened as it is). A candidate is accepted only
 * when its DataWriteGuid is the child's parent_linkage (or parent_linkage2) and its logical sector size and virtual
 * size match the child's. Of a file that fails the linkage check nothing but the identifier and headers is read.
 * Cycles and chains deeper than {@link #MAX_DEPTH} are refused.
 */
final class ParentChain implements ParentResolver {
    private static final Logger log = LoggerFactory.getLogger(ParentChain.class);
    /** Hyper-V checkpoint chains are rarely deeper than a few dozen. */
    static final int MAX_DEPTH = 64;

    private final int depth;
    private final Set<Path> visited;

    private ParentChain(int depth, Set<Path> visited) {
        this.depth = depth;
        this.visited = visited;
    }

    /** The resolver for the parent of the image at {@code child}, which is the top of its chain. */
    static ParentChain forTop(Path child) {
        Set<Path> visited = new HashSet<>();
        visited.add(realPath(child));
        return new ParentChain(0, visited);
    }

    @Override
    public Resolved resolve(Path child, ImageInfo childInfo, OpenOptions options) throws IOException {
        if (depth >= MAX_DEPTH) {
            throw new VhdxFormatException.ParentNotFound(child + ": the differencing chain is deeper than "
                    + MAX_DEPTH + " levels", child, List.of(), false);
        }
        ParentLocator locator = childInfo.metadata().parentLocator().orElseThrow();
        Set<UUID> linkage = new HashSet<>();
        locator.guid("parent_linkage").ifPresent(linkage::add);
        locator.guid("parent_linkage2").ifPresent(linkage::add);
        if (linkage.isEmpty()) {
            throw new VhdxFormatException(child + ": the parent locator has no valid parent_linkage GUID ("
                    + locator.entries() + ")");
        }
        Attempts attempts = new Attempts();
        for (Map.Entry<Path, String> candidate : candidates(child, locator, options, attempts).entrySet()) {
            Path path = candidate.getKey();
            String how = candidate.getValue();
            Optional<String> rejection = checkCandidate(path);
            if (rejection.isPresent()) {
                attempts.path(path, how, rejection.get());
                continue;
            }
            Set<Path> chain = new HashSet<>(visited);
            chain.add(realPath(path));
            FileByteSource file = options.fileOpener().open(path);
            try {
                ImageOpener opener = ImageOpener.identify(file, options);
                Header header = opener.header();
                if (!linkage.contains(header.dataWriteGuid())) {
                    attempts.path(path, how, "its DataWriteGuid " + header.dataWriteGuid()
                            + " is not the child's parent_linkage " + linkage);
                    file.close();
                    continue;
                }
                VhdxDisk parent = opener.open(new ParentChain(depth + 1, chain));
                Optional<String> mismatch = mismatch(childInfo, parent);
                if (mismatch.isPresent()) {
                    attempts.path(path, how, mismatch.get());
                    parent.close();
                    continue;
                }
                log.debug("{}: parent {} found by {}", child, path, how);
                return new Resolved(parent, new ImageInfo.ParentLink(path, how, attempts.text, parent.info()));
            } catch (VhdxFormatException.ParentNotFound e) {
                file.close();
                // a deeper level failed and its message says why; prefix the link that led there, so that the whole
                // chain shows: "top.vhdx -> mid.vhdx -> base.vhdx: parent not found ..."
                throw e.withMessage(child + " -> " + e.getMessage());
            } catch (VhdxFormatException e) {
                attempts.path(path, how, "not a usable VHDX: " + e.getMessage());
                file.close();
            } catch (IOException | RuntimeException e) {
                file.close();
                throw e;
            }
        }
        throw new VhdxFormatException.ParentNotFound(child + ": parent not found (parent_linkage " + linkage
                + "; locator " + locator.entries() + "); tried: "
                + (attempts.text.isEmpty() ? "no candidate path" : String.join("; ", attempts.text)), child,
                attempts.tried, !namedForThisLevel(options));
    }

    /** Why {@code path} cannot be a parent before it is even opened: missing, not a file, or a cycle. */
    private Optional<String> checkCandidate(Path path) {
        if (!Files.exists(path)) {
            return Optional.of("no such file");
        }
        if (!Files.isRegularFile(path)) {
            return Optional.of("not a regular file");
        }
        if (!Files.isReadable(path)) {
            return Optional.of("not readable");
        }
        if (visited.contains(realPath(path))) {
            return Optional.of("already in the chain (a cycle)");
        }
        return Optional.empty();
    }

    private static Optional<String> mismatch(ImageInfo child, VhdxDisk parent) {
        if (parent.logicalSectorSize() != child.metadata().logicalSectorSize()) {
            return Optional.of("its logical sector size " + parent.logicalSectorSize() + " is not the child's "
                    + child.metadata().logicalSectorSize());
        }
        if (parent.size() != child.metadata().virtualDiskSize()) {
            return Optional.of("its virtual size " + parent.size() + " is not the child's "
                    + child.metadata().virtualDiskSize());
        }
        return Optional.empty();
    }

    /**
     * Candidate paths in the order they are tried, each with how it was derived. A locator string that is no path
     * on this system (a NUL character) is not a candidate; {@code attempts} says so.
     */
    private Map<Path, String> candidates(Path child, ParentLocator locator, OpenOptions options,
            Attempts attempts) {
        Map<Path, String> out = new LinkedHashMap<>();
        Path folder = child.toAbsolutePath().getParent();
        if (namedForThisLevel(options)) {
            out.put(options.parents().get(depth), "named with --parent");
            return out; // an explicit parent overrides the locator
        }
        locator.get("relative_path").ifPresent(rel -> {
            try {
                out.putIfAbsent(folder.resolve(windowsToLocal(rel)).normalize(), "relative_path " + rel);
            } catch (InvalidPathException e) {
                attempts.notAPath("relative_path", rel, "not a path here (" + e.getMessage() + ")");
            }
        });
        for (String key : List.of("volume_path", "absolute_win32_path")) {
            locator.get(key).ifPresent(abs -> {
                String name = fileName(abs);
                if (!name.isEmpty()) {
                    try {
                        out.putIfAbsent(folder.resolve(name), "file name of " + key + " " + abs
                                + " beside the child (a Windows path cannot be opened here)");
                    } catch (InvalidPathException e) {
                        attempts.notAPath(key, abs, "not a path here (" + e.getMessage() + ")");
                    }
                }
            });
        }
        return out;
    }

    /** Whether the user named this level's parent ({@code --parent}): then it is the only candidate. */
    private boolean namedForThisLevel(OpenOptions options) {
        return depth < options.parents().size();
    }

    /** Each candidate tried and why it was not the parent: as the message says it, and as fields. */
    private static final class Attempts {
        final List<String> text = new ArrayList<>();
        final List<VhdxFormatException.ParentNotFound.Attempt> tried = new ArrayList<>();

        void path(Path path, String how, String why) {
            text.add(path + " (" + how + "): " + why);
            tried.add(new VhdxFormatException.ParentNotFound.Attempt(path.toString(), how, why));
        }

        /** A locator string that is no path on this system. */
        void notAPath(String key, String value, String why) {
            text.add(key + " " + value + ": " + why);
            tried.add(new VhdxFormatException.ParentNotFound.Attempt(value, key, why));
        }
    }

    /** {@code .\a\b.vhdx} or {@code ..\a\b.vhdx} to a relative path with {@code /}. */
    static String windowsToLocal(String windowsRelative) {
        String p = windowsRelative.replace('\\', '/');
        while (p.startsWith("./")) {
            p = p.substring(2);
        }
        return p;
    }

    static String fileName(String windowsPath) {
        String p = windowsPath.replace('\\', '/');
        return p.substring(p.lastIndexOf('/') + 1);
    }

    private static Path realPath(Path p) {
        try {
            return p.toRealPath();
        } catch (IOException e) {
            return p.toAbsolutePath().normalize();
        }
    }
}
