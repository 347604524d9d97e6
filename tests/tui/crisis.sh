#!/bin/sh
# crisis.sh: what follows a risk answer (PHQ-9 item 9 above 0) in the
# full-screen interface, and help before the profile is open:
# - the contacts page cannot be closed by the key that answered, or by
#   Enter, q or Esc, or by any key typed in its first second: only c, which
#   it names; a number is in its first lines at 40 x 12;
# - it says truthfully who will see the answer: nobody without a clinic;
#   the clinic, and whether the device has reached it, with one;
# - the result starts with the risk answer and the contacts, never with
#   reassurance alone, and says the clinic is told only when there is one;
#   "your supporter" lines only with a clinic;
# - the unlock screen shows the contacts itself and advertises no key that
#   does not work there; a window too small shows them and q leaves.
. "$(dirname "$0")/lib.sh"
CLINIC_BIN=${3:?usage: $0 STEPWISE CONTENT STEPWISE-CLINIC}

"$STEPWISE" --data-dir "$DATA" --passphrase-fd 3 init >/dev/null 2>&1 3<<EOP
$PASS
EOP
# answer_to_9 ANSWER: the eight first questions with 0, then item 9.
answer_to_9() {
	wait_for "1 of 9" >/dev/null || return 1
	for a in 0 0 0 0 0 0 0 0; do keys $a; done
	wait_for "9 of 9" >/dev/null || return 1
	keys "$1"
}
still_crisis() { screen | grep -q "c: carry on\|press c to carry on" &&
    ! screen | grep -q "This one is optional"; }

# ---- 40 x 12, no clinic ----
TUI_COLS=40 TUI_ROWS=12 start checkin phq9
check "40x12 unlock screen shows a crisis number without a key" wait_for "116 123"
keys_line() { screen | tail -1; }
no_h() { keys_line | grep -q "Esc leaves" && ! keys_line | grep -q "help now"; }
check "the unlock screen advertises only Esc, not h" no_h
type_text "$PASS"
keys Enter
answer_to_9 1 || fail "reach item 9"
# c typed at once with the answer (type-ahead) does not close it.
keys c
check "the contacts page opens" wait_for "If you need help now"
number_high() { screen | sed -n '1,5p' | grep -q "116 123"; }
check "at 40x12 a number is in the first five lines" number_high
check "without a clinic: nobody else will see the answer" wait_for "nobody else will see"
sleep 0.3
check "c typed in the first second does not close it" still_crisis
sleep 1
keys Enter
keys q
keys Escape
sleep 0.5
check "Enter, q and Esc do not close it" still_crisis
keys c
check "c carries on with the check-in" wait_for "This one is optional"
keys q
wait_for "EXITED-0" >/dev/null

# ---- too small: the numbers, and q leaves ----
TUI_COLS=30 TUI_ROWS=10 start
check "a window too small shows a crisis number" wait_for "116 123"
check "and says how to leave" wait_for "Esc: leave"
keys q
check "q leaves a window too small" wait_for "EXITED-0"

# ---- 80 x 24: the result after a risk answer, no clinic ----
unlock checkin phq9
wait_for "Check your answers" >/dev/null	# the draft, at its review
keys s
check "the result is shown" wait_for "Your PHQ-9 score is 1"
first_risk() {
	r=$(screen | grep -n "You said you have had thoughts" | head -1 | cut -d: -f1)
	s=$(screen | grep -n "Your PHQ-9 score is 1" | head -1 | cut -d: -f1)
	[ -n "$r" ] && [ -n "$s" ] && [ "$r" -lt "$s" ] && screen | grep -q "116 123"
}
check "the result starts with the risk answer and a number" first_risk
no_supporter() { ! screen | grep -qi "supporter\|goes to"; }
check "without a clinic, no supporter and no clinic is promised" no_supporter
keys Enter
keys q
wait_for "EXITED-0" >/dev/null

# ---- with a clinic ----
clinic_up "$CLINIC_BIN" "$DATA/clinic" || fail "the clinic starts"
"$CLINIC_BIN" enroll --dir "$DATA/clinic" --patient R1 -o "$DATA/r1.stepwise" >/dev/null 2>&1
"$STEPWISE" --data-dir "$DATA" --passphrase-fd 3 enroll --no-sync --send-earlier "$DATA/r1.stepwise" >/dev/null 2>&1 3<<EOP
$PASS
EOP
unlock checkin phq9
answer_to_9 2 || fail "reach item 9 with a clinic"
check "with a clinic: the clinic will see the answer" wait_for "Test Clinic will see this answer"
reached_words() { screen | tr -s ' \n' '  ' | grep -Eq "it (has not reached them yet|last reached them on [A-Z][a-z]+day)"; }
check "and says when the device last reached it" reached_words
sleep 1.1
keys c
wait_for "This one is optional" >/dev/null
keys s
wait_for "Check your answers" >/dev/null
keys s
check "with a clinic the result says it is told" wait_for "This check-in goes to Test Clinic with that answer"
check "and the band's supporter line is shown" wait_for "Tell your supporter if things change"
keys Enter
keys q
wait_for "EXITED-0" >/dev/null
# The check-in made before joining and its risk answer went at enrolment;
# then this one's risk answer and the check-in itself.
n=$(sqlite3 "$(clinic_db "$DATA/clinic")" 'SELECT count(*) FROM records')
[ "$n" = 4 ] && ok "the clinic received four records: two risk answers and two check-ins" ||
    fail "the clinic received $n records, not 4"
kill "$SERVER" 2>/dev/null
finish
