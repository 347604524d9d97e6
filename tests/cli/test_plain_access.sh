#!/bin/bash
# test_plain_access.sh: plain mode for screen readers and braille (issue 16,
# points 9 to 11): every check-in prompt carries its scale and takes h;
# h in an exercise field is Help now, not an answer; a lesson keeps its
# paragraphs and list indents, takes the terminal's width, and on a
# terminal comes a section at a time with the place kept; the menu names
# what is unfinished; Safety plan is listed once; dates are local words;
# no heading reads "== x =="; and no output of any flow holds a control
# byte other than newline, or a C1 control, even where content holds one.
#   test_plain_access.sh STEPWISE CONTENT-DIR
set -u
SW=$1 CONTENT=$2
T=$(mktemp -d --suffix=.stepwise-plain-access)
trap 'rm -rf "$T"' EXIT
pass=0 fail=0
ok()  { pass=$((pass + 1)); echo "ok - $1"; }
bad() { fail=$((fail + 1)); echo "FAIL - $1"; [ -n "${2:-}" ] && echo "$2" | sed 's/^/    /' | head -40; }
echo "a long enough passphrase" >"$T/pw"
sw() { COLUMNS=50 "$SW" --content "$CONTENT" --data-dir "$T/data" --passphrase-fd 3 "$@" 3<"$T/pw"; }
# Plain mode writes numbers for speech, digit by digit (tests/tools/spoken.py).
FIRST=$(python3 "$(dirname "$0")/../tools/spoken.py" "$(python3 -c 'import json, sys
print(json.load(open(sys.argv[1]))["contacts"][0]["phone"])' "$CONTENT/safety/en-GB.json")")

printf 'y\nq\n' | sw >"$T/first" 2>&1

# Every PHQ-9 prompt has the four labels; h is Help now, then the same
# question again.
printf '1\nh\n0\n0\n0\n0\n0\n0\n0\n0\n\n\n' | sw checkin phq9 >"$T/phq" 2>&1
n=$(tr '\n' ' ' <"$T/phq" | tr -s ' ' | grep -o "0 Not at all, 1 Several days, 2 More than half the days, 3 Nearly every day. Your answer" | wc -l)
[ "$n" -eq 10 ] && ok "every question's prompt carries the scale (9 and the one asked again)" || bad "scale in $n prompts, not 10" "$(head -40 "$T/phq")"
grep -qF "$FIRST" "$T/phq" && grep -q "Question 2 of 9" "$T/phq" && ok "h in a check-in shows the contacts and goes on" || bad "h in a check-in" "$(head -40 "$T/phq")"
sw export 2>/dev/null | python3 -c '
import json, sys
c = json.load(sys.stdin)["checkins"]
assert len(c) == 1 and c[0]["answers"] == [1,0,0,0,0,0,0,0,0], c' && ok "h was not taken as an answer" || bad "check-in answers after h"

# h in an exercise's text field is Help now, not what is saved.
idx=$(printf '4\n\nq\n' | sw 2>/dev/null | grep -m1 -i 'mood check' | cut -d. -f1)
printf '4\n%s\n1\n\n6\n4\n3\nh\nA walk.\nn\nq\n' "$idx" | sw >"$T/ex" 2>&1
grep -qF "$FIRST" "$T/ex" && ok "h in an exercise field shows the contacts" || bad "h in an exercise" "$(tail -30 "$T/ex")"
sw export 2>/dev/null | python3 -c '
import json, sys
e = [x for x in json.load(sys.stdin)["exercises"] if x["exercise"] == "mood-check"]
assert len(e) == 1 and e[0]["values"]["went_ok"] == "A walk.", e' && ok "and h is not saved as the answer" || bad "exercise answer after h" "$(tail -30 "$T/ex")"

# A lesson from a script: whole, paragraphs kept, wrapped list lines
# under their text.
printf '3\n1\nq\n' | sw >"$T/lesson" 2>&1
src=$(grep -c '^$' "$CONTENT/lessons/how-stepwise-works.md")
got=$(sed -n '/^How Stepwise works$/,/marked as read/p' "$T/lesson" | grep -c '^$')
[ "$got" -ge $((src - 2)) ] && ok "the lesson keeps its paragraphs ($got blank lines, source $src)" || bad "paragraphs: $got blank lines, source has $src"
grep -q '^- A few short lessons, like this one\. You read$' "$T/lesson" && grep -q '^  them at your own pace\.$' "$T/lesson" && ok "a wrapped list line keeps its indent" || bad "list indent" "$(grep -A2 'A few short' "$T/lesson")"

printf '3\n\nq\n' | sw >"$T/lessons" 2>&1
grep -q '1\. How Stepwise works (read)$' "$T/lessons" && ok "the list of lessons says which are read" || bad "read mark" "$(grep -n 'How Stepwise' "$T/lessons")"

# On a terminal: the terminal's width (no COLUMNS), a section at a time,
# q stops with the place kept.
term() { printf "$1" | script -qec "stty cols 44 rows 24; env -u COLUMNS TERM=dumb $SW --content $CONTENT --data-dir $T/data --passphrase-fd 3 3<$T/pw" /dev/null 2>&1 | tr -d '\r'; }
term '3\n2\nq\nq\n' >"$T/tty1"
grep -v "here: \|more, or type\|Type a number: " "$T/tty1" | awk 'length > 43' | grep -q . && bad "lines wider than the terminal" "$(awk 'length > 43' "$T/tty1" | head -5)" || ok "the terminal's width is used"
grep -q "Press Enter for more" "$T/tty1" && grep -q "The lesson carries on from" "$T/tty1" && ok "on a terminal a lesson pauses at each section, and q stops" || bad "paced lesson" "$(tail -20 "$T/tty1")"
term '3\n2\nq\nq\n' >"$T/tty2"
grep -q "Carrying on from where you stopped" "$T/tty2" && ok "the place is kept" || bad "place kept" "$(head -30 "$T/tty2")"

# The menu names what is unfinished.
printf '4\n%s\n1\n\n7\nq\n' "$idx" | sw >/dev/null 2>&1
printf 'q\n' | sw >"$T/menu" 2>&1
grep -q "Unfinished: your Daily mood check" "$T/menu" && ok "the menu lists an unfinished exercise" || bad "unfinished on the menu" "$(head -20 "$T/menu")"

# Safety plan once in the list of exercises.
printf '4\n\nq\n' | sw >"$T/exlist" 2>&1
[ "$(grep -c '^[0-9]*\. Safety plan$' "$T/exlist")" -eq 1 ] && ok "Safety plan is listed once" || bad "Safety plan listed twice" "$(grep -n 'Safety plan' "$T/exlist")"

# Past entries in local words too.
printf '4\n%s\n2\nq\n' "$idx" | sw >"$T/hist" 2>&1
tr '\n' ' ' <"$T/hist" | grep -Eq -- '-- Entry 1, [A-Z][a-z]+day [0-9]+ [A-Z][a-z]+ at [0-9:]+ --' && ! grep -Eq '[0-9]{4}-[0-9]{2}-[0-9]{2}' "$T/hist" && ok "past entries are dated in local words" || bad "past entry dates" "$(grep -n 'Entry' "$T/hist")"

# Progress in local words.
printf '6\nq\n' | sw >"$T/progress" 2>&1
tr '\n' ' ' <"$T/progress" | grep -Eq 'On [A-Z][a-z]+day [0-9]+ [A-Z][a-z]+ at [0-9:]+ your PHQ-9 score was 1 out of 27' && ! grep -Eq '[0-9]{4}-[0-9]{2}-[0-9]{2}' "$T/progress" && ok "progress dates are local words, no raw dates" || bad "progress dates" "$(cat "$T/progress" | head -30)"

# Without UTF-8 (LC_ALL=C) the dash of question 8 is ASCII, and no byte
# outside ASCII is sent.
printf '0\n0\n0\n0\n0\n0\n0\nq\n' | LC_ALL=C sw checkin phq9 >"$T/c-locale" 2>&1
tr '\n' ' ' <"$T/c-locale" | tr -s ' ' | grep -q "opposite - being" && ! LC_ALL=C grep -q $'[\x80-\xff]' "$T/c-locale" && ok "under LC_ALL=C the output is ASCII, a dash as -" || bad "LC_ALL=C output" "$(grep -n opposite "$T/c-locale")"

# Text from outside never drives the terminal: in a copy of the content, a
# lesson whose Markdown holds character references for ESC, CSI (a C1
# control) and BEL (the source line holds none of them; the lesson's text
# would) is refused with its file and line, and nothing is shown of it;
# the check of control bytes below reads that output too.
cp -R "$CONTENT" "$T/planted-content"
python3 - "$T/planted-content/lessons/how-stepwise-works.md" <<'PYEOF'
import sys
p = sys.argv[1]
head, rest = open(p).read().split("\n", 1)
open(p, "w").write(head + "\n\nA planted line: &#27;[31mred&#27;[0m, &#x9b;2J and &#7; end.\n" + rest)
PYEOF
printf '3\n1\nq\n' | COLUMNS=50 "$SW" --content "$T/planted-content" --data-dir "$T/data" --passphrase-fd 3 3<"$T/pw" >"$T/planted" 2>&1
grep -q 'lessons/how-stepwise-works.md: line 3: this text holds a control character (U+001B)' "$T/planted" &&
    ! grep -q 'A planted line' "$T/planted" && ok "a lesson's ESC, CSI and BEL as references are refused, file and line named" ||
    bad "planted controls in a lesson" "$(cat -v "$T/planted" | head -5)"

# Headings and control bytes, in every output above.
! cat "$T"/first "$T"/phq "$T"/ex "$T"/lesson "$T"/menu "$T"/exlist "$T"/progress | grep -q '^== .* ==$' && ok "no heading reads == x ==" || bad "== headings"
python3 - "$T"/first "$T"/phq "$T"/ex "$T"/lesson "$T"/menu "$T"/exlist "$T"/progress "$T"/planted <<'PYEOF' && ok "no control byte but newline, and no C1 control, in any flow" || bad "control bytes in plain output"
import sys
bad = []
for f in sys.argv[1:]:
    b = open(f, "rb").read()
    if any(c < 0x20 and c != 0x0a for c in b) or b.count(b"\x7f"):
        bad.append(f)
    t = b.decode("utf-8", "replace")
    if any(0x80 <= ord(c) <= 0x9f for c in t):
        bad.append(f + " (C1)")
print(bad) if bad else None
sys.exit(1 if bad else 0)
PYEOF
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
