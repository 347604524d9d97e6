#!/bin/bash
# test_clinic_cmds.sh: the commands that use the clinic's secret keys:
# results, message, messages, patients and revoke. The rows they read are
# made by sw-clinic-fixture with real keys, as stepwise-clinic serve would
# store them: good records, and one of each kind a clinic must quarantine.
#   test_clinic_cmds.sh STEPWISE-CLINIC SW-CLINIC-FIXTURE CONTENT-DIR
set -u
SC=$1 FX=$2 CONTENT=$3
. "$(dirname "$0")/../tools/clinic.sh"
T=$(mktemp -d --suffix=.stepwise-clinic-cmds)
spid=
trap '[ -n "$spid" ] && kill "$spid" 2>/dev/null; rm -rf "$T"' EXIT
export TZ=UTC STEPWISE_CONTENT_DIR=$CONTENT LC_ALL=C.UTF-8
pass=0 fail=0
ok()  { pass=$((pass + 1)); echo "ok - $1"; }
bad() { fail=$((fail + 1)); echo "FAIL - $1"; [ -n "${2:-}" ] && echo "$2" | sed 's/^/    /' | head -30; }
C=$T/c
q() { sqlite3 "$(clinic_db "$C")" "$1"; }

"$SC" init "$C" --name "Riverside" >/dev/null || { echo "init failed"; exit 1; }
for f in r1 r1b r1c r2 r3; do
	p=$(echo "$f" | tr -d bc | tr r R)
	"$SC" enroll --dir "$C" --patient "$p" -o "$T/$f.json" >/dev/null || { echo "enroll failed"; exit 1; }
done
D1=$("$FX" device "$C" "$T/r1.json" "$T/d1.keys") &&
D1B=$("$FX" device "$C" "$T/r1b.json" "$T/d1b.keys") &&
DBAD=$("$FX" device "$C" "$T/r1c.json" "$T/dbad.keys" bad-reg) &&
DFORGE=$("$FX" forged "$C" R1 "$T/dforge.keys") &&
D2=$("$FX" device "$C" "$T/r2.json" "$T/d2.keys") &&
"$FX" forged "$C" R4 - unused || { echo "fixture devices failed"; exit 1; }

# rec NAME KEYS KIND CREATED [TAMPER] <<< JSON: store one record, keep its id.
rec() {
	local id
	id=$("$FX" record "$C" "$T/$2.keys" "$3" "$4" ${5:-}) || { echo "fixture record $1 failed"; exit 1; }
	echo "$1 $id" >>"$T/ids"
}
t0=$(( $(date +%s) - 100000 ))
phq() { # answers total severity label risk
	echo "{\"measure\":\"phq9\",\"answers\":[$1],\"functional\":1,\"total\":$2,\"severity\":\"$3\",\"severity_label\":\"$4\",\"risk\":$5,\"completed_at\":\"2026-11-22T10:00:00Z\",\"completed_ts\":$t0}"
}
gad() {
	echo "{\"measure\":\"gad7\",\"answers\":[$1],\"total\":$2,\"severity\":\"$3\",\"severity_label\":\"$4\",\"risk\":false,\"completed_at\":\"2026-11-22T10:00:00Z\",\"completed_ts\":$t0}"
}
: >"$T/ids"
phq 0,0,0,0,0,0,0,0,0 0 minimal Minimal false | rec A d1 checkin $((t0 + 10))
gad 0,1,0,1,0,1,0 3 minimal Minimal | rec B d1 checkin $((t0 + 20))
phq 1,2,1,0,1,2,1,0,1 9 mild Mild true | rec C d1 checkin $((t0 + 100))
# M says total 7 and no risk; its answers give 5 and a risk answer.
phq 1,1,1,1,0,0,0,0,1 7 mild Mild false | rec M d1 checkin $((t0 + 50))
echo '{"exercise":"catch-a-thought","values":{"situation":"Bus, \"late\", again","mood":70},"completed_at":"2026-11-22T10:00:00Z"}' | rec E d1 exercise $((t0 + 30))
echo '{"text":"Thanks, it helped.\nSecond line","written_at":"2026-11-22T10:00:00Z","in_reply_to":"0123456789abcdef0123456789abcdef"}' | rec Y d1 reply $((t0 + 200))
echo '{"measure":"=k10","answers":[1,2],"total":3,"severity":"+low","severity_label":"Low","risk":false,"completed_at":"x","completed_ts":1}' | rec U d1 checkin $((t0 + 70))
phq 0,0,0,0,0,0,0,0,0 0 minimal Minimal false | rec Q1 d1 checkin $((t0 + 1)) bad-sig
phq 0,0,0,0,0,0,0,0,0 0 minimal Minimal false | rec Q2 d1 checkin $((t0 + 2)) inner-id
phq 0,0,0,0,0,0,0,0,0 0 minimal Minimal false | rec Q3 d1 checkin $((t0 + 3)) inner-device
phq 0,0,0,0,0,0,0,0,0 0 minimal Minimal false | rec Q4 d1 checkin $((t0 + 4)) wrong-key
phq 0,0,0,0,0,0,0,0,0 0 minimal Minimal false | rec Q5 d1 checkin $((t0 + 5)) v2
echo "{\"v\":1,\"id\":\"@ID@\",\"device\":\"@DEVICE@\",\"kind\":\"checkin\",\"kind\":\"checkin\",\"created_at\":$t0,\"record\":$(phq 0,0,0,0,0,0,0,0,0 0 minimal Minimal false)}" | rec Q6 d1 - - raw
phq 0,0,0,0,0,0,0,0,7 7 mild Mild true | rec Q7 d1 checkin $((t0 + 7))
echo '{"text":"hi","written_at":"x"}' | rec Q8 d1 diary $((t0 + 8))
phq 0,0,0,0,0,0,0,0,3 3 minimal Minimal true | rec QR dbad checkin $((t0 + 9))
phq 0,0,0,0,0,0,0,0,3 3 minimal Minimal true | rec QT dforge checkin $((t0 + 9))
phq 0,0,0,0,0,0,0,0,1 1 minimal Minimal true | rec R2A d2 checkin $((t0 + 5))
gad 3,3,3,3,3,3,3 21 severe Severe | rec R2B d2 checkin $((t0 + 40))
phq 0,0,0,0,0,0,0,0,0 0 minimal Minimal false | rec R2C d2 checkin $((t0 + 60))
[ "$(q 'SELECT count(*) FROM records')" = 20 ] && ok "fixture stored 20 signed and sealed records" || bad "fixture records"

# ---- results --format json ----
"$SC" results --dir "$C" --format json >"$T/all.json" 2>"$T/err"; st=$?
[ $st -eq 0 ] && ok "results --format json runs" || bad "results json" "$(cat "$T/err")"
python3 - "$T/all.json" "$T/ids" "$D1" "$D2" "$t0" <<'PY' && ok "results: exact answers, totals, risk, kinds; risk first, then by time" || bad "results json content"
import json, sys
r = json.load(open(sys.argv[1])); ids = dict(l.split() for l in open(sys.argv[2]))
d1, d2, t0 = sys.argv[3], sys.argv[4], int(sys.argv[5])
assert r["format"] == 1 and set(r) == {"format", "results", "quarantined", "outcomes", "gaps"}
# One pair at most for each (A with B for R1): no outcome yet for anyone.
assert sorted(o["patient"] for o in r["outcomes"]) == ["R1", "R2"], r["outcomes"]
assert all(o["category"] == "none" for o in r["outcomes"]), r["outcomes"]
got = [x["id"] for x in r["results"]]
want = [ids[n] for n in ["R2A", "M", "C", "A", "B", "E", "R2B", "R2C", "U", "Y"]]
assert got == want, (got, want)
by = {x["id"]: x for x in r["results"]}
c = by[ids["C"]]
assert c["patient"] == "R1" and c["device"] == d1 and c["kind"] == "checkin" and c["risk"] is True
assert c["created_at"] == t0 + 100 and c["check"] == "ok" and isinstance(c["received_at"], int)
assert c["record"]["answers"] == [1, 2, 1, 0, 1, 2, 1, 0, 1] and c["record"]["total"] == 9
assert c["record"]["severity"] == "mild" and c["record"]["functional"] == 1
assert set(c) == {"patient", "device", "id", "kind", "received_at", "created_at", "risk", "record", "check", "outcome"}
assert c["outcome"] == "none" and by[ids["E"]]["outcome"] is None
a = by[ids["A"]]; assert a["risk"] is False and a["record"]["total"] == 0 and a["check"] == "ok"
b = by[ids["B"]]; assert b["record"]["measure"] == "gad7" and b["record"]["total"] == 3
m = by[ids["M"]]
assert m["check"] == "total_mismatch" and m["record"]["total"] == 7, m
assert m["computed"] == {"total": 5, "severity": "mild", "risk": True}, m
assert m["risk"] is True   # a risk answer is never hidden by the flag sent
assert by[ids["U"]]["check"] == "unknown_measure"
e = by[ids["E"]]; assert e["kind"] == "exercise" and e["record"]["values"]["situation"] == 'Bus, "late", again'
y = by[ids["Y"]]; assert y["kind"] == "reply" and y["record"]["text"] == "Thanks, it helped.\nSecond line"
r2 = by[ids["R2A"]]; assert r2["patient"] == "R2" and r2["device"] == d2 and r2["risk"] is True
assert sum(1 for x in r["results"] if x["patient"] == "R1") == 7
PY
python3 - "$T/all.json" "$T/ids" "$DBAD" "$DFORGE" <<'PY' && ok "results: every bad record quarantined with its reason, never shown as anyone's, with what it shows of risk" || bad "quarantine"
import json, sys
r = json.load(open(sys.argv[1])); ids = dict(l.split() for l in open(sys.argv[2]))
want = {"Q1": "bad_signature", "Q2": "id_mismatch", "Q3": "device_mismatch",
        "Q4": "does_not_open", "Q5": "unsupported_version", "Q6": "malformed",
        "Q7": "malformed", "Q8": "malformed", "QR": "bad_registration",
        "QT": "bad_token_signature"}
got = {x["id"]: x["reason"] for x in r["quarantined"]}
assert got == {ids[k]: v for k, v in want.items()}, got
for x in r["quarantined"]:
    assert set(x) == {"device", "id", "reason", "received_at", "claimed_patient", "risk"}, x
    assert x["claimed_patient"] == "R1" and isinstance(x["received_at"], int), x
# Risk: true when it shows a risk answer, null when it cannot be read far
# enough to tell (it could hold one), false only when it reads and shows none.
risk = {"Q1": None, "Q2": False, "Q3": False, "Q4": None, "Q5": None, "Q6": None,
        "Q7": True, "Q8": None, "QR": True, "QT": True}
assert {x["id"]: x["risk"] for x in r["quarantined"]} == {ids[k]: v for k, v in risk.items()}
assert {x["device"] for x in r["quarantined"] if x["reason"] == "bad_registration"} == {sys.argv[3]}
assert {x["device"] for x in r["quarantined"] if x["reason"] == "bad_token_signature"} == {sys.argv[4]}
shown = {x["id"] for x in r["results"]}
assert not shown & set(got)
PY
grep -qx "10 results, 10 quarantined (.*3 malformed.*); 2 flagged.*" "$T/err" &&
    grep -qx "8 quarantined records show a risk answer or cannot be checked for one: see stepwise-clinic risks." "$T/err" &&
    grep -q "1 bad_registration" "$T/err" && grep -q "1 bad_token_signature" "$T/err" &&
    ok "one-line summary on standard error" || bad "summary" "$(cat "$T/err")"

"$SC" results --dir "$C" --format json --patient R2 >"$T/r2.json" 2>"$T/err"
python3 - "$T/r2.json" "$T/ids" <<'PY' && ok "--patient R2: only R2's records, none of R1's quarantine" || bad "--patient" "$(cat "$T/r2.json")"
import json, sys
r = json.load(open(sys.argv[1])); ids = dict(l.split() for l in open(sys.argv[2]))
assert [x["id"] for x in r["results"]] == [ids[n] for n in ["R2A", "R2B", "R2C"]]
assert r["quarantined"] == []
PY
"$SC" results --dir "$C" --format json --patient R1 >"$T/r1.json" 2>/dev/null
python3 -c '
import json, sys; r = json.load(open(sys.argv[1]))
assert {x["patient"] for x in r["results"]} == {"R1"} and len(r["results"]) == 7
assert len(r["quarantined"]) == 10
assert any(x["kind"] == "reply" for x in r["results"])' "$T/r1.json" && ok "--patient R1: R1's records with the reply, and the records claimed for R1 that failed" || bad "--patient R1"
"$SC" results --dir "$C" --format json --risk >"$T/risk.json" 2>/dev/null
python3 -c '
import json, sys; r = json.load(open(sys.argv[1])); ids = dict(l.split() for l in open(sys.argv[2]))
assert [x["id"] for x in r["results"]] == [ids["R2A"], ids["M"], ids["C"]]' "$T/risk.json" "$T/ids" && ok "--risk: only the risk records" || bad "--risk" "$(cat "$T/risk.json")"

# ---- results as CSV ----
"$SC" results --dir "$C" >"$T/all.csv" 2>/dev/null; st=$?
python3 - "$T/all.csv" "$T/ids" "$t0" <<'PY' && [ $st -eq 0 ] && ok "CSV (RFC 4180): header, rows, quoting, answers, JSON text column" || bad "csv" "$(head -c 2000 "$T/all.csv")"
import csv, io, json, sys
raw = open(sys.argv[1], "rb").read().decode()
ids = dict(l.split() for l in open(sys.argv[2])); t0 = int(sys.argv[3])
assert raw.startswith("patient,device,id,kind,created_at,received_at,measure,total,severity,risk,answers,functional,check,outcome,text\r\n")
assert raw.endswith("\r\n")
rows = list(csv.DictReader(io.StringIO(raw, newline="")))
assert [r["id"] for r in rows] == [ids[n] for n in ["R2A", "M", "C", "A", "B", "E", "R2B", "R2C", "U", "Y"]]
by = {r["id"]: r for r in rows}
import datetime
iso = lambda t: datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
c = by[ids["C"]]
assert c["answers"] == "1 2 1 0 1 2 1 0 1" and c["total"] == "9" and c["severity"] == "mild"
assert c["risk"] == "true" and c["functional"] == "1" and c["check"] == "ok" and c["text"] == ""
assert c["created_at"] == iso(t0 + 100) and c["measure"] == "phq9" and c["patient"] == "R1"
m = by[ids["M"]]; assert m["total"] == "5" and m["check"] == "total_mismatch" and m["risk"] == "true"
b = by[ids["B"]]; assert b["functional"] == "" and b["risk"] == "false"
e = by[ids["E"]]
assert e["kind"] == "exercise" and e["measure"] == "catch-a-thought" and e["total"] == ""
assert json.loads(e["text"]) == {"situation": 'Bus, "late", again', "mood": 70}
y = by[ids["Y"]]; assert json.loads(y["text"]) == "Thanks, it helped.\nSecond line"
assert '"{""situation"":""Bus, \\""late\\"", again""' in raw
u = by[ids["U"]]; assert u["measure"] == "'=k10" and u["severity"] == "'+low" and u["check"] == "unknown_measure"
PY
"$SC" results --dir "$C" --format xml >/dev/null 2>&1; [ $? -eq 2 ] && ok "--format xml is a usage error" || bad "format xml"

# ---- content: --content, then STEPWISE_CONTENT_DIR, then the installed one ----
STEPWISE_CONTENT_DIR=$T/none "$SC" results --dir "$C" --format json >"$T/nc.json" 2>"$T/err"; st=$?
python3 - "$T/nc.json" "$T/ids" <<'PY' && [ $st -eq 1 ] && grep -q "no score was checked" "$T/err" &&
import json, sys
r = json.load(open(sys.argv[1])); ids = dict(l.split() for l in open(sys.argv[2]))
got = [x["id"] for x in r["results"]]
# Risk still first from the records' own flags (M's flag says no risk: only
# its answers, which need the measure, say so); nothing is scored, so Q7's
# answer of 7 cannot be found out of range, and it is listed too.
assert got[:3] == [ids["R2A"], ids["Q7"], ids["C"]], got
assert [x["risk"] for x in r["results"]] == [True] * 3 + [False] * 8
assert len(got) == 11 and {x["check"] for x in r["results"] if x["kind"] == "checkin"} == {"unknown_measure"}
PY
    ok "unusable content: lists what it can, risk first from the records' own flags, then says so and exits 1" || bad "bad content" "$(cat "$T/err")"
STEPWISE_CONTENT_DIR=$T/none "$SC" results --dir "$C" --content "$CONTENT" --format json >"$T/c.json" 2>/dev/null &&
    cmp -s <(python3 -c 'import json,sys; print([x["id"] for x in json.load(open(sys.argv[1]))["results"]])' "$T/c.json") \
	   <(python3 -c 'import json,sys; print([x["id"] for x in json.load(open(sys.argv[1]))["results"]])' "$T/all.json") &&
    ok "--content overrides STEPWISE_CONTENT_DIR" || bad "--content"

# ---- message ----
printf 'Hello R1, "quoted"\nsecond line\n' | "$SC" message --dir "$C" --patient R1 --from "Sam (your supporter)" >"$T/out" 2>"$T/err"; st=$?
[ $st -eq 0 ] && grep -q "on 2 devices" "$T/out" && ok "message to R1 queued on its 2 good devices" || bad "message" "$(cat "$T/out" "$T/err")"
grep -q "$DBAD" "$T/err" && grep -q "$DFORGE" "$T/err" && [ "$(q "SELECT count(*) FROM messages WHERE device IN ('$DBAD','$DFORGE')")" = 0 ] &&
    ok "devices that fail their check get nothing, and the clinic is told" || bad "faulty devices" "$(cat "$T/err")"
for d in d1 d1b; do "$FX" messages "$C" "$T/$d.keys" >"$T/$d.msgs"; done
python3 - "$T/d1.msgs" "$T/d1b.msgs" "$D1" "$D1B" <<'PY' && ok "each device opens its copy, the clinic's signature verifies, plaintext exactly as the page gives" || bad "message rows" "$(cat "$T/d1.msgs")"
import json, sys
a = [json.loads(l) for l in open(sys.argv[1])]; b = [json.loads(l) for l in open(sys.argv[2])]
assert len(a) == 1 and len(b) == 1
for m, dev in ((a[0], sys.argv[3]), (b[0], sys.argv[4])):
    p = m["plain"]
    assert m["signature_ok"] is True and m["seq"] == 1 and m["padded"] % 256 == 0
    want = {"v": 1, "id": m["id"], "device": dev, "sent_at": p["sent_at"], "n": 1,
            "from": "Sam (your supporter)", "text": 'Hello R1, "quoted"\nsecond line'}
    assert m["raw"] == json.dumps(want, separators=(",", ":"), ensure_ascii=False), m["raw"]
assert a[0]["id"] == b[0]["id"]
PY
python3 - "$(clinic_db "$C")" <<'PY' && ok "the database holds no message text in clear" || bad "plaintext in db"
import sys
data = open(sys.argv[1], "rb").read()
assert b"Hello R1" not in data and b"second line" not in data and b"Sam (your" not in data
PY
# The device's check can fail: one changed ciphertext byte.
cp -r "$C" "$T/c2"
sqlite3 "$(clinic_db "$T/c2")" "UPDATE messages SET ciphertext = (CASE WHEN substr(ciphertext, 1, 1) = X'00' THEN X'01' ELSE X'00' END) || substr(ciphertext, 2) WHERE device = '$D1'"
"$FX" messages "$T/c2" "$T/d1.keys" | python3 -c 'import json,sys; m=json.loads(sys.stdin.readline()); assert m["signature_ok"] is False and m["plain"] is None' &&
    ok "a changed message byte fails the device's check" || bad "tamper check"
echo 'Second note' | "$SC" message --dir "$C" --patient R1 >/dev/null 2>&1
[ "$(q "SELECT group_concat(seq) FROM (SELECT seq FROM messages WHERE device = '$D1' ORDER BY seq)")" = "1,2" ] &&
    [ "$(q "SELECT count(DISTINCT id) FROM messages")" = 2 ] && ok "a second message takes the next seq on each device" || bad "seq"
"$FX" messages "$C" "$T/d1.keys" | tail -1 | python3 -c 'import json,sys; p=json.loads(sys.stdin.read())["plain"]; assert "from" not in p and p["text"] == "Second note"' &&
    ok "--from is optional" || bad "no from"

before=$(q 'SELECT count(*) FROM messages')
nomsg() { # NAME EXPECTED-STATUS GREP -- args; stdin is the text
	local name=$1 want=$2 pat=$3; shift 3
	"$SC" message --dir "$C" "$@" >/dev/null 2>"$T/err"; local st=$?
	if [ $st -eq "$want" ] && grep -qi -- "$pat" "$T/err" && [ "$(q 'SELECT count(*) FROM messages')" = "$before" ]; then
		ok "$name"
	else
		bad "$name (status $st)" "$(cat "$T/err")"
	fi
}
# (nomsg reads a redirection, not a pipe: a pipe would run it in a subshell
# and lose its count.)
head -c 16385 /dev/zero | tr '\0' a >"$T/long"
printf 'caf\xe9\n' >"$T/latin1"
nomsg "unknown patient: refused, nothing stored" 1 "no enrolled device" --patient R9 <<<hi
nomsg "patient who has not enrolled: refused" 1 "no enrolled device" --patient R3 <<<hi
nomsg "empty message refused" 1 "empty" --patient R1 </dev/null
nomsg "a lone new line is empty" 1 "empty" --patient R1 <<<""
nomsg "16385 bytes refused" 1 "too long" --patient R1 <"$T/long"
nomsg "invalid UTF-8 refused" 1 "UTF-8" --patient R1 <"$T/latin1"
nomsg "--patient is needed" 2 "patient" <<<hi
nomsg "a sender name on two lines is refused" 2 "one line" --patient R1 --from "$(printf 'Sam\nX')" <<<hi
{ head -c 16384 /dev/zero | tr '\0' a; echo; } | "$SC" message --dir "$C" --patient R2 >/dev/null 2>"$T/err" &&
    [ "$("$FX" messages "$C" "$T/d2.keys" | python3 -c 'import json,sys; print(len(json.loads(sys.stdin.readline())["plain"]["text"]))')" = 16384 ] &&
    ok "16384 bytes (and its new line) accepted" || bad "16384" "$(cat "$T/err")"

# ---- messages: the conversation ----
"$FX" seen "$C" "$T/d1.keys" $((t0 + 500)) 1
"$SC" messages --dir "$C" --patient R1 --format json >"$T/talk.json" 2>"$T/err"; st=$?
python3 - "$T/talk.json" "$T/ids" "$D1" <<'PY' && [ $st -eq 0 ] && ok "messages: sent messages (from the clinic's copy) and replies, by time, with how many devices fetched each" || bad "messages json" "$(cat "$T/talk.json" "$T/err")"
import json, sys
t = json.load(open(sys.argv[1])); ids = dict(l.split() for l in open(sys.argv[2]))
assert t["patient"] == "R1"
m = t["messages"]
assert [x["direction"] for x in m] == ["from_patient", "to_patient", "to_patient"], m
assert m[0]["id"] == ids["Y"] and m[0]["text"] == "Thanks, it helped.\nSecond line" and m[0]["device"] == sys.argv[3]
assert m[0]["in_reply_to"] == "0123456789abcdef0123456789abcdef"
assert m[1]["text"] == 'Hello R1, "quoted"\nsecond line' and m[1]["from"] == "Sam (your supporter)"
assert m[1]["devices"] == 2 and m[1]["fetched"] == 1 and "delivered" not in m[1]
assert m[2]["text"] == "Second note" and m[2]["fetched"] == 0
assert m[0]["at"] <= m[1]["at"] <= m[2]["at"]
PY
"$SC" messages --dir "$C" --patient R1 >"$T/talk.txt" 2>&1
grep -q "from Sam (your supporter)" "$T/talk.txt" && grep -q "^    second line$" "$T/talk.txt" && grep -q "in reply to 0123456789abcdef" "$T/talk.txt" &&
    grep -q "; fetched by 1 of 2 devices\]$" "$T/talk.txt" && ! grep -q delivered "$T/talk.txt" &&
    ok "messages as text" || bad "messages text" "$(cat "$T/talk.txt")"
# A clinic copy that does not open is not shown, and the clinic is told.
sqlite3 "$(clinic_db "$T/c2")" "UPDATE messages SET clinic_copy = (CASE WHEN substr(clinic_copy, 1, 1) = X'00' THEN X'01' ELSE X'00' END) || substr(clinic_copy, 2) WHERE device = '$D1B'"
"$SC" messages --dir "$T/c2" --patient R1 --format json >"$T/talk2.json" 2>"$T/err"
python3 -c 'import json,sys; m=json.load(open(sys.argv[1]))["messages"]; assert [x["direction"] for x in m] == ["from_patient"], m' "$T/talk2.json" &&
    grep -q "failed" "$T/err" && ok "messages: a message whose signature or copy fails is not shown" || bad "tampered copy" "$(cat "$T/talk2.json" "$T/err")"
# The server's device row moved to another patient: the token row the clinic
# signed still says R1, so the device's records are nobody's.
sqlite3 "$(clinic_db "$T/c2")" "UPDATE devices SET patient = 'R2' WHERE device = '$D1'"
"$SC" results --dir "$T/c2" --format json >"$T/moved.json" 2>/dev/null
python3 - "$T/moved.json" "$D1" <<'PY' && ok "a device row whose patient differs from the signed token row: its records are quarantined" || bad "patient_mismatch" "$(cat "$T/moved.json")"
import json, sys
r = json.load(open(sys.argv[1])); d1 = sys.argv[2]
assert not [x for x in r["results"] if x["device"] == d1]
assert [x["reason"] for x in r["quarantined"] if x["device"] == d1] == ["patient_mismatch"] * 15
PY

# ---- patients ----
"$SC" patients --dir "$C" --format json >"$T/p.json" 2>"$T/err"; st=$?
python3 - "$T/p.json" "$T/ids" "$t0" "$DBAD" "$DFORGE" <<'PY' && [ $st -eq 0 ] && ok "patients json: devices, contact, records, messages, latest PHQ-9 and GAD-7, risk, unused token" || bad "patients json" "$(cat "$T/p.json" "$T/err")"
import json, sys, time
p = json.load(open(sys.argv[1])); ids = dict(l.split() for l in open(sys.argv[2])); t0 = int(sys.argv[3])
by = {x["patient"]: x for x in p["patients"]}
assert sorted(by) == ["R1", "R2", "R3"]
r1 = by["R1"]
assert r1["devices"] == 2 and r1["active_devices"] == 2 and r1["revoked_devices"] == 0
assert r1["records"] == 7 and r1["last_contact"] == t0 + 500
assert r1["messages"] == {"sent": 2, "delivered": 1, "waiting": 1}
assert r1["latest"]["phq9"]["total"] == 9 and r1["latest"]["phq9"]["severity"] == "mild"
assert r1["latest"]["phq9"]["id"] == ids["C"] and r1["latest"]["phq9"]["created_at"] == t0 + 100
assert r1["latest"]["gad7"]["total"] == 3 and r1["latest"]["gad7"]["id"] == ids["B"]
assert r1["risk"] is True and r1["open_risks"] == 2 and r1["enrollment_pending"] is None
r2 = by["R2"]
# R2's later PHQ-9 without risk does not close the risk of R2A: only an
# acknowledgement does.
assert r2["latest"]["phq9"]["id"] == ids["R2C"] and r2["risk"] is True and r2["open_risks"] == 1
assert r2["latest"]["gad7"]["total"] == 21 and r2["latest"]["gad7"]["severity"] == "severe"
assert r2["messages"] == {"sent": 1, "delivered": 0, "waiting": 1}
r3 = by["R3"]
assert r3["devices"] == 0 and r3["records"] == 0 and r3["registered_at"] is None
assert r3["enrollment_pending"]["expired"] is False
assert abs(r3["enrollment_pending"]["expires_at"] - (time.time() + 14 * 86400)) < 600
assert {(d["device"], d["reason"]) for d in p["failed_devices"]} == {(sys.argv[4], "bad_registration"), (sys.argv[5], "bad_token_signature")}
assert p["quarantined_risks"] == 8
PY
grep -q "10 records quarantined" "$T/err" && ok "patients says how many records were quarantined" || bad "patients stderr" "$(cat "$T/err")"
grep -q "1 enrollment token failed" "$T/err" && ok "a token row the clinic did not sign is not shown as a pending enrollment" || bad "forged token" "$(cat "$T/err")"
"$SC" patients --dir "$C" >"$T/p.txt" 2>/dev/null
exp=$(date -d @$(( $(date +%s) + 14 * 86400 )) +%Y-%m-%d)
grep -q "enrollment file not used yet, expires $exp" "$T/p.txt" && grep -q "PHQ-9: 9 Mild" "$T/p.txt" &&
    [ "$(grep -c RISK "$T/p.txt")" = 2 ] && grep -q "RISK: 2 open risks, the newest received" "$T/p.txt" &&
    grep -q "RISK: 1 open risk, received" "$T/p.txt" &&
    ok "patients as text (open risk flags until acknowledged, the unused enrollment file)" || bad "patients text" "$(cat "$T/p.txt")"

# ---- revoke ----
"$SC" revoke --dir "$C" --device "$D2" >"$T/out" 2>&1; st=$?
[ $st -eq 0 ] && [ "$(q "SELECT revoked_at IS NOT NULL AND abs(revoked_at - strftime('%s','now')) < 60 FROM devices WHERE device = '$D2'")" = 1 ] &&
    [ "$(q "SELECT count(*) FROM devices WHERE revoked_at IS NOT NULL")" = 1 ] && ok "revoke sets revoked_at on that device only" || bad "revoke" "$(cat "$T/out")"
before=$(q 'SELECT count(*) FROM messages')
nomsg "no message to a patient whose devices are all revoked" 1 "revoked" --patient R2 <<<hi
"$SC" revoke --dir "$C" --device "$D2" >"$T/out" 2>&1 && grep -q "already revoked" "$T/out" && ok "revoking twice says so" || bad "revoke twice"
"$SC" revoke --dir "$C" --device 0123456789abcdef0123456789abcdef >/dev/null 2>&1; [ $? -eq 1 ] && ok "revoke of an unknown device fails" || bad "revoke unknown"
"$SC" revoke --dir "$C" --device XYZ >/dev/null 2>&1; [ $? -eq 2 ] && ok "revoke of a malformed id is a usage error" || bad "revoke malformed"
"$SC" revoke --dir "$C" --device "$D1B" >/dev/null 2>&1
echo 'Third' | "$SC" message --dir "$C" --patient R1 >"$T/out" 2>/dev/null
grep -q "on 1 device" "$T/out" && [ "$(q "SELECT count(*) FROM messages WHERE device = '$D1B'")" = 2 ] &&
    ok "a revoked device gets no new message" || bad "revoked device messaged" "$(cat "$T/out")"
"$SC" patients --dir "$C" --format json 2>/dev/null | python3 -c '
import json, sys; p = {x["patient"]: x for x in json.load(sys.stdin)["patients"]}
assert p["R1"]["active_devices"] == 1 and p["R1"]["revoked_devices"] == 1
assert p["R2"]["active_devices"] == 0' && ok "patients shows revoked devices" || bad "patients revoked"
"$SC" results --dir "$C" --format json 2>/dev/null | python3 -c '
import json, sys; assert len(json.load(sys.stdin)["results"]) == 10' && ok "records received before a revocation are still shown" || bad "results after revoke"

# ---- the real server refuses a revoked device ----
"$SC" serve --dir "$C" --listen 127.0.0.1:0 >"$T/serve.out" 2>"$T/serve.err" &
spid=$!
for i in $(seq 50); do grep -q listening "$T/serve.out" && break; sleep 0.1; done
port=$(sed -n 's|^listening on http://127.0.0.1:||p' "$T/serve.out")
post() { # KEYS: one fresh record from that device; prints the status
	phq 0,0,0,0,0,0,0,0,0 0 minimal Minimal false | "$FX" record "$C" "$T/$1.keys" checkin $((t0 + 900)) post >"$T/body"
	curl -s -o "$T/resp" -w '%{http_code}' -H 'Content-Type: application/json' -H 'Expect:' \
	    --data-binary @"$T/body" "http://127.0.0.1:$port/v1/records"
}
if [ -n "$port" ]; then
	st=$(post d2)
	[ "$st" = 403 ] && grep -q '"device_revoked"' "$T/resp" && ok "serve answers 403 device_revoked to the revoked device" || bad "revoked upload ($st)" "$(cat "$T/resp" "$T/serve.err")"
	st=$(post d1)
	[ "$st" = 200 ] && ok "and 200 to the active one" || bad "active upload ($st)" "$(cat "$T/resp")"
else
	bad "serve did not start" "$(cat "$T/serve.err")"
fi
kill "$spid" 2>/dev/null; wait "$spid" 2>/dev/null
"$SC" results --dir "$C" --format json 2>/dev/null | python3 -c '
import json, sys; r = json.load(sys.stdin)["results"]
assert len(r) == 11 and sum(1 for x in r if x["patient"] == "R2") == 3' && ok "the record the server took is listed; nothing from the revoked device" || bad "results after serve"

# ---- the secret keys are needed, and usage ----
mv "$C/box.sk" "$C/box.sk.away"
"$SC" results --dir "$C" >/dev/null 2>"$T/err"; [ $? -eq 1 ] && grep -q "box.sk" "$T/err" && ok "results without the secret key fails clearly" || bad "no key" "$(cat "$T/err")"
echo hi >"$T/hi"
"$SC" message --dir "$C" --patient R1 <"$T/hi" >/dev/null 2>&1; [ $? -eq 1 ] && ok "message without the secret keys fails" || bad "message no key"
mv "$C/box.sk.away" "$C/box.sk"
"$SC" --help | grep -q "messages --patient REF" && ok "--help lists messages" || bad "--help"
"$SC" results --dir "$T/nowhere" >/dev/null 2>"$T/err"; [ $? -eq 1 ] && grep -q "stepwise-clinic init" "$T/err" && ok "not a clinic folder" || bad "nowhere"

# ---- records made in the same second are listed in the order they came ----
for z in Z1 Z2 Z3 Z4 Z5 Z6; do
	echo "{\"text\":\"same second $z\",\"written_at\":\"2026-11-22T10:00:00Z\"}" | rec "$z" d1 reply $((t0 + 5000))
done
"$SC" results --dir "$C" --patient R1 --format json 2>/dev/null | python3 -c '
import json, sys
t = [x["record"]["text"] for x in json.load(sys.stdin)["results"] if x["kind"] == "reply" and x["created_at"] > 0 and "same second" in x["record"]["text"]]
assert t == ["same second Z%d" % i for i in range(1, 7)], t' &&
    ok "six replies made in the same second are listed in the order they arrived" || bad "same-second order"

# ---- a field name the device wrote is text from outside too ----
# A shared entry whose field name holds an escape (a device of another
# make could send one): review prints it made harmless, as it does values.
printf '{"exercise":"catch-a-thought","values":{"sit\033[2Juation":"ok"},"completed_at":"2026-11-22T10:00:00Z"}' |
    rec EF d2 exercise $((t0 + 6000))
"$SC" review --dir "$C" --patient R2 >"$T/review-esc" 2>&1
grep -q "situation\|sit?\[2Juation" "$T/review-esc" && ! grep -q $'\033' "$T/review-esc" &&
    ok "review: an entry's field name with an escape is shown harmless" || bad "review: field name escape" "$(cat -v "$T/review-esc" | tail -5)"

# ---- version 3 records, as devices make them now ----
# Each device's records open with the key it shares with the clinic,
# made once for the device: two devices, each with its own records, all
# believed and each the right patient's; one the server lost shows as a
# gap; a record whose bytes were swapped for another's is quarantined.
C3=$T/c3
"$SC" init "$C3" --name "Riverside" >/dev/null &&
    "$SC" enroll --dir "$C3" --patient V1 -o "$T/v1.json" >/dev/null &&
    "$SC" enroll --dir "$C3" --patient V2 -o "$T/v2.json" >/dev/null &&
    "$FX" device "$C3" "$T/v1.json" "$T/e1.keys" >/dev/null &&
    "$FX" device "$C3" "$T/v2.json" "$T/e2.keys" >/dev/null || { echo "v3 clinic failed"; exit 1; }
: >"$T/ids3"
rec3() { # NAME KEYS CREATED <<< JSON
	local id
	id=$("$FX" record "$C3" "$T/$2.keys" checkin "$3" v3) || { echo "fixture v3 record $1 failed"; exit 1; }
	echo "$1 $id" >>"$T/ids3"
}
phq 1,1,1,1,0,0,0,0,0 4 minimal Minimal false | rec3 F1 e1 $((t0 + 1))
phq 2,2,2,1,0,0,0,0,0 7 mild Mild false | rec3 F2 e1 $((t0 + 2))
gad 1,1,1,1,1,1,1 7 mild Mild | rec3 F3 e1 $((t0 + 3))
phq 3,3,3,3,3,3,0,0,0 18 moderately_severe "Moderately severe" false | rec3 G1 e2 $((t0 + 4))
gad 3,3,3,3,3,3,3 21 severe Severe | rec3 G2 e2 $((t0 + 5))
[ "$(sqlite3 "$(clinic_db "$C3")" 'SELECT count(*) FROM records WHERE v = 3 AND length(signature) = 0')" = 5 ] &&
    [ "$(sqlite3 "$(clinic_db "$C3")" 'SELECT count(*) FROM runs')" = 5 ] &&
    ok "fixture stored 5 version 3 records, each with its run" || bad "fixture v3 records"
v3check() { # the checks: NAME=check patient total, one per line
	"$SC" results --dir "$C3" --format json 2>"$T/err3" | python3 -c '
import json, sys
ids = {v: k for k, v in (l.split() for l in open(sys.argv[1]))}
r = json.load(sys.stdin)
for x in r["results"]:
    print(ids[x["id"]], x["check"], x["patient"], x["record"]["total"])
for x in r["quarantined"]:
    print(ids[x["id"]], x["reason"])
for g in r["gaps"]:
    print("gap", g["patient"], g["highest"], g["missing"])' "$T/ids3" | sort
}
got=$(v3check)
want="F1 ok V1 4
F2 ok V1 7
F3 ok V1 7
G1 ok V2 18
G2 ok V2 21"
[ "$got" = "$want" ] && ok "version 3: every record of two devices opens with its own device's key" ||
    bad "version 3 records" "$got
$(cat "$T/err3")"
F2=$(awk '$1 == "F2" { print $2 }' "$T/ids3") F3=$(awk '$1 == "F3" { print $2 }' "$T/ids3")
G1=$(awk '$1 == "G1" { print $2 }' "$T/ids3")
sqlite3 "$(clinic_db "$C3")" "DELETE FROM records WHERE id = '$F2'"
got=$(v3check)
want="F1 ok V1 4
F3 ok V1 7
G1 ok V2 18
G2 ok V2 21
gap V1 3 [2]"
[ "$got" = "$want" ] && ok "version 3: a record the server lost is a gap, the rest believed" ||
    bad "version 3 lost" "$got
$(cat "$T/err3")"
sqlite3 "$(clinic_db "$C3")" "UPDATE records SET ciphertext = (SELECT ciphertext FROM records WHERE id = '$G1') WHERE id = '$F3'"
got=$(v3check)
want="F1 ok V1 4
F3 bad_signature
G1 ok V2 18
G2 ok V2 21"
[ "$got" = "$want" ] && ok "version 3: a record with another's bytes is quarantined, the rest believed" ||
    bad "version 3 swapped" "$got
$(cat "$T/err3")"
# Enough runs that their signatures are checked by more than one thread
# (parallel_for shares out 32 or more to a thread): every one still holds.
for i in $(seq 66); do
	gad 1,0,1,0,1,0,1 4 minimal Minimal | rec3 "H$i" e2 $((t0 + 10 + i))
done
got=$(v3check | awk '{ print $2, $3 }' | sort | uniq -c | sed 's/^ *//')
want="1 bad_signature 
1 ok V1
68 ok V2"
[ "$got" = "$want" ] && ok "version 3: 71 runs checked on several threads, each believed or not as alone" ||
    bad "version 3 many runs" "$got
$(cat "$T/err3")"
# Gaps on two devices: each its own numbers missing, listed in the order
# the devices' first records came (e2's before e3's, e3's device newer).
"$SC" enroll --dir "$C3" --patient V3 -o "$T/v3.json" >/dev/null &&
    "$FX" device "$C3" "$T/v3.json" "$T/e3.keys" >/dev/null || { echo "v3 third device failed"; exit 1; }
for i in 1 2 3; do
	gad 1,0,1,0,1,0,1 4 minimal Minimal | rec3 "K$i" e3 $((t0 + 100 + i))
done
for x in H10 K2; do
	sqlite3 "$(clinic_db "$C3")" "DELETE FROM records WHERE id = '$(awk -v x=$x '$1 == x { print $2 }' "$T/ids3")'"
done
got=$("$SC" results --dir "$C3" --format json 2>/dev/null | python3 -c '
import json, sys
for g in json.load(sys.stdin)["gaps"]:
    print(g["patient"], g["highest"], g["missing"])')
want="V2 68 [12]
V3 3 [2]"
[ "$got" = "$want" ] && ok "version 3: gaps on two devices, each its own, in the order the devices came" ||
    bad "version 3 gaps on two devices" "$got"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
