#!/bin/sh
# What home and the exercise list offer: only the exercises of open modules
# (and those always available), and every saved draft, not just one.
. "$(dirname "$0")/lib.sh"

first_run >/dev/null || fail "first run"
keys e
check "exercise list" wait_for "Goals, "
check "always available: mood check" wait_for "Daily mood check, "
check "always available: safety plan" wait_for "Safety plan, "
no_locked() { ! screen | grep -qE "Thought record|Mood diary|Activity planning"; }
check "locked modules' exercises are hidden" no_locked
check "says more will come" wait_for "More exercises appear as their modules open"

# Two drafts: Goals and the mood check, each left part-way.
select_exercise "Goals" || fail "select goals"
keys Enter
wait_for "Press Tab to begin" >/dev/null
keys Tab
wait_for "Step 1 of" >/dev/null
type_text "Walk the dog every morning"
keys Tab
wait_for "Step 2 of" >/dev/null
keys Escape
wait_for "Exercises" >/dev/null
select_exercise "Daily mood check" || fail "select mood check"
keys Enter
wait_for "Press Tab to begin" >/dev/null
keys Tab
wait_for "Step 1 of" >/dev/null
keys 6 Tab
wait_for "Step 2 of" >/dev/null
keys Escape
wait_for "Exercises" >/dev/null
keys q
wait_for "Not connected to a clinic yet" >/dev/null
both() {
	screen | grep -qi "finish your Goals, where you stopped" &&
	    screen | grep -qi "finish your Daily mood check, where you stopped"
}
i=0
while ! both && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
check "home offers both drafts" both
# The second draft has its own line: select it and carry on.
keys Down Enter
check "the second draft opens" wait_for "Carrying on from where you stopped"
finish
