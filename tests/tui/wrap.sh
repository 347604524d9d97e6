#!/bin/sh
# Home and the exercise list wrap, not cut (issue 16, point 1): at 40x12
# and at 80x24 the title, every row of Home and every exercise with its
# whole summary can be read, scrolling where they no longer fit, with
# "> " and the cursor on the selected row.
. "$(dirname "$0")/lib.sh"
# flat: the screen as one line, its rows joined, the marker blanked.
flat() { screen | sed 's/^> /  /; s/^  > /    /' | tr '\n' ' ' | tr -s ' '; }
# on_cursor: the cursor is on the row marked "> ".
on_cursor() {
	y=$(T display -p -t "$CUR" '#{cursor_y}')
	screen | sed -n "$((y + 1))p" | grep -q '^ *> '
}
# walk N: the flat screens from the top, j N times; sets NOMARK when the
# cursor was ever away from the marked row.
walk() {
	seen="" NOMARK=""
	keys "$2"
	sleep 0.3
	n=0
	while [ $n -le "$1" ]; do
		seen="$seen | $(flat)"
		on_cursor || NOMARK=yes
		keys j
		sleep 0.15
		n=$((n + 1))
	done
}
# whole TEXT...: each is in one of the screens walked.
whole() {
	for want in "$@"; do
		case $seen in *"$want"*) ;; *)
			echo "--- never whole on the screen: $want" >&2
			return 1 ;;
		esac
	done
}
py() { python3 -c "import json, sys, os
c = sys.argv[1]
p = json.load(open(c + '/programme.json'))
$1" "$CONTENT"; }
TITLE=$(py 'print(p["title"])')
# Home's rows, as Home words them, from the content.
ROWS=$(py '
def lesson(i):
    return open(c + "/lessons/" + i + ".md").readline().lstrip("# ").strip()
def ex(i):
    return json.load(open(c + "/exercises/" + i + ".json"))["title"]
for k, m in enumerate(p["modules"]):
    print("Module %d: %s" % (k + 1, m["title"]) +
          (" (opens after module %d)" % k if k else ""))
m = p["modules"][0]
for k, l in enumerate(m["lessons"]):
    print("[ ] Lesson %d: %s, %d minutes" % (k + 1, lesson(l["id"]), l["minutes"]))
for e in m["exercises"]:
    print("[ ] Exercise: " + ex(e))')
open_exercises || fail "open the exercises"
EXERCISES=$(py '
for f in sorted(os.listdir(c + "/exercises")):
    e = json.load(open(c + "/exercises/" + f))
    print("%s, %d min: %s" % (e["title"], e["minutes"], e["summary"]))')

first_run >/dev/null || fail "first run"
for size in "40 12" "80 24"; do
	set -- $size
	T resize-window -t "$CUR" -x "$1" -y "$2"
	wait_for "Not connected" >/dev/null
	walk 24 n
	check "at $1x$2 Home's title is whole" whole "$TITLE"
	old_ifs=$IFS IFS='
'
	check "at $1x$2 every row of Home is whole" whole "Next: your check-in (PHQ-9)" \
	    "Press Enter to start." $ROWS
	IFS=$old_ifs
	check "at $1x$2 Home's cursor is on the row marked > " test -z "$NOMARK"
	keys e
	wait_for "Exercises" >/dev/null
	walk 14 k
	old_ifs=$IFS IFS='
'
	check "at $1x$2 every exercise shows with its whole summary" whole $EXERCISES
	IFS=$old_ifs
	check "at $1x$2 the exercise list's cursor is on the row marked > " test -z "$NOMARK"
	keys q
done
keys q
check "quits" wait_for "EXITED-0"
finish
