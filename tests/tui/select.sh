#!/bin/sh
# The selection can be found without reverse video (issue 16, point 3): the
# selected row is marked "> " and the terminal's cursor is on the marker, on
# Home, in a check-in, on its review, in the exercise list and in a choice.
. "$(dirname "$0")/lib.sh"

# at_cursor TEXT: the cursor is shown, on a "> " marker, on the row that
# holds TEXT.
at_cursor() {
	set -- "$1" "$(T display -p -t "$CUR" '#{cursor_flag} #{cursor_x} #{cursor_y}')"
	flag=${2%% *}; rest=${2#* }; x=${rest%% *}; y=${rest#* }
	row=$(screen | sed -n "$((y + 1))p")
	[ "$flag" = 1 ] && [ "$(printf '%s' "$row" | cut -c$((x + 1))-$((x + 2)))" = "> " ] &&
	    printf '%s' "$row" | grep -qF -- "$1" && return 0
	echo "--- cursor $2 on: $row (wanted $1)" >&2
	return 1
}
one_marker() { [ "$(screen | grep -c '^ *> ')" -eq 1 ]; }

first_run >/dev/null || fail "first run"
check "Home: the next step is marked, the cursor on it" at_cursor "Next: your check-in"
keys Down
sleep 0.3
check "Down: the next row is marked" at_cursor "Module 1"
check "one row marked" one_marker
keys n Enter
wait_for "1 of 9" >/dev/null
check "check-in: the first answer is marked" at_cursor "0  Not at all"
keys Down Down
sleep 0.3
check "Down twice: the third answer" at_cursor "2  More than half the days"
keys 3
wait_for "2 of 9" >/dev/null
keys b
wait_for "1 of 9" >/dev/null
check "back: the answer given is marked" at_cursor "3  Nearly every day"
for a in 0 0 0 0 0 0 0 0 0; do keys $a; done
wait_for "This one is optional" >/dev/null
keys s
wait_for "Check your answers" >/dev/null
keys Down
sleep 0.3
check "review: the second row is marked" at_cursor " 2. "
keys q
wait_for "Not connected to a clinic yet" >/dev/null
keys e
wait_for "Exercises" >/dev/null
check "exercise list: the first is marked" at_cursor " min"
finish
