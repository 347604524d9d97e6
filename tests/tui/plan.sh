#!/bin/sh
# An activity planned now (the later fields left empty) is an open plan:
# home offers it, opening it shows the plan and asks only how it went, and
# the finished entry follows the plan in the export.
. "$(dirname "$0")/lib.sh"

open_exercises || fail "content with every exercise open"
first_run >/dev/null || fail "first run"
keys e
check "exercise list" wait_for "Activity planning, "
select_exercise "Activity planning" || fail "select activity planning"
keys Enter
wait_for "Press Tab to begin" >/dev/null
keys Tab
check "first step" wait_for "Step 1 of 7"
type_text "Walk to the postbox and back"
keys Tab
wait_for "Step 2 of 7" >/dev/null
keys Down Enter
check "when" wait_for "Step 3 of 7"
type_text "2026-11-24 15:00"
keys Tab
check "later fields are optional now" wait_for "Step 4 of 7"
keys Tab
wait_for "Step 5 of 7" >/dev/null
keys Tab
wait_for "Step 6 of 7" >/dev/null
keys Tab
wait_for "Step 7 of 7" >/dev/null
keys Tab
check "review" wait_for "Check and save"
keys Enter
check "says to come back" wait_for "Come back after you have done it"
check "and where to find it" wait_for "your home screen."
keys q
check "home counts the plan" wait_for "Plans to look back on: 1"
check "home lists the plan" wait_for 'Look back on: Activity planning, "Walk to the postbox'
keys Down Enter
check "the plan is shown" wait_for "Your plan, made on"
check "with its values" wait_for "Walk to the postbox and back"
check "asks only how it went" wait_for "Step 1 of 4"
check "first, did you do it" wait_for "Did you do it?"
keys Enter
check "achievement" wait_for "Step 2 of 4"
keys 7 Enter
check "enjoyment" wait_for "Step 3 of 4"
keys 8 Enter
wait_for "Step 4 of 4" >/dev/null
type_text "Felt lighter after."
keys Tab
check "finish review" wait_for "Check and save"
check "review has the plan too" wait_for "Walk to the postbox and back"
keys Enter
check "saved" wait_for "Saved how your Activity planning went"
no_plan() { ! screen | grep -q "Plans to look back on"; }
check "home has no plan left" no_plan
keys q
wait_for "EXITED-0" >/dev/null
out=$(export_json)
flat=$(echo "$out" | tr -d '[:space:]')
two_entries() {
	[ "$(echo "$flat" | grep -o '"exercise":"activity-planning"' |
	    wc -l)" -eq 2 ]
}
check "export has two activity-planning entries" two_entries
plan_id=$(echo "$flat" |
    grep -o '"id":"[0-9a-f]*","exercise":"activity-planning"' | head -1 |
    cut -d'"' -f4)
# The finished entry holds the plan's values, the ratings, and follows the
# plan (one object: nothing between its values and its "follows").
finished() {
	[ -n "$plan_id" ] && echo "$flat" | grep -q '"values":{"activity":"Walktothepostboxandback"[^}]*"achievement":7,"enjoyment":8[^}]*},"completed_at":"[^"]*","follows":"'"$plan_id"'"'
}
check "the second follows the first, with the ratings" finished

# The exercise list finishes a plan too: f on an exercise with one.
unlock
wait_for "Not connected to a clinic yet" >/dev/null
keys e
wait_for "Activity planning, " >/dev/null
select_exercise "Activity planning" || fail "select activity planning"
keys Enter
wait_for "Press Tab to begin" >/dev/null
keys Tab
wait_for "Step 1 of 7" >/dev/null
type_text "Phone my sister"
keys Tab
wait_for "Step 2 of 7" >/dev/null
keys Enter
wait_for "Step 3 of 7" >/dev/null
type_text "2026-11-25 18:00"
keys F3
check "saved as a plan" wait_for "Come back after you have done it"
check "the list says a plan is open" wait_for "Activity planning, 5 min (plans to look back on: 1, press f)"
# A second plan for the same exercise: f opens the oldest and says so.
keys Enter
wait_for "Press Tab to begin" >/dev/null
keys Tab
wait_for "Step 1 of 7" >/dev/null
type_text "Water the plants"
keys Tab
wait_for "Step 2 of 7" >/dev/null
keys Enter
wait_for "Step 3 of 7" >/dev/null
type_text "2026-11-26 09:00"
keys F3
check "the list counts both plans" wait_for "Activity planning, 5 min (plans to look back on: 2, press f)"
keys f
check "f opens the plan" wait_for "Your plan, made on"
check "f shows the oldest plan" wait_for "Phone my sister"
check "f says it is the oldest of two" wait_for "oldest of your 2 plans"
check "f asks how it went" wait_for "Did you do it?"

# Looking back, stopped half-way: the answers so far are kept (sealed) and
# the next start carries on from them.
keys Enter
wait_for "Step 2 of 4" >/dev/null
keys 6 Enter
check "half-way through looking back" wait_for "Step 3 of 4"
keys C-c
check "Ctrl-C ends the TUI" wait_for "EXITED-130"
check "the draft of the look-back is sealed" \
    sh -c '! grep -qa "Phone my sister" "$1"/*.db' _ "$DATA"
unlock
check "home marks the plan begun" \
    wait_for "Finish looking back on: Activity planning (planned on"
check "the other plan is offered as before" \
    wait_for 'Look back on: Activity planning, "Water the plants"'
keys Down Enter
check "it carries on" wait_for "Carrying on from where you stopped."
check "at the step where it stopped" wait_for "Step 3 of 4"
check "with the plan shown" wait_for "Phone my sister"
keys 9 Enter
wait_for "Step 4 of 4" >/dev/null
keys Tab
check "the review" wait_for "Check and save"
earlier_answer() {
	screen | grep -A1 "^  Achievement:" | grep -q "^    6 (0-10)" &&
	    screen | grep -A1 "^  Enjoyment:" | grep -q "^    9 (0-10)"
}
check "the review has the answer from before the stop" earlier_answer
keys Enter
check "saved" wait_for "Saved how your Activity planning went"
begun_gone() {
	screen | grep -q 'Look back on: Activity planning, "Water the plants"' &&
	    ! screen | grep -q "Finish looking back"
}
check "no draft left: the begun mark is gone" begun_gone
keys q
wait_for "EXITED-0" >/dev/null
flat=$(export_json | tr -d '[:space:]')
resumed() {
	echo "$flat" | grep -q '"values":{"activity":"Phonemysister"[^}]*"achievement":6,"enjoyment":9[^}]*},"completed_at":"[^"]*","follows":"[0-9a-f]*"'
}
check "the export holds the look-back with both answers" resumed
finish
