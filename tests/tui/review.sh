#!/bin/sh
# The check-in review shows each question whole beside its answer (issue
# 16, point 1): where a question fits beside its answer (60 columns and
# wider) the longest PHQ-9 question, item 9, is wrapped, not cut to half
# the width, with its answer on its first line; narrower (56 columns) the
# highlighted question is whole above the answers; and the highlighted row
# is marked, with the cursor on it.
. "$(dirname "$0")/lib.sh"
ITEM9=$(python3 -c 'import json, sys
print(json.load(open(sys.argv[1]))["items"][8]["text"])' "$CONTENT/measures/phq9.json")
ZERO=$(python3 -c 'import json, sys
print([o["label"] for o in json.load(open(sys.argv[1]))["options"] if o["value"] == 0][0])' "$CONTENT/measures/phq9.json")
# row9: the lines of review row 9, up to row 10.
row9() { screen | sed -n '/^[> ]* 9\. /,/^[> ]*10\. /p' | sed '$d'; }
# whole9: row 9 holds the whole question, and its answer on its first line.
whole9() {
	if [ "$cols" -lt 60 ]; then
		f=$(screen | sed 's/^> /  /' | tr '\n' ' ' | tr -s ' ')
		case $f in *" $ITEM9 "*" 9. $ZERO "*) return 0 ;; esac
		echo "--- item 9 is not whole above its answer" >&2; screen >&2; return 1
	fi
	r=$(row9)
	first=$(printf '%s\n' "$r" | head -1 | sed 's/ *$//')
	text=$(printf '%s\n' "$r" | sed "1s/  *$ZERO *\$//; s/^> /  /" | tr '\n' ' ' | tr -s ' ')
	case $first in *"  $ZERO") ;; *) echo "--- no answer on row 9's first line" >&2; screen >&2; return 1 ;; esac
	case $text in *" 9. $ITEM9 "*) ;; *) echo "--- item 9 is not whole" >&2; screen >&2; return 1 ;; esac
}
on_cursor() {
	y=$(T display -p -t "$CUR" '#{cursor_y}')
	screen | sed -n "$((y + 1))p" | grep -q '^>  9\. '
}

TUI_COLS=56 first_run >/dev/null || fail "first run"
keys q
wait_for "EXITED-0" >/dev/null
TUI_COLS=56 unlock checkin phq9
wait_for "1 of 9" >/dev/null
for a in 1 1 1 1 1 1 1 1; do keys $a; done
wait_for "9 of 9" >/dev/null
keys 0
wait_for "This one is optional" >/dev/null
keys s
wait_for "Check your answers" >/dev/null
keys j j j j j j j j
for cols in 56 60 80; do
	T resize-window -t "$CUR" -x $cols -y 24
	sleep 0.5
	check "at $cols columns the review shows item 9 whole with its answer" whole9
	check "at $cols columns row 9 is marked, with the cursor on it" on_cursor
done
keys q
wait_for "Not connected" >/dev/null
keys q
check "quits" wait_for "EXITED-0"
finish
