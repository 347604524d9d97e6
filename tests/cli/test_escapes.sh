#!/bin/bash
# test_escapes.sh: text from outside never drives the terminal (issue 14,
# point 3). An enrollment file whose fields hold cursor movements, C1 or
# bidirectional controls is refused by stepwise enroll, naming the field,
# before anything of it is shown; content with such a character is refused
# by check-content with its file and JSON path (or line); stepwise-clinic
# message refuses a message holding one; what the CLI prints of outside
# text goes through the sanitiser; and a message planted anyway (signed by
# the clinic, as another stepwise-clinic might send it) reaches plain
# mode's output only through it.
#   test_escapes.sh STEPWISE STEPWISE-CLINIC SW-CLINIC-FIXTURE CONTENT-DIR
set -u
SW=$1 SC=$2 FX=$3 CONTENT=$4
. "$(dirname "$0")/../tools/clinic.sh"
T=$(mktemp -d --suffix=.stepwise-escapes)
SERVER=
trap '[ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null && wait "$SERVER"; rm -rf "$T"' EXIT
pass=0 fail=0
ok()  { pass=$((pass + 1)); echo "ok - $1"; }
bad() { fail=$((fail + 1)); echo "FAIL - $1"; [ -n "${2:-}" ] && echo "$2" | sed 's/^/    /' | head -30 | cat -v; }
echo "a long enough passphrase" >"$T/pw"
sw() { "$SW" --content "$CONTENT" --data-dir "$T/$1" --passphrase-fd 3 "${@:2}" 3<"$T/pw"; }
# raw FILE...: whether any of the files holds a byte sequence that could
# drive a terminal: C0 but new line, tab and CR LF (a CSV's line end), DEL,
# C1 (as UTF-8 or a lone byte), or a bidirectional control.
raw() {
	python3 -c '
import sys
def bad(c):
    return (c < 0x20 and c not in (9, 10)) or c == 0x7f or 0x80 <= c <= 0x9f \
        or c in (0x61c, 0x200e, 0x200f) or 0x202a <= c <= 0x202e \
        or 0x2066 <= c <= 0x2069
for f in sys.argv[1:]:
    try:
        t = open(f, "rb").read().decode("utf-8").replace("\r\n", "\n")
    except UnicodeDecodeError:
        sys.exit(0)
    if any(bad(ord(c)) for c in t):
        sys.exit(0)
sys.exit(1)' "$@"
}

"$SC" init "$T/clinic" --name "Test Clinic" >"$T/init" 2>&1 || { echo "clinic init failed"; cat "$T/init"; exit 1; }
"$SC" serve --dir "$T/clinic" --listen 127.0.0.1:0 >"$T/serve.out" 2>"$T/serve.log" &
SERVER=$!
for _ in $(seq 100); do grep -q '^listening on' "$T/serve.out" && break; sleep 0.1; done
port=$(sed -n 's/^listening on http:\/\/127.0.0.1:\([0-9]*\)$/\1/p' "$T/serve.out")
[ -n "$port" ] || { echo "the server did not start"; cat "$T/serve.log"; exit 1; }
python3 - "$T/clinic/clinic.json" "$port" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["url"] = "http://127.0.0.1:" + sys.argv[2]
c["contact"] = {"name": "Test Clinic", "phone": "01632 960 000"}
json.dump(c, open(sys.argv[1], "w"))
PY
"$SC" enroll --dir "$T/clinic" --patient R1 -o "$T/r1.stepwise" >"$T/enroll" 2>&1 || { echo "clinic enroll failed"; cat "$T/enroll"; exit 1; }
sw p init >"$T/init-p" 2>&1 || { echo "stepwise init failed"; cat "$T/init-p"; exit 1; }

# ---- the enrollment file ----
# bent NAME PYTHON: a copy of the enrollment file, changed by a statement
# over e, as $T/NAME.stepwise.
bent() {
	python3 -c 'import json,sys; e=json.load(open(sys.argv[1])); exec(sys.argv[2]); json.dump(e, open(sys.argv[3], "w"))' \
	    "$T/r1.stepwise" "$2" "$T/$1.stepwise"
}
# refused NAME FIELD WHY: stepwise enroll refuses the file, naming the
# field and why, shows nothing of it, and the profile stays unjoined.
refused() {
	local st
	sw p enroll --no-sync "$T/$1.stepwise" >"$T/$1.out" 2>"$T/$1.err"; st=$?
	if [ $st -eq 1 ] && grep -qF -- "$2: $3" "$T/$1.err" && ! raw "$T/$1.out" "$T/$1.err" &&
	    ! grep -q "Fingerprint" "$T/$1.out" && sw p status 2>/dev/null | grep -q "Not joined"; then
		ok "stepwise enroll refuses $4, naming $2"
	else
		bad "stepwise enroll took $4: status $st" "$(cat "$T/$1.out" "$T/$1.err")"
	fi
}
# A contact name that moves the cursor up over the Address and Fingerprint
# lines just printed and writes others in their place.
bent up 'e["contact"]["name"] = "Test Clinic\x1b[3A\r\x1b[2KAddress:      https://evil.example\n\x1b[2KFingerprint:  0000 0000 0000 0000 0000 0000 0000 0000\x1b[2B"'
refused up '$.contact.name' "holds a control character (U+001B)" "a contact name with cursor movements"
bent c1 'e["clinic"] = "Test Clinic\u009b2J"'
refused c1 '$.clinic' "holds a control character (U+009B)" "a clinic name with a C1 CSI"
bent bidi 'e["crisis"] = [{"name": "Crisis line", "phone": "\u202e000 000 0090"}]'
refused bidi '$.crisis[0].phone' "holds a bidirectional control (U+202E)" "a crisis number reversed by a bidirectional control"
bent isolate 'e["contact"]["hours"] = "9 to 5 \u2066x\u2069"'
refused isolate '$.contact.hours' "holds a bidirectional control (U+2066)" "an isolate in the hours"
bent line 'e["contact"]["phone"] = "01632 960 000\nFingerprint:  0000"'
refused line '$.contact.phone' "must be on one line" "a phone number on two lines"
bent url 'e["url"] = e["url"] + "/\x1b[2K"'
refused url '$.url' "holds a control character (U+001B)" "an address with an escape"
bent url2 'e["url"] = e["url"] + "/caf\u00e9"'
refused url2 '$.url' "it must be printable ASCII" "an address beyond ASCII"
bent del 'e["contact"]["email"] = "a@b.example\x7f\x7f\x7f"'
refused del '$.contact.email' "holds a control character (U+007F)" "an email with DEL"

# ---- content ----
cp -R "$CONTENT" "$T/content"
python3 - "$T/content/exercises/mood-diary.json" <<'PY'
import json, sys
p = sys.argv[1]; e = json.load(open(p))
e["title"] = "Mood\u009b2J diary"
e["fields"][0]["prompt"] = "Where were you?\u202e"
json.dump(e, open(p, "w"), ensure_ascii=False)
PY
printf '%s' "$(cat "$T/content/lessons/your-goals.md")" | sed '3s/$/ \x1b]0;owned\x07/' >"$T/content/lessons/your-goals.md.new" &&
    mv "$T/content/lessons/your-goals.md.new" "$T/content/lessons/your-goals.md"
"$SW" check-content "$T/content" >"$T/cc.out" 2>"$T/cc.err"; st=$?
[ $st -eq 1 ] && grep -qF "exercises/mood-diary.json: \$.title: holds a control character (U+009B)" "$T/cc.out" &&
    ok "check-content refuses a C1 control in an exercise's title, with file and JSON path" || bad "check-content C1: $st" "$(cat "$T/cc.out" "$T/cc.err")"
grep -qF "exercises/mood-diary.json: \$.fields[0].prompt: holds a bidirectional control (U+202E)" "$T/cc.out" &&
    ok "and a bidirectional control in a field's prompt" || bad "check-content bidi" "$(cat "$T/cc.out")"
grep -qF "lessons/your-goals.md: line 3: this line holds a control character (U+001B)" "$T/cc.out" &&
    ok "and an escape in a lesson, with its line" || bad "check-content lesson" "$(cat "$T/cc.out")"
! raw "$T/cc.out" "$T/cc.err" && ok "check-content shows none of them raw" || bad "raw bytes in check-content's output"
cp "$CONTENT/exercises/mood-diary.json" "$T/content/exercises/" && cp "$CONTENT/lessons/your-goals.md" "$T/content/lessons/"
python3 - "$T/content/safety/en-GB.json" <<'PY'
import sys
p = sys.argv[1]; b = open(p, "rb").read()
i = b.index(b'"intro": "') + len(b'"intro": "')
open(p, "wb").write(b[:i] + b"\x9b2J" + b[i:])
PY
"$SW" check-content "$T/content" >"$T/cc2.out" 2>"$T/cc2.err"; st=$?
[ $st -eq 1 ] && grep -qF "safety/en-GB.json: \$.intro: is not valid UTF-8" "$T/cc2.out" && ! raw "$T/cc2.out" "$T/cc2.err" &&
    ok "check-content refuses a lone 0x9b byte (CSI on an 8-bit terminal) in the safety file, with its path" || bad "check-content 0x9b: $st" "$(cat "$T/cc2.out" "$T/cc2.err")"
cp "$CONTENT/safety/en-GB.json" "$T/content/safety/"
"$SW" check-content "$T/content" >/dev/null 2>&1 && ok "the same content, put back, is valid" || bad "content put back"

# What the CLI prints of outside text goes through the sanitiser too: a
# folder named with an escape and a C1 control, in every line that names it.
odd="$T/bad$(printf '\033]0;owned\007')name$(printf '\302\233')2J"
mkdir "$odd"
"$SW" check-content "$odd" >"$T/odd.out" 2>"$T/odd.err"; st=$?
[ $st -eq 1 ] && grep -qF "bad?]0;owned?name?2J/programme.json" "$T/odd.out" && grep -qF "found in $T/bad?]0;owned?name?2J" "$T/odd.err" &&
    ! raw "$T/odd.out" "$T/odd.err" && ok "check-content names a folder with an escape in its name only through the sanitiser" ||
    bad "check-content of an odd folder: $st" "$(cat "$T/odd.out" "$T/odd.err")"

# ---- stepwise-clinic message ----
sw p enroll "$T/r1.stepwise" >"$T/enroll-p" 2>&1 && grep -q "registered with Test Clinic" "$T/enroll-p" ||
    { bad "the untouched file enrolls" "$(cat "$T/enroll-p")"; echo "$pass passed, $fail failed"; exit 1; }
ok "the untouched enrollment file enrolls and registers"
dev=$(sqlite3 "$(clinic_db "$T/clinic")" 'SELECT device FROM devices')
queued() { sqlite3 "$(clinic_db "$T/clinic")" 'SELECT count(*) FROM messages'; }
# notsent NAME WHY TEXT: message refuses TEXT, says why, queues nothing.
notsent() {
	local st
	printf '%b' "$3" | "$SC" message --dir "$T/clinic" --patient R1 >"$T/m.out" 2>"$T/m.err"; st=$?
	[ $st -eq 1 ] && grep -qF "$2" "$T/m.err" && [ "$(queued)" = 0 ] && ! raw "$T/m.out" "$T/m.err" &&
	    ok "stepwise-clinic message refuses $1" || bad "message took $1: $st" "$(cat "$T/m.out" "$T/m.err")"
}
notsent "an escape sequence" "holds a control character (U+001B)" 'Hello\033]0;owned\007 there'
notsent "a C1 CSI" "holds a control character (U+009B)" 'Hello \302\23331m there'
notsent "a bidirectional override" "holds a bidirectional control (U+202E)" 'Call \342\200\256 000 000 0090'
notsent "a carriage return" "holds a control character (U+000D)" 'Line one\r\nLine two'
printf 'Fine' | "$SC" message --dir "$T/clinic" --patient R1 --from "$(printf 'Sam\033[31m')" >"$T/m.out" 2>"$T/m.err"; st=$?
[ $st -eq 2 ] && [ "$(queued)" = 0 ] && ! raw "$T/m.err" &&
    ok "--from with an escape is a usage error, and is not echoed raw" || bad "--from with an escape: $st" "$(cat "$T/m.err")"
printf 'Line one\n\tand a tab\n' | "$SC" message --dir "$T/clinic" --patient R1 --from Sam >/dev/null 2>"$T/m.err" && [ "$(queued)" = 1 ] &&
    ok "new lines and tabs are sent" || bad "message with lines and a tab" "$(cat "$T/m.err")"

# ---- a message planted anyway ----
# Signed by the clinic, as another stepwise-clinic might send it: the
# patient's Stepwise shows it only through the sanitiser.
printf '%b' 'Hello\033]0;PWNED\007 from \302\23331mRED and \342\200\256lived\177 end' |
    "$FX" plant "$T/clinic" "$dev" "$(printf 'Sam\033[31m')" >/dev/null || bad "plant a message"
printf '8\nn\nq\n' | sw p --plain >"$T/plain.out" 2>&1
grep -qF "Hello?]0;PWNED? from ?31mRED and ?lived? end" "$T/plain.out" && grep -q "^Sam?\[31m wrote, " "$T/plain.out" &&
    ok "plain mode shows a planted message's escape, C1, bidi and DEL as '?'" || bad "planted message in plain mode" "$(cat "$T/plain.out")"
! raw "$T/plain.out" && ok "and not one of them reaches the terminal raw" || bad "raw bytes in plain mode's output" "$(cat "$T/plain.out")"

# A reply with an escape pasted into it is not sent, and says why.
printf '8\ny\nHi\033[2J there\n.\ny\nq\n' | sw p --plain >"$T/reply.out" 2>&1
grep -qF "Not sent: This reply cannot be sent: it holds a control character (U+001B)" "$T/reply.out" && ! raw "$T/reply.out" &&
    [ "$("$SC" results --dir "$T/clinic" --patient R1 --format json 2>/dev/null | python3 -c 'import json,sys; print(sum(r["kind"] == "reply" for r in json.load(sys.stdin)["results"]))')" = 0 ] &&
    ok "a reply holding an escape is not sent, and plain mode says why" || bad "reply with an escape" "$(cat "$T/reply.out")"

# ---- what the clinic shows of what a device sent ----
# An exercise entry and a reply from a device (as a device other than this
# Stepwise could send them) holding C1, bidirectional controls and DEL.
"$SC" enroll --dir "$T/clinic" --patient R2 -o "$T/r2.stepwise" >/dev/null 2>&1 &&
    "$FX" device "$T/clinic" "$T/r2.stepwise" "$T/d2.keys" >/dev/null || bad "fixture device R2"
echo '{"exercise":"catch-a-thought","values":{"situation":"Bus\u009b2J \u202ehome\u007f","mood":70},"completed_at":"2026-11-22T10:00:00Z"}' |
    "$FX" record "$T/clinic" "$T/d2.keys" exercise 1795429600 >/dev/null &&
echo '{"text":"Thanks\u009b31m, \u2067see\u2069 you\nSecond line","written_at":"2026-11-22T10:00:00Z"}' |
    "$FX" record "$T/clinic" "$T/d2.keys" reply 1795429700 >/dev/null || bad "fixture records R2"
"$SC" results --dir "$T/clinic" --patient R2 >"$T/r2.csv" 2>"$T/r2.err" &&
"$SC" results --dir "$T/clinic" --patient R2 --format json >"$T/r2.json" 2>>"$T/r2.err" &&
"$SC" messages --dir "$T/clinic" --patient R2 >"$T/r2.txt" 2>>"$T/r2.err" || bad "results and messages for R2" "$(cat "$T/r2.err")"
! raw "$T/r2.csv" "$T/r2.json" "$T/r2.txt" "$T/r2.err" &&
    ok "results (CSV and JSON) and messages show none of a device's controls raw" || bad "raw bytes at the clinic" "$(cat "$T/r2.csv" "$T/r2.txt")"
python3 - "$T/r2.json" <<'PY' && ok "and the JSON still says exactly what was sent" || bad "JSON changed" "$(cat "$T/r2.json")"
import json, sys
r = {x["kind"]: x for x in json.load(open(sys.argv[1]))["results"]}
assert r["exercise"]["record"]["values"]["situation"] == "Bus\u009b2J \u202ehome\u007f", r
assert r["reply"]["record"]["text"] == "Thanks\u009b31m, \u2067see\u2069 you\nSecond line", r
PY
grep -qF '\u009b2J \u202ehome\u007f' "$T/r2.csv" && ok "the CSV keeps the entry's text as JSON escapes" || bad "CSV escapes" "$(cat "$T/r2.csv")"
grep -qF "    Thanks?31m, ?see? you" "$T/r2.txt" && grep -qx "    Second line" "$T/r2.txt" &&
    ok "messages shows the reply with each control as '?', its lines kept" || bad "reply at the clinic" "$(cat "$T/r2.txt")"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ] && [ $pass -gt 0 ]
