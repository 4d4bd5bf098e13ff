package dev.vhdxmount.mount.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import dev.vhdxmount.vhdx.OpenOptions;
import picocli.CommandLine.Option;

/** How to open the image: the options both commands share, mapped onto the core's {@link OpenOptions}. */
final class ImageOptions {

    @Option(names = {"-p", "--parent"}, paramLabel = "PARENT",
            description = "Parent image of a differencing VHDX, overriding its parent locator. "
                    + "Repeat for deeper chains, nearest parent first.")
    List<Path> parents = new ArrayList<>();

    @Option(names = "--allow-truncated",
            description = "Open a truncated image (a partial copy) anyway: reads of the missing part fail with an "
                    + "I/O error instead of the open failing.")
    boolean allowTruncated;

    OpenOptions toOpenOptions() {
        return new OpenOptions(parents, allowTruncated);
    }

    /** These options again, with absolute paths, for a process that does not share our working directory. */
    List<String> toArguments() {
        List<String> args = new ArrayList<>();
        for (Path parent : parents) {
            args.add("--parent=" + parent.toAbsolutePath());
        }
        if (allowTruncated) {
            args.add("--allow-truncated");
        }
        return args;
    }
}
