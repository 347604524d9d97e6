#!/bin/bash
# test_keys.sh: the clinic's public keys are derived from its secret keys,
# never trusted from box.pk and sign.pk (stepwise-clinic(8), FILES). With
# another clinic's public keys renamed over them, as the server's account
# could do in a folder it can write, every command that holds the keys
# refuses, names the file, and shows, writes and queues nothing: the
# attacker's token rows, device and forged check-in are never believed.
#   test_keys.sh STEPWISE-CLINIC SW-CLINIC-FIXTURE CONTENT-DIR
set -u
SC=$1 FX=$2 CONTENT=$3
T=$(mktemp -d --suffix=.stepwise-keys)
trap 'rm -rf "$T"' EXIT
export TZ=UTC STEPWISE_CONTENT_DIR=$CONTENT LC_ALL=C.UTF-8
pass=0 fail=0
ok()  { pass=$((pass + 1)); echo "ok - $1"; }
bad() { fail=$((fail + 1)); echo "FAIL - $1"; [ -n "${2:-}" ] && echo "$2" | sed 's/^/    /' | head -30; }
C=$T/c

"$SC" init "$C" --name Riverside >/dev/null &&
"$SC" init "$T/evil" --name Riverside --url https://evil.example >/dev/null &&
"$SC" enroll --dir "$C" --patient R1 -o "$T/r1.json" >/dev/null || { echo "init or enroll failed"; exit 1; }
D1=$("$FX" device "$C" "$T/r1.json" "$T/d1.keys") || { echo "fixture device failed"; exit 1; }
t0=$(( $(date +%s) - 100000 ))
phq() { # answers total severity label risk
	echo "{\"measure\":\"phq9\",\"answers\":[$1],\"functional\":1,\"total\":$2,\"severity\":\"$3\",\"severity_label\":\"$4\",\"risk\":$5,\"completed_at\":\"2026-11-22T10:00:00Z\",\"completed_ts\":$t0}"
}
phq 1,1,1,0,0,0,0,0,2 5 mild Mild true | "$FX" record "$C" "$T/d1.keys" checkin $((t0 + 10)) >/dev/null &&
# What the server's account plants once it has swapped the keys: a token
# row for R9 signed with the attacker's key, a device registered with it,
# and a check-in sealed to the clinic's (public) box key that says R9 is
# well, scored right.
SW_FIXTURE_SIGN_SK=$T/evil/sign.sk "$FX" forged "$C" R9 "$T/d9.keys" >/dev/null &&
phq 0,0,0,0,0,0,0,0,0 0 minimal Minimal false | "$FX" record "$C" "$T/d9.keys" checkin $((t0 + 20)) >/dev/null ||
    { echo "fixture records failed"; exit 1; }
"$SC" results --dir "$C" --format json >"$T/before.json" 2>/dev/null &&
python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
assert [x["patient"] for x in r["results"]] == ["R1"], r
assert len(r["quarantined"]) == 1, r' "$T/before.json" &&
    ok "with the clinic's own keys, the planted R9 check-in is quarantined" || bad "before the swap" "$(cat "$T/before.json")"

# The swap: rename the attacker's public keys over the clinic's.
cp "$C/box.pk" "$T/real.box.pk" && cp "$C/sign.pk" "$T/real.sign.pk" &&
cp "$T/evil/box.pk" "$C/.box.pk" && mv -f "$C/.box.pk" "$C/box.pk" &&
cp "$T/evil/sign.pk" "$C/.sign.pk" && mv -f "$C/.sign.pk" "$C/sign.pk" || { echo "swap failed"; exit 1; }
tokens=$(sqlite3 "$C/clinic.db" 'SELECT count(*) FROM tokens')
messages=$(sqlite3 "$C/clinic.db" 'SELECT count(*) FROM messages')
acks=$(sqlite3 "$C/clinic.db" 'SELECT count(*) FROM acks')
# refused NAME COMMAND...: exit 1, one line naming box.pk, nothing on stdout.
refused() {
	local name=$1 st
	shift
	"$@" >"$T/out" 2>"$T/err" </dev/null; st=$?
	[ $st -eq 1 ] && grep -q "box.pk is not the public key of the clinic's secret key" "$T/err" &&
	    [ "$(wc -l <"$T/err")" = 1 ] && [ ! -s "$T/out" ] &&
	    ok "$name refuses a folder whose box.pk is not the clinic's" || bad "$name after the swap: status $st" "$(cat "$T/out" "$T/err")"
}
refused "results" "$SC" results --dir "$C"
refused "results --format json" "$SC" results --dir "$C" --format json
refused "patients" "$SC" patients --dir "$C"
refused "risks" "$SC" risks --dir "$C"
refused "messages" "$SC" messages --dir "$C" --patient R9
refused "enroll" "$SC" enroll --dir "$C" --patient R2 -o "$T/r2.json"
refused "message" sh -c 'echo "Hello from the clinic" | "$0" message --dir "$1" --patient R9' "$SC" "$C"
refused "ack" "$SC" ack --dir "$C" --patient R1 --as "Sam Jones" --note "Rang, safe."
refused "watch" "$SC" watch --dir "$C" --once --exec /bin/true
refused "revoke" "$SC" revoke --dir "$C" --device "$D1"
[ ! -e "$T/r2.json" ] && [ "$(sqlite3 "$C/clinic.db" 'SELECT count(*) FROM tokens')" = "$tokens" ] &&
    [ "$(sqlite3 "$C/clinic.db" 'SELECT count(*) FROM messages')" = "$messages" ] &&
    [ "$(sqlite3 "$C/clinic.db" 'SELECT count(*) FROM acks')" = "$acks" ] &&
    [ -z "$(sqlite3 "$C/clinic.db" 'SELECT revoked_at FROM devices WHERE revoked_at IS NOT NULL')" ] &&
    ok "and nothing was written: no enrollment file, token, message, acknowledgement or revocation" || bad "something written after the swap"
# sign.pk alone swapped (box.pk put back) is refused by name too.
cp "$T/real.box.pk" "$C/box.pk"
"$SC" results --dir "$C" >"$T/out" 2>"$T/err"; st=$?
[ $st -eq 1 ] && grep -q "sign.pk is not the public key of the clinic's secret key" "$T/err" && [ ! -s "$T/out" ] &&
    ok "a swapped sign.pk alone is refused, named" || bad "sign.pk alone: $st" "$(cat "$T/out" "$T/err")"
# With both put back the commands work again, and R9 stays quarantined.
cp "$T/real.sign.pk" "$C/sign.pk"
"$SC" results --dir "$C" --format json >"$T/after.json" 2>"$T/err" && cmp -s "$T/before.json" "$T/after.json" &&
    ok "with the clinic's own public keys back, results is as before" || bad "after restoring" "$(cat "$T/err")"
# A sign.sk whose inner copy of the public key is not its own is damaged.
cp -a "$C" "$T/c2"
python3 -c '
import sys
p = sys.argv[1]; b = bytearray(open(p, "rb").read()); b[40] ^= 1
open(p, "wb").write(bytes(b))' "$T/c2/sign.sk"
"$SC" patients --dir "$T/c2" >"$T/out" 2>"$T/err"; st=$?
[ $st -eq 1 ] && grep -q "sign.sk is damaged" "$T/err" && ok "a damaged sign.sk is refused" || bad "damaged sign.sk: $st" "$(cat "$T/err")"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ] && [ $pass -gt 0 ]
