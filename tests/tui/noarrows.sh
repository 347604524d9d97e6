#!/bin/sh
# No key needs arrows or function keys (issue 16, point 4): on a vt100,
# a whole exercise is done with letters, digits, Tab and Enter; digits pick
# a choice that is not the first; b and Ctrl-P go back, e opens the worked
# example, and Shift-Tab sent as ESC [ Z goes back instead of leaving; the
# help screen names the letter for each action.
. "$(dirname "$0")/lib.sh"
TUI_TERM=vt100

# select_by_letters TEXT: in the exercise list, j down to the row that
# starts with TEXT (the first row is selected when the list opens).
select_by_letters() {
	first=$(screen | grep -n ' min[: ]' | head -1 | cut -d: -f1)
	want=$(screen | grep -n "^[ >]*$1, " | head -1 | cut -d: -f1)
	[ -n "$first" ] && [ -n "$want" ] || return 1
	i=$first
	while [ "$i" -lt "$want" ]; do keys j; i=$((i + 1)); done
}

first_run >/dev/null || fail "first run"
keys e
wait_for "Exercises" >/dev/null
select_by_letters "Daily mood check" || fail "select the mood check"
keys Enter
check "the exercise opens" wait_for "Press Tab to begin"
keys e
check "e opens the worked example" wait_for "Daily mood check: an example"
keys Enter
wait_for "Press Tab to begin" >/dev/null
keys Tab
wait_for "Step 1 of 4" >/dev/null
keys 6 Tab
wait_for "Step 2 of 4" >/dev/null
keys 3 b
check "b goes back from a rating" wait_for "Step 1 of 4"
keys Tab
wait_for "Step 2 of 4" >/dev/null
keys Tab
wait_for "Step 3 of 4" >/dev/null
keys 4
check "a digit picks the fourth choice" wait_for "4 (*) Well"
keys Tab
wait_for "Step 4 of 4" >/dev/null
type_text "Walked to the shop, bought bread"
check "b is a letter in a text field" wait_for "bought bread"
keys C-p
check "Ctrl-P goes back from a text field" wait_for "Step 3 of 4"
T send-keys -t "$CUR" -l "$(printf '\033[Z')"
check "Shift-Tab as ESC [ Z goes back" wait_for "Step 2 of 4"
sleep 0.6
check "and does not leave the exercise" sh -c "tmux -L $SOCK capture-pane -p -t $CUR | grep -q 'Step 2 of 4'"
keys ?
check "help names b for going back" wait_for "b / Ctrl-P"
check "help names e for the example" wait_for "e / Ctrl-X"
keys Enter
wait_for "Step 2 of 4" >/dev/null
keys Tab Tab Tab
check "the review" wait_for "Check and save"
keys Enter
check "saved" wait_for "Saved your Daily mood check"
keys q
wait_for "Not connected to a clinic yet" >/dev/null
keys q
wait_for "EXITED-0" >/dev/null
values_ok() {
	export_json | python3 -c '
import json, sys
e = [x for x in json.load(sys.stdin)["exercises"] if x["exercise"] == "mood-check"]
assert len(e) == 1, e
v = e[0]["values"]
assert v == {"mood": 6, "anxiety": 3, "sleep": ["Well"],
    "went_ok": "Walked to the shop, bought bread"}, v'
}
check "the entry holds what was typed and picked" values_ok
finish
