package dev.vhdxmount.mount.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import dev.vhdxmount.vhdx.testkit.Checkout;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * What the README promises and what the commands do: the options table names every option of both commands (and no
 * other), the exit-status table says what {@link ExitCode} says, and --help prints that same table.
 */
class DocsAgreementTest {
    private static String readme() throws IOException {
        return Files.readString(Checkout.root().resolve("README.md"));
    }

    /** The rows of the README's table whose header row starts with {@code | firstHeader |}. */
    private static List<List<String>> table(String text, String firstHeader) {
        int start = text.indexOf("| " + firstHeader + " |");
        assertTrue(start >= 0, "the README has a table headed '" + firstHeader + "'");
        return text.substring(start).lines().skip(2).takeWhile(l -> l.startsWith("|"))
                .map(l -> List.of(l.substring(1, l.length() - 1).split(" \\| ", -1)).stream().map(String::trim)
                        .toList())
                .toList();
    }

    @Test
    void theOptionsTableNamesEveryOptionOfBothCommands() throws IOException {
        Set<String> documented = new TreeSet<>();
        Matcher m = Pattern.compile("(?<![\\w-])(--?[a-zA-Z][\\w-]*)").matcher("");
        for (List<String> row : table(readme(), "option")) {
            m.reset(row.get(0));
            while (m.find()) {
                documented.add(m.group(1));
            }
        }
        Set<String> actual = new TreeSet<>();
        for (Object command : new Object[] {new MountCommand(), new InfoCommand()}) {
            for (OptionSpec option : new CommandLine(command).getCommandSpec().options()) {
                if (!option.hidden()) {
                    actual.addAll(List.of(option.names()));
                }
            }
        }
        assertEquals(actual, documented, "README's options table against both commands' options");
    }

    @Test
    void theExitStatusTableIsExitCodesAndHelpPrintsIt() throws IOException {
        Map<Integer, String> readme = new LinkedHashMap<>();
        for (List<String> row : table(readme(), "status")) {
            readme.put(Integer.parseInt(row.get(0)), row.get(1).replace("`", ""));
        }
        assertEquals(ExitCode.MEANINGS, readme, "README's exit statuses against ExitCode");
        for (String program : new String[] {MountCommand.PROGRAM, InfoCommand.PROGRAM}) {
            CommandLine cl = Cli.commandLine(program.equals(MountCommand.PROGRAM) ? new MountCommand()
                    : new InfoCommand(), program);
            String help = cl.getUsageMessage();
            for (String line : ExitCode.helpLines()) {
                assertTrue(help.contains(line), program + " --help prints '" + line + "':\n" + help);
            }
        }
    }

    /**
     * Picocli re-wraps a description or example line longer than the help's width, breaking a command in two
     * ("sha256sum -c disk." / "sha256"), and puts a long option label on a line of its own: the man page and the
     * shell completion, generated from --help by scripts/GenerateDocs.java, then lose that text or that option.
     */
    @Test
    void helpLinesAreNeverWrappedByPicocli() {
        for (String program : new String[] {MountCommand.PROGRAM, InfoCommand.PROGRAM}) {
            CommandLine cl = Cli.commandLine(program.equals(MountCommand.PROGRAM) ? new MountCommand()
                    : new InfoCommand(), program);
            String help = cl.getUsageMessage();
            var usage = cl.getCommandSpec().usageMessage();
            String flowing = help.replaceAll("\\s+", " ");
            for (String line : usage.description()) {
                // a paragraph may flow over several lines, broken at spaces only
                String shown = line.replace("%n", "").replaceAll("\\s+", " ").strip();
                assertTrue(flowing.contains(shown), program + " --help breaks this text inside a word: '" + shown
                        + "'\n" + help);
            }
            for (String line : usage.footer()) {
                // an example is a command to copy: one line, as written
                String shown = line.replace("$${", "${").replace("%n", "").stripTrailing();
                assertTrue(shown.isEmpty() || help.lines().anyMatch(l -> l.stripTrailing().equals(shown)),
                        program + " --help shows this line unbroken: '" + shown + "'\n" + help);
            }
            for (String line : help.lines().toList()) {
                assertTrue(line.length() <= 100, program + " --help line over 100 columns: " + line);
                if (line.matches("^  (-\\w, )?--?\\w.*|^      --\\w.*")) {
                    assertTrue(line.matches(".*\\S {2,}\\S.*"), program + " --help: option '" + line.trim()
                            + "' has its description on a line of its own");
                }
            }
        }
    }
}
