#!/bin/bash
# test_plain.sh: plain mode as a script or a screen reader uses it: answers
# on standard input, no escape bytes, crisis contacts at once, drafts kept
# at end of input, and what was done visible in the export.
#   test_plain.sh STEPWISE CONTENT-DIR
set -u
SW=$1 CONTENT=$2
T=$(mktemp -d --suffix=.stepwise-plain)
trap 'rm -rf "$T"' EXIT
pass=0 fail=0
ok()  { pass=$((pass + 1)); echo "ok - $1"; }
bad() { fail=$((fail + 1)); echo "FAIL - $1"; [ -n "${2:-}" ] && echo "$2" | sed 's/^/    /' | head -40; }
echo "a long enough passphrase" >"$T/pw"
# stdin is a pipe in every call: plain mode is chosen without --plain too.
sw() { "$SW" --content "$CONTENT" --data-dir "$T/data" --passphrase-fd 3 "$@" 3<"$T/pw"; }
no_escape() { ! grep -q $'\x1b' "$1"; }
# The crisis contacts come from the safety file, the one place their numbers
# are kept; the tests read it rather than pin a number or its wording.
SAFETY=$CONTENT/safety/en-GB.json
# Plain mode writes numbers for speech, digit by digit (tests/tools/spoken.py).
SPOKEN="$(dirname "$0")/../tools/spoken.py"
FIRST=$(python3 "$SPOKEN" "$(python3 -c 'import json, sys
print(json.load(open(sys.argv[1]))["contacts"][0]["phone"])' "$SAFETY")")
# Every contact of the safety file is in FILE, as "name: phone".
all_contacts() {
	python3 - "$SAFETY" "$1" "$SPOKEN" <<'PY'
import json, sys, importlib.util
spec = importlib.util.spec_from_file_location("spoken", sys.argv[3])
sp = importlib.util.module_from_spec(spec); spec.loader.exec_module(sp)
out = open(sys.argv[2]).read()
missing = [c["name"] for c in json.load(open(sys.argv[1]))["contacts"]
           if f'{c["name"]}: {sp.spoken(c["phone"])}' not in out]
print("missing:", missing) if missing else None
sys.exit(1 if missing else 0)
PY
}
export_json() { sw export 2>/dev/null; }

# First run in plain mode makes the profile when asked.
printf 'y\nq\n' | sw >"$T/first" 2>&1
[ -e "$T/data/default.db" ] && grep -q "no profile yet" "$T/first" && ok "first run offers to make a profile" || bad "first run" "$(cat "$T/first")"

# A full PHQ-9 from a script.
printf '1\n2\n0\n1\n0\n3\n0\n1\n0\n1\n\n' | sw --plain checkin phq9 >"$T/phq" 2>&1; st=$?
[ $st -eq 0 ] && grep -q "total is 8 out of 27: Mild" "$T/phq" && ok "scripted PHQ-9 completes with total and band" || bad "scripted PHQ-9" "$(tail -20 "$T/phq")"
no_escape "$T/phq" && ok "check-in output holds no escape byte" || bad "escape byte in check-in output"
! grep -qF "$FIRST" "$T/phq" && ok "no crisis screen when item 9 is 0" || bad "crisis shown for item 9 = 0"
export_json | python3 -c '
import json,sys
c = json.load(sys.stdin)["checkins"]
assert len(c) == 1 and c[0]["measure"] == "phq9", c
assert c[0]["answers"] == [1,2,0,1,0,3,0,1,0] and c[0]["total"] == 8
assert c[0]["severity"] == "mild" and c[0]["risk"] is False
assert c[0]["functional"] == 1' && ok "export shows the scripted PHQ-9" || bad "export after scripted PHQ-9"

# Item 9 above 0: crisis contacts at once, before the next question.
# (tests/cli/test_plain_crisis.sh has the rest of what follows a risk
# answer.)
printf '0\n0\n0\n0\n0\n0\n0\n0\n2\nc\n\n\n' | sw checkin phq9 >"$T/risk" 2>&1
c=$(grep -nF "$FIRST" "$T/risk" | head -1 | cut -d: -f1)
w=$(grep -n "so nobody else" "$T/risk" | head -1 | cut -d: -f1)
f=$(grep -n "One more question" "$T/risk" | head -1 | cut -d: -f1)
[ -n "$c" ] && [ -n "$w" ] && [ -n "$f" ] && [ "$c" -lt "$f" ] && [ "$w" -lt "$f" ] && ok "item 9 = 2 shows crisis contacts and the honest line first" || bad "crisis screen order" "$(cat "$T/risk")"
all_contacts "$T/risk" && ok "the crisis screen gives every contact of the safety file" || bad "crisis contacts incomplete" "$(all_contacts "$T/risk")"
export_json | python3 -c '
import json,sys
c = json.load(sys.stdin)["checkins"]
assert c[-1]["risk"] is True and c[-1]["total"] == 2, c[-1]' && ok "risk check-in exported with risk true" || bad "risk export"

# Back, and change from the review.
printf '3\nb\n1\n1\n1\n1\n1\n1\n1\n\n2\n2\n\n' | sw checkin gad7 >"$T/gad" 2>&1
export_json | python3 -c '
import json,sys
c = [x for x in json.load(sys.stdin)["checkins"] if x["measure"] == "gad7"]
assert c[-1]["answers"] == [1,2,1,1,1,1,1], c[-1]["answers"]
assert c[-1]["total"] == 8 and c[-1]["functional"] is None' && ok "b goes back; review changes an answer; skipped question is null" || bad "back and review" "$(tail -30 "$T/gad")"

# End of input mid-way: a draft, a clean exit, nothing stored; then resume.
n_before=$(export_json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["checkins"]))')
printf '2\n2\n2\n' | sw checkin phq9 >"$T/eof" 2>&1; st=$?
n_after=$(export_json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["checkins"]))')
[ $st -eq 0 ] && grep -q "saved" "$T/eof" && [ "$n_before" = "$n_after" ] && ok "end of input keeps a draft and exits cleanly" || bad "end of input" "status $st $n_before $n_after $(tail -5 "$T/eof")"
sw status >"$T/status" 2>&1
grep -q "Unfinished: 1" "$T/status" && ok "status counts the unfinished check-in" || bad "status drafts" "$(cat "$T/status")"
printf 'y\n0\n0\n0\n0\n0\n0\n\n\n' | sw checkin phq9 >"$T/resume" 2>&1
grep -q "stopped at question 4" "$T/resume" && ! grep -q "Question 1 of 9" "$T/resume" && ok "resume carries on at the same question" || bad "resume" "$(head -30 "$T/resume")"
export_json | python3 -c '
import json,sys
c = json.load(sys.stdin)["checkins"]
assert c[-1]["answers"] == [2,2,2,0,0,0,0,0,0], c[-1]["answers"]' && ok "resumed check-in stores the earlier answers" || bad "resumed answers"

# The menu: read a lesson; the next step moves on.
printf '3\n1\nq\n' | sw >"$T/lesson" 2>&1
grep -qx "How Stepwise works" "$T/lesson" && grep -q "marked as read" "$T/lesson" && ok "a lesson read to the end is marked read" || bad "lesson" "$(tail -5 "$T/lesson")"
no_escape "$T/lesson" && ok "lesson output holds no escape byte" || bad "escape in lesson"
printf 'q\n' | sw >"$T/home" 2>&1
grep -q 'Next: lesson "Getting the right help"' "$T/home" && ok "home names the next lesson" || bad "next step after a lesson" "$(head -5 "$T/home")"

# An exercise from the menu: the daily mood check, saved and read back.
idx=$(printf '4\n\nq\n' | sw 2>/dev/null | grep -m1 -i 'mood check' | cut -d. -f1)
printf '4\n%s\n1\n\n6\n4\n3\nI went for a walk.\nq\n' "$idx" | sw >"$T/ex" 2>&1
grep -q "Saved. Well done" "$T/ex" && ok "the mood check is filled in and saved" || bad "mood check" "$(tail -30 "$T/ex")"
printf '4\n%s\n2\nq\n' "$idx" | sw >"$T/hist" 2>&1
grep -q "I went for a walk" "$T/hist" && ok "past entries are read back" || bad "history" "$(tail -20 "$T/hist")"
export_json | python3 -c '
import json,sys
e = json.load(sys.stdin)["exercises"]
assert e[-1]["exercise"] == "mood-check", e' && ok "the exercise entry is in the export" || bad "exercise export"
no_escape "$T/ex" && ok "exercise output holds no escape byte" || bad "escape in exercise"

# remind: silent when nothing is due is hard to reach; due now says one line.
"$SW" --data-dir "$T/data" remind >"$T/remind" 2>&1
[ $(wc -l <"$T/remind") -eq 1 ] && grep -q "ready" "$T/remind" && ok "remind prints one line when something is due" || bad "remind" "$(cat "$T/remind")"
! grep -qi "phq\|lesson\|mood" "$T/remind" && ok "remind says nothing about the patient's work" || bad "remind leaks"
"$SW" --data-dir "$T/none" remind >"$T/remind2" 2>&1; st=$?
[ $st -eq 0 ] && [ ! -s "$T/remind2" ] && ok "remind with no profile prints nothing" || bad "remind no profile" "$(cat "$T/remind2")"

# Help now from the menu, by its number or by h as the lessons say.
for key in 7 h; do
	printf '%s\nq\n' "$key" | sw --plain >"$T/help-$key" 2>&1
	all_contacts "$T/help-$key" &&
	    ok "menu '$key' shows the crisis contacts" || bad "menu $key" "$(tail -20 "$T/help-$key")"
done

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
