#!/usr/bin/env bash
# Checks that a man page and a bash completion script say what the command's --help says: every paragraph of the
# help (description, each option's and argument's text, examples, exit statuses) appears in the rendered man page,
# every option name is in both, and the completion offers exactly the options that --help lists.
#
#   scripts/check-docs.sh MAN_PAGE COMPLETION COMMAND...      # COMMAND... --help prints the help
#
# scripts/package.sh runs it on what it generates, and scripts/package-test.sh on what the package installed. Needs
# man (man-db) and groff. Prints what disagrees and exits 1; silent and 0 when all agrees.
set -euo pipefail

[ $# -ge 3 ] || { echo "usage: $0 MAN_PAGE COMPLETION COMMAND..." >&2; exit 2; }
man_page=$1
completion=$2
shift 2

# one line of words, as the two renderings differ in line breaks, indentation and typography (asciidoctor's curly
# quotes and ellipses)
normalize() { sed -e "s/\xe2\x80\x99/'/g; s/\xe2\x80\x98/'/g; s/\xe2\x80\xa6/.../g" | tr -s ' \t\n' ' '; }

help=$("$@" --help)
# no hyphenation or justification, and lines long enough that no paragraph is broken
man_text=$(MANWIDTH=2000 man --nh --nj -l "$man_page" 2>/dev/null | col -bx | normalize)
[ -n "$man_text" ] || { echo "check-docs: $man_page renders as nothing (man -l)" >&2; exit 1; }

# The help as paragraphs: one per option or argument (its description, continuation lines joined), and one per run
# of other lines between blank lines; an option's names go to a list of their own. picocli indents an option's
# names by 2 (short) or 6 (long only) columns, arguments by 6, and continuation lines to the description column.
paragraphs=$(awk '
  function flush() { if (text != "") print text; text = "" }
  /^Usage: / { next }
  /^$/ { flush(); next }
  /^  (-[^ -], )?--?[^ -]/ || /^      --?[^ -]/ || /^      [A-Z][A-Z_]*  / {
    flush()
    match($0, /^ +[^ ].*[^ ]  +/)
    names = substr($0, 1, RLENGTH)
    # "--overlay[=DIR]": an optional value is in brackets
    n = split(names, tokens, /[][ ,=]+/)
    for (i = 1; i <= n; i++) if (tokens[i] ~ /^-/) print "NAME " tokens[i]
    text = substr($0, RLENGTH + 1)
    entry = 1
    next
  }
  entry && /^                          / { text = text " " $0; next }
  { if (entry) flush(); entry = 0; text = text " " $0 }
  END { flush() }' <<<"$help")

failed=0
names=()
while IFS= read -r line; do
  case $line in
    "NAME "*)
      name=${line#NAME }
      names+=("$name")
      # a whole word: -o must not match inside --log-file
      if ! grep -qE -- "(^|[ ,])$name([][ ,=]|$)" <<<"$man_text"; then
        echo "check-docs: $man_page does not name the option $name" >&2
        failed=1
      fi
      ;;
    *)
      text=$(normalize <<<"$line" | sed 's/^ //; s/ $//')
      # in any case: man prints the footer's heading ("Examples:") as a section's, in capitals
      if [[ ${man_text,,} != *"${text,,}"* ]]; then
        echo "check-docs: $man_page lacks this text of --help: $text" >&2
        failed=1
      fi
      ;;
  esac
done <<<"$paragraphs"
[ "${#names[@]}" -gt 0 ] || { echo "check-docs: no options found in the output of $* --help" >&2; exit 1; }

# picocli's completion lists the top level's options in two variables of its first function
offered=$(awk -F'"' '/^ *local (flag|arg)_opts=/ && seen[$1]++ == 0 { print $2 }' "$completion" \
  | tr ' ' '\n' | tr -d "'" | sed '/^$/d' | sort -u)
listed=$(printf '%s\n' "${names[@]}" | sort -u)
if [ "$offered" != "$listed" ]; then
  echo "check-docs: $completion offers other options than --help lists:" >&2
  diff <(echo "$listed") <(echo "$offered") | sed -n 's/^</  only in --help:/p; s/^>/  only in the completion:/p' >&2
  failed=1
fi
exit "$failed"
