#!/bin/bash
# test_keys.sh: the clinic's public keys are derived from its secret keys,
# never trusted from box.pk and sign.pk (stepwise-clinic(8), FILES). With
# another clinic's public keys renamed over them, as the server's account
# could do in a folder it can write, every command that holds the keys
# refuses, names the file, and shows, writes and queues nothing: the
# attacker's token rows, device and forged check-in are never believed.
# The folder, its keys and clinic.json are used only when no other account
# can write them, so enroll never copies another account's address or
# crisis numbers into an enrollment file; the database is opened without
# following a symbolic link the server's account could plant; and a folder
# of the old layout (clinic.db beside the keys) is refused until the
# one-time stepwise-clinic upgrade has moved it.
#   test_keys.sh STEPWISE-CLINIC SW-CLINIC-FIXTURE CONTENT-DIR
set -u
SC=$1 FX=$2 CONTENT=$3
. "$(dirname "$0")/../tools/clinic.sh"
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
q() { sqlite3 "$(clinic_db "$C")" "$1"; }
tokens=$(q 'SELECT count(*) FROM tokens')
messages=$(sqlite3 "$(clinic_db "$C")" 'SELECT count(*) FROM messages')
acks=$(sqlite3 "$(clinic_db "$C")" 'SELECT count(*) FROM acks')
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
[ ! -e "$T/r2.json" ] && [ "$(sqlite3 "$(clinic_db "$C")" 'SELECT count(*) FROM tokens')" = "$tokens" ] &&
    [ "$(sqlite3 "$(clinic_db "$C")" 'SELECT count(*) FROM messages')" = "$messages" ] &&
    [ "$(sqlite3 "$(clinic_db "$C")" 'SELECT count(*) FROM acks')" = "$acks" ] &&
    [ -z "$(sqlite3 "$(clinic_db "$C")" 'SELECT revoked_at FROM devices WHERE revoked_at IS NOT NULL')" ] &&
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


# ---- what else in the folder is trusted ----
# refused_for WHY-PATTERN NAME COMMAND...: exit 1 naming why, no output.
refused_for() {
	local pat=$1 name=$2 st
	shift 2
	"$@" >"$T/out" 2>"$T/err" </dev/null; st=$?
	[ $st -eq 1 ] && grep -q -e "$pat" "$T/err" && [ ! -s "$T/out" ] &&
	    ok "$name" || bad "$name: status $st" "$(cat "$T/out" "$T/err")"
}
cp "$C/clinic.json" "$T/clinic.json.orig"
python3 - "$C/clinic.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["url"] = "https://evil.example"
c["crisis"] = [{"name": "Crisis line", "phone": "0900 000000"}]
json.dump(c, open(sys.argv[1], "w"))
PY
chmod 664 "$C/clinic.json"
refused_for "clinic.json can be written by other accounts (mode 0664)" \
    "enroll refuses a clinic.json that other accounts can write" "$SC" enroll --dir "$C" --patient R3 -o "$T/r3.json"
[ ! -e "$T/r3.json" ] && [ "$(q 'SELECT count(*) FROM tokens')" = "$tokens" ] &&
    ok "and writes no enrollment file with its address or numbers, and no token" || bad "enroll wrote from a shared clinic.json"
cp "$T/clinic.json.orig" "$C/clinic.json"
chmod 644 "$C/clinic.json"
# Keys never come from clinic.json, even the admin's.
python3 - "$C/clinic.json" "$T/evil/box.pk" <<'PY'
import base64, json, sys
c = json.load(open(sys.argv[1]))
c["clinic_box_pk"] = base64.urlsafe_b64encode(open(sys.argv[2], "rb").read()).decode().rstrip("=")
json.dump(c, open(sys.argv[1], "w"))
PY
refused_for 'clinic.json: \$.clinic_box_pk: is not a known field' \
    "enroll refuses a clinic.json that names a key" "$SC" enroll --dir "$C" --patient R3 -o "$T/r3.json"
cp "$T/clinic.json.orig" "$C/clinic.json"
"$SC" enroll --dir "$C" --patient R3 -o "$T/r3.json" >/dev/null 2>"$T/err" &&
python3 -c '
import base64, json, sys
e = json.load(open(sys.argv[1])); d = sys.argv[2]
b = lambda s: base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))
assert e["url"] == "http://127.0.0.1:8470" and e["crisis"] == []
assert b(e["clinic_box_pk"]) == open(d + "/box.pk", "rb").read() != open(d + "/../evil/box.pk", "rb").read()' "$T/r3.json" "$C" &&
    ok "the admin's own clinic.json and keys go into the file" || bad "enroll with the admin's clinic.json" "$(cat "$T/err")"
# The old documented deployment, chmod 770: the server's account could
# rename anything in the folder, so nothing in it is trusted.
chmod 770 "$C"
for cmd in "results" "patients" "risks" "enroll --patient R4 -o $T/r4.json"; do
	refused_for "can be written by other accounts (mode 0770)" "${cmd%% *} refuses a folder other accounts can write" "$SC" $cmd --dir "$C"
done
chmod 700 "$C"
chmod 620 "$C/sign.sk"
refused_for "sign.sk can be written by other accounts" "a secret key other accounts can write is refused" "$SC" results --dir "$C"
chmod 600 "$C/sign.sk"
if [ "$(id -u)" = 0 ]; then
	chown 65534 "$C/box.pk"
	refused_for "box.pk belongs to another account (uid 65534)" "a key file that belongs to another account is refused" "$SC" results --dir "$C"
	chown 0 "$C/box.pk"
fi

# ---- the database, in a folder the server's account may own ----
[ "$(stat -c %a "$C/db")" = 700 ] && [ "$(stat -c %a "$(clinic_db "$C")")" = 600 ] && [ ! -e "$C/clinic.db" ] &&
    ok "init put the database in db/ (0700, clinic.db 0600), nothing beside the keys" || bad "layout" "$(ls -la "$C" "$C/db")"
# Symbolic links the server's account could leave in db/: the database's
# log, index and the database itself pointing at a file of the admin's.
printf 'the admin'"'"'s file\n' >"$T/victim"
for f in clinic.db-wal clinic.db-shm; do
	ln -s "$T/victim" "$C/db/$f"
	"$SC" results --dir "$C" >"$T/out" 2>"$T/err"; st=$?
	[ $st -eq 1 ] && [ "$(cat "$T/victim")" = "the admin's file" ] && [ ! -s "$T/out" ] &&
	    ok "a symbolic link as db/$f is not followed: the command fails, the file it names is untouched" ||
	    bad "db/$f as a link: status $st, victim: $(cat "$T/victim" | head -c 100)" "$(cat "$T/err")"
	rm -f "$C/db/$f"
done
mv "$(clinic_db "$C")" "$T/real.db" && ln -s "$T/real.db" "$(clinic_db "$C")"
refused_for "clinic.db is not a regular file" "db/clinic.db as a symbolic link is not opened" "$SC" results --dir "$C"
rm "$(clinic_db "$C")" && mv "$T/real.db" "$(clinic_db "$C")"
"$SC" results --dir "$C" --format json >"$T/after2.json" 2>"$T/err" && cmp -s "$T/before.json" "$T/after2.json" &&
    ok "and with the links gone the database is whole" || bad "after the links" "$(cat "$T/err")"

# ---- the old layout and its one-time move ----
mv "$(clinic_db "$C")" "$C/clinic.db" && rmdir "$C/db" && chmod 770 "$C" && chgrp 0 "$C" || { echo "old layout failed"; exit 1; }
for cmd in results patients risks serve "enroll --patient R5 -o $T/r5.json"; do
	refused_for "keeps its database beside the keys.*stepwise-clinic upgrade --dir" \
	    "${cmd%% *} refuses a folder of the old layout, saying to run upgrade" "$SC" $cmd --dir "$C"
done
# While another process has the database open, nothing is moved.
python3 - "$C/clinic.db" "$T/held" <<'PY' &
import os, sqlite3, sys, time
c = sqlite3.connect(sys.argv[1]); c.execute("PRAGMA journal_mode=WAL")
c.execute("BEGIN"); c.execute("SELECT count(*) FROM tokens").fetchall()
open(sys.argv[2], "w").close()
time.sleep(30)
PY
holder=$!
for _ in $(seq 100); do [ -e "$T/held" ] && break; sleep 0.1; done
"$SC" upgrade --dir "$C" >"$T/out" 2>"$T/err"; st=$?
kill $holder 2>/dev/null; wait $holder 2>/dev/null
[ $st -eq 1 ] && grep -q "is in use" "$T/err" && [ -e "$C/clinic.db" ] && [ ! -e "$C/db" ] &&
    ok "upgrade refuses while another process has the database open, and moves nothing" || bad "upgrade while open: $st" "$(cat "$T/out" "$T/err")"
"$SC" upgrade --dir "$C" >"$T/out" 2>"$T/err"; st=$?
fp=$(sed -n 's/^  \(\([0-9a-f]\{4\} \)\{7\}[0-9a-f]\{4\}\)$/\1/p' "$T/out")
[ $st -eq 0 ] && [ -f "$(clinic_db "$C")" ] && [ ! -e "$C/clinic.db" ] && [ "$(stat -c %a "$C")" = 750 ] &&
    [ "$(stat -c %a "$C/db")" = 700 ] && grep -q "chown -R stepwise-serve:stepwise-serve $C/db" "$T/out" && [ -n "$fp" ] &&
    ok "upgrade moves the database into db/, takes the others' write access off the folder (0770 to 0750), prints the fingerprint and the chown line" ||
    bad "upgrade: $st, $(ls -la "$C")" "$(cat "$T/out" "$T/err")"
"$SC" results --dir "$C" --format json >"$T/after3.json" 2>"$T/err" && cmp -s "$T/before.json" "$T/after3.json" &&
    ok "and every command works on it, with the same results" || bad "results after upgrade" "$(cat "$T/err")"
"$SC" upgrade --dir "$C" >"$T/out" 2>"$T/err" && grep -q "nothing was changed" "$T/out" &&
    ok "upgrade a second time changes nothing" || bad "upgrade twice" "$(cat "$T/out" "$T/err")"
cp "$(clinic_db "$C")" "$C/clinic.db"
refused_for "holds two databases" "a folder with both databases is refused" "$SC" results --dir "$C"
rm "$C/clinic.db"
refused_for "is not a clinic folder" "upgrade of a folder that is not a clinic's says so" "$SC" upgrade --dir "$T/nowhere"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ] && [ $pass -gt 0 ]
