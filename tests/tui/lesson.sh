#!/bin/sh
# A lesson read to the end is marked done, and home then offers the next.
. "$(dirname "$0")/lib.sh"

first_run >/dev/null || fail "first run"
for m in "PHQ-9" "GAD-7"; do
	wait_for "Next: your check-in ($m)" >/dev/null
	keys Enter
	wait_for "1 of" >/dev/null
	for a in 0 0 0 0 0 0 0 0 0; do keys $a; done
	# s skips the functional question, then saves from the review.
	keys s s
	wait_for "score is" >/dev/null
	keys Enter
done
check "next is lesson 1" wait_for "Next: Lesson 1, How Stepwise works"
keys Enter
check "the lesson opens" wait_for "How Stepwise works"
keys Space
keys G
check "the end is reached" wait_for "End of the lesson"
keys Enter
check "home offers lesson 2" wait_for "Next: Lesson 2"
check "lesson 1 ticked" wait_for "[x] Lesson 1"
finish
