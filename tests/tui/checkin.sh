#!/bin/sh
# Check-ins: a full PHQ-9 to its result (and in the export); a risk answer
# shows the crisis contacts before the next screen; Ctrl-C mid-way keeps a
# draft that resumes at the same question.
. "$(dirname "$0")/lib.sh"

first_run >/dev/null || fail "first run"
keys Enter
check "PHQ-9 opens from home" wait_for "1 of 9"
check "the stem is shown" wait_for "Over the last 2 weeks"
for a in 1 2 1 2 1 2 1 2; do
	keys $a
done
check "item 9 reached" wait_for "9 of 9"
keys 0
check "functional question" wait_for "This one is optional"
keys 1
check "review lists the answers" wait_for "Check your answers"
keys Enter
check "result shows the total" wait_for "Your PHQ-9 score is 12"
check "result shows the band" wait_for "Moderate"
keys Enter
keys q
wait_for "EXITED-0" >/dev/null
out=$(export_json)
check "export has the measure" sh -c 'echo "$1" | tr -d "[:space:]" | grep -q "\"measure\":\"phq9\""' _ "$out"
check "export has the total" sh -c 'echo "$1" | tr -d "[:space:]" | grep -q "\"total\":12"' _ "$out"
check "export has the answers" sh -c 'echo "$1" | tr -d "[:space:]" | grep -q "\"answers\":\[1,2,1,2,1,2,1,2,0\]"' _ "$out"

# Risk: item 9 at 1 shows the contacts before the functional question.
unlock checkin phq9
check "checkin phq9 opens directly" wait_for "1 of 9"
for a in 0 0 0 0 0 0 0 0; do
	keys $a
done
wait_for "9 of 9" >/dev/null
keys 1
check "crisis contacts at once" wait_for "$SAFETY_FIRST"
check "the honest line" wait_for "nobody else will see this answer"
no_functional() { ! screen | grep -q "This one is optional"; }
check "not yet the functional question" no_functional
# (tests/tui/crisis.sh: which keys close it, and when.)
sleep 1.1
keys c
check "then the patient continues" wait_for "This one is optional"
keys s
wait_for "Check your answers" >/dev/null
keys s
check "risk check-in saved" wait_for "Your PHQ-9 score is 1"
check "change since last time" wait_for "Last time"
keys Enter
keys q
wait_for "EXITED-0" >/dev/null

# Ctrl-C in the middle keeps a draft; restarting offers it.
unlock checkin gad7
wait_for "1 of 7" >/dev/null
keys 1 2 3
check "on question 4" wait_for "4 of 7"
keys C-c
check "Ctrl-C exits with 130" wait_for "EXITED-130"
unlock
check "home offers to resume" wait_for "finish your GAD-7 check-in"
keys Enter
check "resumes at the same question" wait_for "4 of 7"
keys b
check "earlier answer kept" wait_for "> 3"
finish
