#!/bin/sh
# A window too small to use still shows the crisis numbers, and h, q and Esc
# work there: nobody is locked in (issue 16, point 2).
. "$(dirname "$0")/lib.sh"
SUMMARY_START=$(python3 -c 'import json, sys
print(json.load(open(sys.argv[1]))["summary"].split(",")[0])' "$CONTENT/safety/en-GB.json")
FIRST_PHONE=$(python3 -c 'import json, sys
print(json.load(open(sys.argv[1]))["contacts"][0]["phone"])' "$CONTENT/safety/en-GB.json")

first_run >/dev/null || fail "first run"
for size in "30 10" "24 6"; do
	set -- $size
	T resize-window -t "$CUR" -x "$1" -y "$2"
	check "at $1x$2 the window asks to be larger" wait_for "This window"
	check "at $1x$2 the crisis numbers show" wait_for "$SUMMARY_START"
done
T resize-window -t "$CUR" -x 30 -y 10
wait_for "too small" >/dev/null
keys h
check "h lists every contact when too small" wait_for "$SAFETY_FIRST"
keys h
check "h again: back to the message" wait_for "too small"

# q leaves, keeping the check-in begun.
T resize-window -t "$CUR" -x 80 -y 24
wait_for "Next: your check-in" >/dev/null
keys Enter
wait_for "1 of 9" >/dev/null
keys 1 2
wait_for "3 of 9" >/dev/null
T resize-window -t "$CUR" -x 30 -y 10
wait_for "too small" >/dev/null
keys q
check "q leaves when too small" wait_for "EXITED-0"
unlock >/dev/null
check "the check-in begun was kept" wait_for "finish your PHQ-9"

# Esc leaves too.
T resize-window -t "$CUR" -x 30 -y 10
wait_for "too small" >/dev/null
keys Escape
check "Esc leaves when too small" wait_for "EXITED-0"
finish
