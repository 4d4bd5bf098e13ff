package dev.vhdxmount.mount.os;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Suggested commands paste into a shell as they are. */
class ShellTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "/mnt/vhdx|/mnt/vhdx",
        "/srv/a,b+c@d:e=f%g.vhdx|/srv/a,b+c@d:e=f%g.vhdx",
        "/tmp/sp ace|'/tmp/sp ace'",
        "it's|'it'\\''s'",
        "$HOME|'$HOME'",
        "a*b|'a*b'",
        "``|''"})
    void wordsTheShellWouldTakeApartAreSingleQuoted(String word, String quoted) {
        assertEquals(quoted, Shell.quote(word));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "/mnt/x|'fusermount -u /mnt/x'",
        "/mnt/my disk|\"fusermount -u '/mnt/my disk'\""})
    void aCommandInProseIsQuotedAroundItsQuotes(String path, String command) {
        assertEquals(command, Shell.command("fusermount", "-u", path));
    }
}
