#!/bin/bash
# test_plain_crisis.sh: what follows a risk answer (PHQ-9 item 9 above 0)
# in plain mode, for screen readers and scripts:
# - the contacts at once, then a prompt of its own: lines typed ahead (an
#   Enter, the next answer) do not pass it; only c carries on, q stops, h
#   shows the numbers again;
# - the risk answer is its own record from that moment: kept when the
#   patient stops there, when input ends there, and when the draft is
#   discarded later; a check-in finished afterwards names it;
# - the words say truthfully who will see it: nobody without a clinic; with
#   one, that it has been sent;
# - the result starts with the risk answer and the contacts.
#   test_plain_crisis.sh STEPWISE STEPWISE-CLINIC CONTENT-DIR
set -u
SW=$1 SC=$2 CONTENT=$3
. "$(dirname "$0")/../tools/clinic.sh"
T=$(mktemp -d --suffix=.stepwise-plain-crisis)
SERVER=''
cleanup() {
	[ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null && wait "$SERVER"
	rm -rf "$T"
}
trap cleanup EXIT
pass=0 fail=0
ok()  { pass=$((pass + 1)); echo "ok - $1"; }
bad() { fail=$((fail + 1)); echo "FAIL - $1"; [ -n "${2:-}" ] && echo "$2" | sed 's/^/    /' | head -60; }
echo "a long enough passphrase" >"$T/pw"
sw() { "$SW" --content "$CONTENT" --data-dir "$T/$1" --passphrase-fd 3 "${@:2}" 3<"$T/pw"; }
# clean FILE: no byte below 0x20 but newline, no DEL, no C1 control.
clean() { ! LC_ALL=C grep -qP '[\x00-\x09\x0b-\x1f\x7f]|\xc2[\x80-\x9f]' "$1"; }
# risks NAME: the profile's risk records, one JSON line each.
risks() {
	sw "$1" export | python3 -c '
import json, sys
for r in json.load(sys.stdin)["risk_answers"]:
    print(json.dumps(r, sort_keys=True))'
}
sw p init >/dev/null 2>&1 || bad "init"

# Item 9 = 1, then what a script or a quick typist sends next: an empty
# line, the next answer, a word. None passes the prompt; c does.
printf '0\n0\n0\n0\n0\n0\n0\n0\n1\n\n1\nyes\nh\nc\n\n\n' | sw p --plain checkin phq9 >"$T/a" 2>&1; st=$?
n_prompt=$(grep -o "c, q or h: " "$T/a" | wc -l)
c1=$(grep -n "1 1 6, 1 2 3" "$T/a" | head -1 | cut -d: -f1)
f=$(grep -n "One more question" "$T/a" | head -1 | cut -d: -f1)
[ $st -eq 0 ] && [ "$n_prompt" -ge 4 ] && [ -n "$c1" ] && [ -n "$f" ] && [ "$c1" -lt "$f" ] &&
    ok "lines typed ahead do not pass the crisis prompt; c does" ||
    bad "the crisis prompt" "status $st, $n_prompt prompts
$(cat "$T/a")"
[ "$(grep -c "Samaritans: 1 1 6, 1 2 3" "$T/a")" -ge 2 ] && ok "h at the prompt shows the numbers again" ||
    bad "h at the crisis prompt" "$(cat "$T/a")"
tr '\n' ' ' <"$T/a" | tr -s ' ' | grep -q "Stepwise is not connected to a clinic, so nobody else will see this answer" &&
    ! grep -qi "clinic will not see\|your supporter will" "$T/a" &&
    ok "without a clinic: nobody else will see it, and no supporter is promised" ||
    bad "the words without a clinic" "$(cat "$T/a")"
r=$(grep -n "You said you have had thoughts" "$T/a" | head -1 | cut -d: -f1)
s=$(grep -n "Saved. Your PHQ-9 total is 1 out of 27" "$T/a" | head -1 | cut -d: -f1)
[ -n "$r" ] && [ -n "$s" ] && [ "$r" -lt "$s" ] && sed -n "${r},${s}p" "$T/a" | grep -q "1 1 6, 1 2 3" &&
    ok "a total of 1 with a risk answer: the result starts with the risk answer and a number" ||
    bad "the result after a risk answer" "$(tail -20 "$T/a")"
clean "$T/a" && ok "no control byte in the crisis flow" || bad "control bytes in the crisis flow"
sw p export >"$T/e1.json"
python3 - "$T/e1.json" <<'PY' && ok "the risk answer is its own record, and the check-in names it" || bad "risk record and check-in" "$(cat "$T/e1.json")"
import json, sys
d = json.load(open(sys.argv[1]))
r = d["risk_answers"]
assert len(r) == 1, r
r = r[0]
assert r["measure"] == "phq9" and r["item"] == 9 and r["answer"] == 1, r
assert isinstance(r["answered_ts"], int) and r["answered_at"].endswith("Z"), r
c = d["checkins"]
assert len(c) == 1 and c[0]["risk"] is True and c[0]["risk_signal"] == r["id"], c
PY

# q at the prompt stops; the risk answer is kept. Then the draft is
# discarded: the risk record stays, and the new check-in does not name it.
printf '0\n0\n0\n0\n0\n0\n0\n0\n3\nq\n' | sw p --plain checkin phq9 >"$T/b" 2>&1
grep -q "Your answers so far are saved" "$T/b" && ! grep -q "One more question" "$T/b" &&
    ok "q at the crisis prompt stops and keeps the answers" || bad "q at the crisis prompt" "$(tail -20 "$T/b")"
[ "$(risks p | wc -l)" = 2 ] && ok "stopping after item 9 keeps its risk record" || bad "risk record on stop" "$(risks p)"
printf 'n\n0\n0\n0\n0\n0\n0\n0\n0\n0\n\n\n' | sw p --plain checkin phq9 >"$T/c" 2>&1
sw p export >"$T/e2.json"
python3 - "$T/e2.json" <<'PY' && ok "discarding the draft takes no risk record back; the new check-in names none" || bad "discarded draft" "$(cat "$T/e2.json") $(cat "$T/c")"
import json, sys
d = json.load(open(sys.argv[1]))
r = d["risk_answers"]
assert len(r) == 2 and sorted(x["answer"] for x in r) == [1, 3], r
c = d["checkins"][-1]
assert c["risk"] is False and c["risk_signal"] is None and c["total"] == 0, c
PY

# End of input right after item 9: kept, once.
printf '0\n0\n0\n0\n0\n0\n0\n0\n2\n' | sw p --plain checkin phq9 >"$T/d" 2>&1
[ "$(risks p | wc -l)" = 3 ] && ok "end of input after item 9 keeps its risk record" || bad "risk record on end of input" "$(risks p)"
printf 'y\nc\n\n\n' | sw p --plain checkin phq9 >"$T/d2" 2>&1
[ "$(risks p | wc -l)" = 3 ] && ok "carrying on a draft whose risk answer was kept sends no second one" || bad "second risk record" "$(risks p)"

# With a clinic: it has been sent, and the clinic holds it.
"$SC" init "$T/clinic" --name "Test Clinic" >/dev/null 2>&1
"$SC" serve --dir "$T/clinic" --listen 127.0.0.1:0 >"$T/serve.out" 2>"$T/serve.log" &
SERVER=$!
for _ in $(seq 100); do grep -q '^listening on' "$T/serve.out" && break; sleep 0.1; done
port=$(sed -n 's/^listening on http:\/\/127.0.0.1:\([0-9]*\)$/\1/p' "$T/serve.out")
python3 - "$T/clinic/clinic.json" "$port" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["url"] = "http://127.0.0.1:" + sys.argv[2]
json.dump(c, open(sys.argv[1], "w"))
PY
"$SC" enroll --dir "$T/clinic" --patient R1 -o "$T/r1.stepwise" >/dev/null 2>&1
sw q init >/dev/null 2>&1
sw q enroll "$T/r1.stepwise" >"$T/enroll" 2>&1 || bad "enroll" "$(cat "$T/enroll")"
printf '0\n0\n0\n0\n0\n0\n0\n0\n1\nq\n' | sw q --plain checkin phq9 >"$T/e" 2>&1
tr '\n' ' ' <"$T/e" | tr -s ' ' | grep -q "This answer has been sent to Test Clinic" &&
    ok "with a clinic: the answer has been sent, said before the prompt" ||
    bad "the words with a clinic" "$(cat "$T/e")"
n=$(sqlite3 "$(clinic_db "$T/clinic")" 'SELECT count(*) FROM records')
[ "$n" = 1 ] && ok "the clinic holds the risk answer though the check-in was not finished" ||
    bad "records at the clinic: $n"
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
