#!/bin/sh
# A thought record is filled in field by field, saved, and read back.
. "$(dirname "$0")/lib.sh"

open_exercises || fail "content with every exercise open"
first_run >/dev/null || fail "first run"
keys e
check "exercise list" wait_for "Exercises"
select_exercise "Thought record" || fail "select the thought record"
keys Enter
check "intro" wait_for "Press Tab to begin"
keys F2
check "worked example" wait_for "Hannah is 41"
keys q
wait_for "Press Tab to begin" >/dev/null
keys Tab
check "first step" wait_for "Step 1 of 7"
type_text "On the bus, a friend did not wave back."
keys Tab
wait_for "Step 2 of 7" >/dev/null
type_text "Sad"; keys Enter
check "list item rating" wait_for "How strong was this feeling"
type_text "70"; keys Enter
check "item added" wait_for "Sad (70)"
keys Tab
wait_for "Step 3 of 7" >/dev/null
type_text "She doesn't like me any more."; keys Tab
wait_for "Step 4 of 7" >/dev/null
type_text "She looked right at me."; keys Tab
wait_for "Step 5 of 7" >/dev/null
type_text "She was on her phone."; keys Tab
wait_for "Step 6 of 7" >/dev/null
type_text "She probably did not see me."; keys Tab
wait_for "Step 7 of 7" >/dev/null
type_text "Sad"; keys Enter
wait_for "How strong is this feeling now" >/dev/null
type_text "30"; keys Enter
keys Tab
check "review" wait_for "Check and save"
keys Enter
check "saved" wait_for "Saved your Thought record"
# Saving returns to the list, still on the thought record.
keys r
check "past entries list it, private (no clinic)" wait_for "Private: only on this computer."
keys Enter
check "read back" wait_for "She probably did not see me."
check "ratings read back" wait_for "Sad (30)"
keys q
keys q
keys q
keys q
wait_for "EXITED-0" >/dev/null
out=$(export_json)
check "export has the thought record" sh -c 'echo "$1" | tr -d "[:space:]" | grep -q "\"exercise\":\"thought-record\""' _ "$out"
check "export has its re-rated emotion" sh -c 'echo "$1" | tr -d "[:space:]" | grep -q "\"rerated_emotions\":\[{\"text\":\"Sad\",\"rating\":30}\]"' _ "$out"
finish
