package dev.vhdxmount.mount.os;

import java.util.regex.Pattern;

/**
 * Commands that messages suggest, written so that they can be pasted into a shell as they are: a word with a space, a
 * quote or any other character the shell would take apart is single-quoted.
 */
public final class Shell {
    private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9_./,:@%+=-]+");

    private Shell() {}

    /** {@code word} as one shell word: as it is if that is safe, else in single quotes. */
    public static String quote(String word) {
        if (PLAIN.matcher(word).matches()) {
            return word;
        }
        return "'" + word.replace("'", "'\\''") + "'";
    }

    /**
     * The command of these words, quoted for a message's prose: in single quotes ({@code 'fusermount -u /mnt/x'}),
     * or in double quotes where a word needed single ones ({@code "fusermount -u '/mnt/my disk'"}).
     */
    public static String command(String... words) {
        StringBuilder line = new StringBuilder();
        for (String word : words) {
            line.append(line.length() == 0 ? "" : " ").append(quote(word));
        }
        String command = line.toString();
        return command.contains("'") ? "\"" + command + "\"" : "'" + command + "'";
    }
}
