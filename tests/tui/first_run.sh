#!/bin/sh
# First run: the profile is made through the screens, the welcome says what
# the clinic sees and when, and the passphrase then opens it. A common
# password is refused there, the strength of the one chosen is shown, and
# going on without one says plainly that the profile is not protected.
. "$(dirname "$0")/lib.sh"

start --profile trial
wait_for "Choose a passphrase" >/dev/null
keys 2
check "no passphrase: says the profile is not protected" wait_for "the profile is not protected: anyone who can read its"
keys n
wait_for "at least 8" >/dev/null
type_text "letmein123"
keys Enter
check "a common password is refused" wait_for "too easy to guess"
type_text "$PASS"
keys Enter
check "the passphrase's strength is shown" wait_for "Strength: "
keys Escape
wait_for "EXITED-0" >/dev/null
[ ! -e "$DATA/trial.db" ] && ok "nothing was made" || fail "nothing was made"

check "first run makes a profile" first_run
check "home shows the next step" wait_for "Next: your check-in (PHQ-9)"
check "home shows the modules" wait_for "Module 1: Getting started"
keys q
check "quits cleanly" wait_for "EXITED-0"
unlock
check "passphrase opens the profile" wait_for "Next: your check-in"
keys q
wait_for "EXITED-0" >/dev/null
start
wait_for "Type your passphrase" >/dev/null
type_text "wrong-passphrase"
keys Enter
check "a wrong passphrase says so" wait_for "That passphrase is not right"
type_text "$PASS"
keys Enter
check "and lets them retry" wait_for "Next: your check-in"
keys h
check "h shows crisis contacts" wait_for "$SAFETY_FIRST"
keys q
check "back to home" wait_for "Not connected to a clinic yet"
keys '?'
check "? lists the keys" wait_for "all exercises, and your past entries"
finish
