#!/bin/bash
# test_cli.sh: the stepwise command as a user runs it: help and version on
# every command, init, wrong passphrases, export, check-content.
#   test_cli.sh STEPWISE SW-SEED CONTENT-DIR
set -u
SW=$1 SEED=$2 CONTENT=$3
T=$(mktemp -d --suffix=.stepwise-cli)
trap 'rm -rf "$T"' EXIT
pass=0 fail=0
ok()  { pass=$((pass + 1)); echo "ok - $1"; }
bad() { fail=$((fail + 1)); echo "FAIL - $1"; [ -n "${2:-}" ] && echo "$2" | sed 's/^/    /'; }
check() { # name, command...: passes when the command succeeds
	local name=$1; shift
	if out=$("$@" 2>&1); then ok "$name"; else bad "$name" "$out"; fi
}
sw() { "$SW" --content "$CONTENT" --data-dir "$T/data" "$@"; }
PW="a long enough passphrase"

# --help and --version everywhere; unknown things fail with status 2.
for cmd in "" init check-content export; do
	check "help: $cmd" bash -c "'$SW' $cmd --help | grep -q Usage"
done
check "version" bash -c "'$SW' --version | grep -qx 'stepwise [0-9.]*'"
"$SW" frobnicate >/dev/null 2>&1; st=$?
[ $st -eq 2 ] && ok "unknown command exits 2" || bad "unknown command exits 2" "status $st"
"$SW" export --bogus >/dev/null 2>"$T/err"; st=$?
[ $st -eq 2 ] && [ $(wc -l <"$T/err") -eq 1 ] && ok "unknown option: status 2, one line" || bad "unknown option" "$(cat "$T/err")"

"$SW" export -o >/dev/null 2>"$T/err"; st=$?
[ $st -eq 2 ] && grep -q "'-o' needs a value" "$T/err" && ok "missing option value: status 2, says so" || bad "missing option value" "$(cat "$T/err")"
for cmd in checkin status remind; do
	check "help: $cmd" bash -c "'$SW' $cmd --help | grep -q Usage"
done

# init: a passphrase from a descriptor; folder 0700, file 0600.
check "init with --passphrase-fd" bash -c "echo '$PW' | '$SW' --data-dir '$T/data' --passphrase-fd 0 init"
[ "$(stat -c %a "$T/data")" = 700 ] && ok "data folder is 0700" || bad "data folder is 0700" "$(stat -c %a "$T/data")"
[ "$(stat -c %a "$T/data/default.db")" = 600 ] && ok "profile is 0600" || bad "profile is 0600"
echo "$PW" | sw --passphrase-fd 0 init >/dev/null 2>"$T/err"; st=$?
[ $st -eq 1 ] && grep -q "already exists" "$T/err" && ok "init refuses an existing profile" || bad "init refuses an existing profile" "$(cat "$T/err")"
echo "short" | sw --passphrase-fd 0 --profile p2 init >/dev/null 2>"$T/err"; st=$?
[ $st -eq 1 ] && grep -q "at least 8" "$T/err" && [ ! -e "$T/data/p2.db" ] && ok "short passphrase refused, nothing made" || bad "short passphrase refused" "$(cat "$T/err")"
# Common passwords are refused in plain words, nothing made; a long random
# passphrase is taken, with its strength.
for weak in password1 letmein123; do
	echo "$weak" | sw --passphrase-fd 0 --profile weak init >/dev/null 2>"$T/err"; st=$?
	[ $st -eq 1 ] && grep -q "too easy to guess: it is a common password" "$T/err" && [ ! -e "$T/data/weak.db" ] &&
	    ok "'$weak' refused as a common password, nothing made" || bad "'$weak' refused" "$(cat "$T/err")"
done
# Random, but with no two neighbours one apart (cracklib refuses about one
# random string in a hundred for those: unit store).
strong=$(python3 -c '
import base64, os
while True:
    t = base64.b64encode(os.urandom(18)).decode().translate({ord(c): None for c in "/+="})
    if all(abs(ord(a) - ord(b)) != 1 for a, b in zip(t.lower(), t.lower()[1:])):
        print(t)
        break')
echo "$strong" | sw --passphrase-fd 0 --profile strong init >"$T/out" 2>"$T/err"; st=$?
[ $st -eq 0 ] && grep -q "^Strength: strong.$" "$T/err" && [ -e "$T/data/strong.db" ] &&
    ok "a long random passphrase is taken, and its strength said" || bad "random passphrase" "$(cat "$T/out" "$T/err")"
sw --profile open init --no-passphrase >/dev/null 2>"$T/err" </dev/null
grep -q "shared computer" "$T/err" && grep -q "it is not protected: anyone who can read its file" "$T/err" &&
    [ -e "$T/data/open.db" ] && ok "--no-passphrase says plainly the profile is not protected" || bad "--no-passphrase warns" "$(cat "$T/err")"
[ "$(sqlite3 "$T/data/open.db" "SELECT CAST(value AS TEXT) FROM meta WHERE key = 'kdf'")" = none ] &&
    [ -z "$(sqlite3 "$T/data/open.db" "SELECT 1 FROM meta WHERE key = 'salt'")" ] &&
    ok "a profile without a passphrase has a random key, no key derivation" || bad "no-passphrase key" "$(sqlite3 "$T/data/open.db" 'SELECT key FROM meta')"
sw --profile open status </dev/null >"$T/out" 2>&1
grep -q "^Passphrase: none. This profile is not protected: anyone who can read its file can read everything in it." "$T/out" &&
    ok "status says a profile without a passphrase is not protected" || bad "status not protected" "$(cat "$T/out")"
echo "$PW" | sw --passphrase-fd 0 status >"$T/out" 2>&1
! grep -q "not protected" "$T/out" && ok "status says nothing of it for a profile with a passphrase" || bad "status protected" "$(cat "$T/out")"
sw init </dev/null >/dev/null 2>"$T/err" --profile p3; st=$?
[ $st -eq 1 ] && [ ! -e "$T/data/p3.db" ] && ok "no terminal and no --passphrase-fd: refused" || bad "init without passphrase source" "$(cat "$T/err")"

# The passphrase never appears in argv or on disk in clear.
! grep -aq "$PW" "$T/data/default.db" && ok "passphrase not stored in clear" || bad "passphrase found in the profile"

# Records through the core, then export.
echo "$PW" | "$SEED" "$T/data/default.db" "$CONTENT" phq9 2,2,2,2,2,2,1,1,0 1700000000 || bad "seed phq9"
echo "$PW" | "$SEED" "$T/data/default.db" "$CONTENT" gad7 1,1,1,1,1,1,1 1700000100 || bad "seed gad7"
echo "$PW" | "$SEED" "$T/data/default.db" "$CONTENT" phq9 1,1,1,0,1,0,0,1,2 1700600000 || bad "seed phq9 #2"
echo "$PW" | "$SEED" "$T/data/default.db" "$CONTENT" gad7 1,1,0,0,0,0,0 1700600100 || bad "seed gad7 #2"
! grep -aq '"answers"' "$T/data/default.db" && ok "answers not in clear on disk" || bad "answers in clear on disk"

echo "$PW" | sw --passphrase-fd 0 export >"$T/out.json" 2>"$T/err"
if python3 - "$T/out.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
c = d["checkins"]
assert [x["measure"] for x in c] == ["phq9", "gad7", "phq9", "gad7"], c
assert c[0]["answers"] == [2,2,2,2,2,2,1,1,0] and c[0]["total"] == 14
assert c[0]["severity"] == "moderate" and c[0]["risk"] is False
assert c[0]["completed_at"] == "2023-11-14T22:13:20Z", c[0]["completed_at"]
assert c[1]["total"] == 7 and c[1]["severity"] == "mild"
assert c[2]["total"] == 7 and c[2]["risk"] is True
# Week to week only as a number; the category is first pair to latest.
assert c[2]["change"] == {"since": c[0]["id"], "delta": -7}, c[2]["change"]
o = d["outcome"]
assert o["pairs"] == 2 and o["first"]["phq9"] == 14 and o["first"]["gad7"] == 7, o
assert o["latest"] == {"phq9": 7, "gad7": 2, "at": 1700600100}, o
assert o["caseness_first"] is True and o["caseness_latest"] is False, o
assert o["category"] == "reliable_recovery" and o["reliable_recovery"] is True, o
PY
then ok "export JSON: measure, answers, total, severity, risk, completed_at, change as a number, the outcome on the pair"
else bad "export JSON" "$(cat "$T/out.json" "$T/err")"; fi

# A wrong passphrase: clear error, non-zero, not one byte changed.
before=$(sha256sum "$T/data/default.db"); nfiles=$(ls -A "$T/data" | wc -l)
echo "not the passphrase" | sw --passphrase-fd 0 export >"$T/out2" 2>"$T/err"; st=$?
[ $st -eq 1 ] && grep -q "passphrase does not open" "$T/err" && [ ! -s "$T/out2" ] && ok "wrong passphrase: clear error, no output" || bad "wrong passphrase" "$(cat "$T/err")"
[ "$(sha256sum "$T/data/default.db")" = "$before" ] && [ "$(ls -A "$T/data" | wc -l)" = "$nfiles" ] && ok "wrong passphrase changes no byte" || bad "wrong passphrase changed the store"

# export -o: a new private file; a failed export leaves nothing behind.
echo "$PW" | sw --passphrase-fd 0 export -o "$T/exp.json" 2>"$T/err"
[ "$(stat -c %a "$T/exp.json")" = 600 ] && python3 -m json.tool "$T/exp.json" >/dev/null && grep -q "not encrypted" "$T/err" && ok "export -o writes a 0600 JSON file and warns" || bad "export -o" "$(cat "$T/err")"
echo "$PW" | sw --passphrase-fd 0 export -o "$T/nodir/exp.json" 2>"$T/err"; st=$?
[ $st -eq 1 ] && [ $(wc -l <"$T/err") -eq 1 ] && ok "export to a missing folder: one-line error" || bad "export to missing folder" "$(cat "$T/err")"
sw --profile open export --format csv >/dev/null 2>&1; st=$?
[ $st -eq 2 ] && ok "export --format csv is a usage error" || bad "export --format csv" "status $st"
sw --profile open export | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["checkins"]==[]' && ok "passphrase-less profile exports without a prompt" || bad "open profile export"
sw --profile nobody export >/dev/null 2>"$T/err"; st=$?
[ $st -eq 1 ] && grep -q "stepwise init" "$T/err" && ok "missing profile says how to make one" || bad "missing profile" "$(cat "$T/err")"

# check-content: valid shipped content; every problem of a broken copy.
check "check-content passes on the shipped content" "$SW" check-content "$CONTENT"
cp -r "$CONTENT" "$T/broken"
sed -i 's/"minutes": 8/"minutes": "eight"/' "$T/broken/programme.json"
echo '{"format": 1, "id": "phq9",' >"$T/broken/measures/gad7.json"
printf '# Orphan\n\n## Try this\n\nGo.\n' >"$T/broken/lessons/orphan.md"
"$SW" check-content "$T/broken" >"$T/out" 2>"$T/err"; st=$?
[ $st -eq 1 ] && ok "check-content on broken content exits 1" || bad "check-content exit" "status $st"
grep -q "programme.json: \$.modules\[0\].lessons\[0\].minutes: must be a whole number" "$T/out" && ok "names the JSON path of a bad value" || bad "JSON path of bad value" "$(cat "$T/out")"
grep -q "measures/gad7.json: line 2, column 1: this is not valid JSON" "$T/out" && ok "names the line of a JSON syntax error" || bad "line of syntax error" "$(cat "$T/out")"
grep -q "lessons/orphan.md: is not named anywhere" "$T/out" && ok "names a file the programme does not use" || bad "orphan" "$(cat "$T/out")"
[ $(grep -c . "$T/out") -ge 6 ] && ok "lists every problem, not just the first" || bad "every problem" "$(cat "$T/out")"
sw --content "$T/broken" --profile open export >/dev/null 2>"$T/err"
[ $(wc -l <"$T/err") -eq 1 ] && grep -q "check-content" "$T/err" && ok "other commands give one line about broken content" || bad "broken content one line" "$(cat "$T/err")"

# check-content warns, without failing, about a contact not reviewed for
# more than 6 months and a number repeated outside the safety file.
cp -r "$CONTENT" "$T/due"
python3 - "$T/due/safety/en-GB.json" "$(date -d '-7 months' +%F)" "$(date +%F)" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
for c in s["contacts"]:
    c["reviewed"] = sys.argv[3]
s["contacts"][0]["reviewed"] = sys.argv[2]
json.dump(s, open(sys.argv[1], "w"))
PY
"$SW" check-content "$T/due" >"$T/out" 2>"$T/err"; st=$?
[ $st -eq 0 ] && grep -q "^warning: $T/due/safety/en-GB.json: \$.contacts\[0\].reviewed: .* more than 6 months ago" "$T/out" &&
    [ $(grep -c "^warning: " "$T/out") -eq 1 ] && grep -q "the content is valid" "$T/out" &&
    grep -q "1 warning for" "$T/err" && ok "check-content warns of a review more than 6 months old, and passes" ||
    bad "review warning" "status $st $(cat "$T/out" "$T/err")"
python3 - "$T/due/safety/en-GB.json" "$(date +%F)" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
s["contacts"][0]["reviewed"] = sys.argv[2]
json.dump(s, open(sys.argv[1], "w"))
PY
"$SW" check-content "$T/due" >"$T/out" 2>"$T/err"; st=$?
[ $st -eq 0 ] && ! grep -q "warning" "$T/out" "$T/err" && ok "check-content is quiet once every contact is reviewed" || bad "no warning" "$(cat "$T/out" "$T/err")"
phone=$(python3 -c 'import json, sys
print(json.load(open(sys.argv[1]))["contacts"][0]["phone"])' "$T/due/safety/en-GB.json")
printf '\nOr call %s.\n' "$phone" >>"$T/due/lessons/your-goals.md"
"$SW" check-content "$T/due" >"$T/out" 2>"$T/err"; st=$?
[ $st -eq 0 ] && grep -q "^warning: $T/due/lessons/your-goals.md: repeats the number of .*Help now screen" "$T/out" &&
    ok "check-content warns of a number repeated in a lesson" || bad "number warning" "status $st $(cat "$T/out")"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
