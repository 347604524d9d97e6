#!/bin/sh
# 40 x 12 really works (issue 16, point 1): on a vt100 of 40 x 12, without
# arrow keys, a whole PHQ-9 with question 9 above 0 shows every question
# whole with its stem and all its answers, the crisis page, the result
# read to its end; then a lesson read to its end, an exercise done, and
# progress with both charts.
. "$(dirname "$0")/lib.sh"
TUI_TERM=vt100 TUI_COLS=40 TUI_ROWS=12
M=$CONTENT/measures/phq9.json

# pages N END: what N pages show, Space between them, stopping at END.
pages() {
	got=""
	n=0
	while [ $n -lt "$1" ]; do
		got="$got $(flat)"
		case $got in *"$2"*) break ;; esac
		keys Space
		sleep 0.3
		n=$((n + 1))
	done
	printf '%s' "$got"
}
json() { python3 -c "import json, sys; m = json.load(open(sys.argv[1])); print($1)" "$M"; }
STEM=$(json 'm["stem"]')
FUNC=$(json 'm["functional"]["text"]')

start
passphrase_chosen >/dev/null || fail "first run"
keys Enter
wait_for "Next: your check-in" >/dev/null
keys Enter

bad=0
# (wait_for uses i)
for q in 1 2 3 4 5 6 7 8 9; do
	wait_for "$q of 9" >/dev/null || bad=1
	item=$(json "m[\"items\"][$((q - 1))][\"text\"]")
	shows "$STEM" "$item" "0 Not at all" "1 Several days" \
	    "2 More than half the days" "3 Nearly every day" || bad=1
	[ "$q" -lt 9 ] && keys 0
done
[ $bad = 0 ] && ok "every PHQ-9 question is whole, with its stem and four answers" ||
    fail "a PHQ-9 question or answer is cut at 40x12"
keys 2
check "question 9 above 0: the crisis page" wait_for "116 123"
sleep 1.1
keys c
wait_for "one more question" >/dev/null
check "the last question is whole, with its answers" shows "$FUNC" \
    "0 Not difficult at all" "3 Extremely difficult" "This one is optional"
keys s
wait_for "Check your answers" >/dev/null
keys j j j j j j j
check "the review shows the highlighted question whole" shows \
    "$(json 'm["items"][7]["text"]')" " 8. Not at all"
keys s
wait_for "You said you have had thoughts" >/dev/null
# The result, read to its end a page at a time: the risk sentence, the
# score, the band and the way back are all reached.
all=$(pages 10 "Saved. Press Enter to go back.")
band=$(json '[b for b in m["bands"] if b["min"] <= 2 <= b["max"]][0]["label"]')
result_ok() {
	for want in "You said you have had thoughts" "Your PHQ-9 score is 2" \
	    "$band" "Saved. Press Enter to go back."; do
		case $all in *"$want"*) ;; *) echo "--- result lacks: $want" >&2; return 1 ;; esac
	done
}
check "the whole result can be read" result_ok
keys Enter
wait_for "Next: your check-in (GAD-7)" >/dev/null

# The GAD-7 too, for the second chart.
keys Enter
wait_for "1 of 7" >/dev/null
for q in 1 2 3 4 5 6 7; do keys 1; done
wait_for "one more question" >/dev/null
keys s
wait_for "Check your answers" >/dev/null
keys s
check "the GAD-7 is saved" wait_for "Your GAD-7 score is 7"
keys Enter
wait_for "Next: Lesson 1" >/dev/null

# A lesson, read to its end with Space.
keys n Enter
wait_for "%" >/dev/null
n=0
while [ $n -lt 80 ] && ! screen | grep -q "Enter: back to home\|end of this lesson\|100%"; do
	keys Space
	sleep 0.15
	n=$((n + 1))
done
check "a lesson is read to its end" sh -c "tmux -L $SOCK capture-pane -p -t $CUR | grep -q '100%'"
keys Enter
wait_for "Not connected" >/dev/null

# An exercise, without arrows.
keys e
wait_for "Exercises" >/dev/null
keys Enter
wait_for "Press Tab to begin" >/dev/null
keys Tab 5 Tab 4 Tab
wait_for "step 3 of 4" >/dev/null
check "every choice of the exercise shows" shows "1 ( ) Very badly" "5 ( ) Very well"
keys 3 Tab
wait_for "step 4 of 4" >/dev/null
check "a text step shows its question and help whole" shows \
    "One thing that went OK today" \
    "It can be very small, like a nice cup of tea or a kind word."
type_text "Tea with Sam"
keys Tab
wait_for "Check and save" >/dev/null
keys s
check "the exercise is saved" wait_for "Saved your Daily mood check"
keys q
wait_for "Not connected" >/dev/null

# Progress: both charts, scrolling.
keys p
wait_for "Your progress" >/dev/null
seen=$(pages 6 "-- end:")
charts() { case $seen in *"PHQ-9 (1 check-in)"*"Latest: 2"*"GAD-7 (1 check-in)"*"Latest: 7"*) return 0 ;; esac; return 1; }
check "progress shows both charts" charts
keys Enter
keys q
check "quits" wait_for "EXITED-0"
finish
