import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import dev.vhdxmount.mount.cli.InfoCommand;
import dev.vhdxmount.mount.cli.MountCommand;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.codegen.docgen.manpage.ManPageGenerator;

/**
 * The man pages (as AsciiDoc, for asciidoctor) and the bash completion of both commands, from the command lines as
 * they run: the same model, with what Cli adds to the annotations (the exit statuses), that prints --help.
 *
 * <pre>java -cp vhdx-mount.jar:picocli-codegen.jar scripts/GenerateDocs.java OUTDIR</pre>
 *
 * writes OUTDIR/adoc/vhdx-mount.adoc, OUTDIR/adoc/vhdx-info.adoc, OUTDIR/completions/vhdx-mount and
 * OUTDIR/completions/vhdx-info. Run by scripts/package.sh.
 */
public final class GenerateDocs {
    private GenerateDocs() {}

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            throw new IllegalArgumentException("usage: GenerateDocs OUTDIR");
        }
        Path out = Path.of(args[0]);
        Map<String, CommandLine> commands = Map.of(MountCommand.PROGRAM, MountCommand.commandLine(),
                InfoCommand.PROGRAM, InfoCommand.commandLine());
        Files.createDirectories(out.resolve("adoc"));
        Files.createDirectories(out.resolve("completions"));
        for (Map.Entry<String, CommandLine> command : commands.entrySet()) {
            int status = ManPageGenerator.generateManPage(out.resolve("adoc").toFile(), null, new boolean[0], true,
                    command.getValue().getCommandSpec());
            if (status != 0) {
                throw new IllegalStateException("ManPageGenerator failed for " + command.getKey() + ": " + status);
            }
            Files.writeString(out.resolve("completions").resolve(command.getKey()),
                    AutoComplete.bash(command.getKey(), command.getValue()));
        }
    }
}
