#!/bin/bash
# programme_walk.sh: a new patient goes from module 1 to module 8 in plain
# mode: every check-in, lesson and exercise, a week apart (faketime moves
# the clock; the program has no test hook). Afterwards the export holds a
# PHQ-9 and a GAD-7 per module and an entry for every exercise, and status
# says the programme is finished.
#   programme_walk.sh STEPWISE CONTENT-DIR
set -u
SW=$1 CONTENT=$2
T=$(mktemp -d --suffix=.stepwise-walk)
trap 'rm -rf "$T"' EXIT
pass=0 fail=0
ok()  { pass=$((pass + 1)); echo "ok - $1"; }
bad() { fail=$((fail + 1)); echo "FAIL - $1"; [ -n "${2:-}" ] && echo "$2" | tail -25 | sed 's/^/    /'; }
echo "a long enough passphrase" >"$T/pw"
sw() { "$SW" --plain --content "$CONTENT" --data-dir "$T/data" --passphrase-fd 3 "$@" 3<"$T/pw"; }
# faketime preloads its library; a sanitizer build must let it.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
command -v faketime >/dev/null || { echo "faketime is missing: run tools/install-deps.sh"; echo "0 passed, 1 failed"; exit 1; }

sw init >/dev/null || { echo "0 passed, 1 failed"; exit 1; }

# The typed answers for one module, in the order "Do the next step" offers:
# check-ins, then lessons, then exercises. Exercise fields get a valid
# answer of their type, read from the content itself.
answers() {
	python3 "$(dirname "$0")/../tools/module_answers.py" "$CONTENT" "$1"
}

for m in 0 1 2 3 4 5 6 7; do
	# A week per module, plus an hour so the module has surely opened.
	offset="+$((m * 7 * 24 + 1))h"
	answers $m | faketime -f "$offset" "$SW" --plain --content "$CONTENT" \
	    --data-dir "$T/data" --passphrase-fd 3 3<"$T/pw" >"$T/out$m" 2>&1
	faketime -f "$offset" "$SW" --content "$CONTENT" --data-dir "$T/data" \
	    --passphrase-fd 3 status 3<"$T/pw" >"$T/status$m" 2>&1
	grep -q "Modules done: $((m + 1)) of 8" "$T/status$m" &&
	    ok "module $((m + 1)) done in plain mode" ||
	    bad "module $((m + 1))" "$(cat "$T/status$m"; tail -30 "$T/out$m")"
	! grep -q $'\x1b' "$T/out$m" && ok "module $((m + 1)): no escape byte" ||
	    bad "escape byte in module $((m + 1))"
done
grep -q "the programme is finished" "$T/status7" && ok "status says the programme is finished" || bad "finished" "$(cat "$T/status7")"
sw export >"$T/export.json" 2>/dev/null
python3 - "$CONTENT" "$T/export.json" <<'PY' && ok "export: 8 PHQ-9, 8 GAD-7, an entry for every exercise" || bad "export after the walk"
import json, sys
content, exp = sys.argv[1], json.load(open(sys.argv[2]))
prog = json.load(open(f"{content}/programme.json"))
c = exp["checkins"]
assert sum(x["measure"] == "phq9" for x in c) == 8, len(c)
assert sum(x["measure"] == "gad7" for x in c) == 8, len(c)
want = {e for m in prog["modules"] for e in m["exercises"]}
have = {x["exercise"] for x in exp["exercises"]}
assert want <= have, want - have
PY

# Behavioural activation: plan an activity now, say how it went later.
later="+$((8 * 7 * 24 + 2))h"
menu=$(printf '4\n\nq\n' | faketime -f "$later" "$SW" --plain --content "$CONTENT" --data-dir "$T/data" --passphrase-fd 3 3<"$T/pw" 2>/dev/null)
idx=$(echo "$menu" | grep -m1 "Activity planning" | cut -d. -f1)
# New entry: the activity, its kind, when; the four "afterwards" fields
# are skipped with empty lines.
for act in "Walk to the park" "Phone my sister"; do
	printf '4\n%s\n1\n\n%s\n2\n2026-12-02 11:00\n\n\n\n\nq\n' "$idx" "$act" |
	    faketime -f "$later" "$SW" --plain --content "$CONTENT" --data-dir "$T/data" \
	    --passphrase-fd 3 3<"$T/pw" >"$T/plan" 2>&1
done
grep -q "Come back after you have done it" "$T/plan" && ok "a plan with the afterwards part empty is saved as a plan" || bad "plan saved" "$(tail -20 "$T/plan")"
printf 'q\n' | faketime -f "$later" "$SW" --plain --content "$CONTENT" --data-dir "$T/data" --passphrase-fd 3 3<"$T/pw" >"$T/home" 2>&1
grep -q "2 plans to look back on" "$T/home" && ok "home mentions both plans waiting" || bad "home plan" "$(head -8 "$T/home")"
# Finish the second: the list names each plan; then did it (1),
# achievement 7, enjoyment 8, what I noticed.
printf '4\n%s\n3\n2\n1\n7\n8\nFelt lighter afterwards.\n.\nq\n' "$idx" |
    faketime -f "$later" "$SW" --plain --content "$CONTENT" --data-dir "$T/data" \
    --passphrase-fd 3 3<"$T/pw" >"$T/finish" 2>&1
grep -q '^1\. "Walk to the park" (planned on' "$T/finish" && grep -q '^2\. "Phone my sister" (planned on' "$T/finish" &&
    ok "with two plans open, the list names each" || bad "plan list" "$(tail -30 "$T/finish")"
grep -q "Thank you for coming back" "$T/finish" && ok "finishing the chosen plan saves how it went" || bad "finish plan" "$(tail -25 "$T/finish")"
sw export 2>/dev/null | python3 -c '
import json, sys
e = [x for x in json.load(sys.stdin)["exercises"] if x["exercise"] == "activity-planning"]
walk, phone, done = e[-3], e[-2], e[-1]
assert walk["values"]["activity"] == "Walk to the park" and "achievement" not in walk["values"], walk
assert phone["values"]["activity"] == "Phone my sister", phone
assert done["follows"] == phone["id"], done
assert done["values"]["achievement"] == 7 and done["values"]["enjoyment"] == 8, done
assert done["values"]["activity"] == "Phone my sister"' && ok "export: the finished entry follows the chosen plan, with the ratings" || bad "plan export"
printf 'q\n' | faketime -f "$later" "$SW" --plain --content "$CONTENT" --data-dir "$T/data" --passphrase-fd 3 3<"$T/pw" >"$T/home2" 2>&1
grep -q "1 plan to look back on" "$T/home2" && ok "the other plan still waits" || bad "plans after finishing one" "$(head -8 "$T/home2")"
# Looking back on the other, the input ends after the achievement rating:
# what was answered is kept, and the next time carries on from it. A third
# plan is open meanwhile, so the list shows which one was begun.
printf '4\n%s\n1\n\n%s\n3\n2026-12-03 10:00\n\n\n\n\nq\n' "$idx" "Call a friend" |
    faketime -f "$later" "$SW" --plain --content "$CONTENT" --data-dir "$T/data" \
    --passphrase-fd 3 3<"$T/pw" >"$T/plan3" 2>&1
grep -q "Come back after you have done it" "$T/plan3" || bad "third plan" "$(tail -20 "$T/plan3")"
printf '4\n%s\n3\n1\n1\n5\n' "$idx" |
    faketime -f "$later" "$SW" --plain --content "$CONTENT" --data-dir "$T/data" \
    --passphrase-fd 3 3<"$T/pw" >"$T/half" 2>&1
grep -q "What you have written so far is saved" "$T/half" && ok "a look-back cut short keeps its answers" || bad "look-back cut short" "$(tail -15 "$T/half")"
! grep -qa "Walk to the park" "$T/data"/*.db && ok "the kept answers are sealed" || bad "plan draft in clear"
printf '4\n%s\n3\n1\ny\n6\nGood to be out.\n.\nq\n' "$idx" |
    faketime -f "$later" "$SW" --plain --content "$CONTENT" --data-dir "$T/data" \
    --passphrase-fd 3 3<"$T/pw" >"$T/resume" 2>&1
grep -q "You started looking back on this plan before" "$T/resume" && grep -q "Thank you for coming back" "$T/resume" &&
    ok "the next time offers to carry on, asks only what is left, and saves" || bad "look-back resumed" "$(tail -25 "$T/resume")"
# (a numbered line wrapped goes on under its text: joined again here)
sed -e ':a' -e 'N' -e '$!ba' -e 's/\n   / /g' "$T/resume" >"$T/resume.joined"
grep -q '^1\. "Walk to the park" (planned on [^;]*; you began looking back on it)' "$T/resume.joined" &&
    grep -q '^2\. "Call a friend" (planned on [^;)]*)$' "$T/resume.joined" &&
    ok "the plan list marks the plan whose look-back was begun, and only it" || bad "begun mark" "$(grep '^[12]\. ' "$T/resume")"
sw export 2>/dev/null | python3 -c '
import json, sys
e = [x for x in json.load(sys.stdin)["exercises"] if x["exercise"] == "activity-planning"]
walk = [x for x in e if x["values"]["activity"] == "Walk to the park" and x["follows"] is None]
assert len(walk) == 1, walk
walk, done = walk[0], e[-1]
assert done["follows"] == walk["id"], done
v = done["values"]
assert v["achievement"] == 5 and v["enjoyment"] == 6, v
assert v["noticed"] == "Good to be out.", v' 2>"$T/pyerr" && ok "export: the resumed look-back holds the answers from both times" || bad "resumed look-back export" "$(cat "$T/pyerr")"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
