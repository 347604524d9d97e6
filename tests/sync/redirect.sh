#!/bin/bash
# redirect.sh: someone who can write the profile file but does not know the
# passphrase points its clear sync state (url, the clinic's box and signing
# keys) at a server of their own, a real second clinic made by
# stepwise-clinic init that has registered the device with its public keys.
# A check-in saved while the profile is unlocked is sealed to the real
# clinic's key all the same (the other server, which takes it from a sync
# without the passphrase, cannot open it); the next unlock says so plainly,
# puts the clear state back and queues every record again, so the real
# clinic ends up holding the one the other server acknowledged; a message
# signed by the other server's key, and one whose signature was replaced by
# zeros, are never shown.
#   redirect.sh STEPWISE STEPWISE-CLINIC SW-SEED CONTENT-DIR SW-PROXY SW-PROTO
. "$(dirname "$0")/lib.sh"
PROTO=$6
DB=$T/p/default.db
MSG_A="Hello from Sam at the real clinic, note Quillfeather."
MSG_B="Call 0900 000000 now, says the other server, note Brackenmoss."
q() { sqlite3 -cmd '.timeout 10000' "$DB" "$1"; }
b64() { python3 -c 'import sys,base64; print(base64.urlsafe_b64encode(bytes.fromhex(sys.argv[1])).decode().rstrip("="))' "$1"; }

make_clinic "$T/a" && start_server a "$T/a" || finish
set_url "$T/a" "http://127.0.0.1:${PORT[a]}"
make_clinic "$T/b" && start_server b "$T/b" || finish
set_url "$T/b" "http://127.0.0.1:${PORT[b]}"
make_patient p "$T/a" R1 || finish
checkin_plain p phq9 '0\n0\n0\n0\n0\n0\n0\n0\n0\n0\n\n' || bad "first check-in" "$(cat "$T/p.checkin")"
expect "the first check-in reached the real clinic" 1 "$(clinic_count "$T/a")"
printf '%s' "$MSG_A" | "$SC" message --dir "$T/a" --patient R1 --from Sam >"$T/msg.out" 2>&1 || bad "message" "$(cat "$T/msg.out")"
sw_sync p; expect "the real clinic's message is fetched" 0 $? "$(cat "$T/p.sync")"

# The other server registers the device under a token of its own: the
# device's public keys are no secret (here read from the real clinic).
enroll_file "$T/b" X "$T/x.stepwise" || finish
read -r dev box sign req < <(sqlite3 -separator ' ' "$(clinic_db "$T/a")" \
    'SELECT device, hex(box_pk), hex(sign_pk), hex(request_pk) FROM devices')
z32=$(b64 "$(printf '0%.0s' {1..64})") z64=$(b64 "$(printf '0%.0s' {1..128})")
printf '{"device":"%s","box_pk":"%s","box_sk":"%s","sign_pk":"%s","sign_sk":"%s","request_pk":"%s","request_sk":"%s"}' \
    "$dev" "$(b64 "$box")" "$z32" "$(b64 "$sign")" "$z64" "$(b64 "$req")" "$z64" >"$T/devpub.json"
"$PROTO" register "$T/devpub.json" "$T/x.stepwise" >"$T/reg.json" &&
    st=$(curl -s -o "$T/reg.out" -w '%{http_code}' -H 'Content-Type: application/json' -H 'Expect:' \
    --data-binary @"$T/reg.json" "http://127.0.0.1:${PORT[b]}/v1/enroll")
expect "the other server registers the device" 201 "${st:-}" "$(cat "$T/reg.out" 2>/dev/null)"
# Its first message is numbered like the real clinic's, which the device
# has, so a sync will not fetch it: it is planted below, with a signature
# of zeros. The second is the one a sync fetches.
for m in "Planted note Thistledown." "$MSG_B"; do
	printf '%s' "$m" | "$SC" message --dir "$T/b" --patient X --from Sam >"$T/msgb.out" 2>&1 || bad "message B" "$(cat "$T/msgb.out")"
done

# redirect: the clear state now names the other server and its keys.
redirect() {
	local bbox bsign
	bbox=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["clinic_box_pk"])' "$T/x.stepwise")
	bsign=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["clinic_sign_pk"])' "$T/x.stepwise")
	q "UPDATE sync_state SET value = 'http://127.0.0.1:${PORT[b]}' WHERE key = 'url';
	   UPDATE sync_state SET value = '$bbox' WHERE key = 'clinic_box_pk';
	   UPDATE sync_state SET value = '$bsign' WHERE key = 'clinic_sign_pk';"
}

# The real clinic is down. A check-in is answered in plain mode, and the
# clear state is redirected while the profile is unlocked, before it is
# saved.
stop_server a || bad "server a stop"
rm -f "$T/in"; mkfifo "$T/in"
sw p --plain checkin phq9 <"$T/in" >"$T/p.c2" 2>&1 &
PID[c2]=$!
exec 4>"$T/in"
wait_line "$T/p.c2" 'Question 1 of 9' 20 || bad "the check-in starts" "$(cat "$T/p.c2")"
redirect
printf '1\n1\n1\n1\n1\n1\n1\n1\n0\n1\n\n' >&4
exec 4>&-
wait "${PID[c2]}"; st=$?; unset "PID[c2]"
expect "the second check-in is saved" 0 $st "$(cat "$T/p.c2")"
expect "the clear url names the other server" "http://127.0.0.1:${PORT[b]}" "$(q "SELECT value FROM sync_state WHERE key = 'url'")"
expect "the other server got nothing from the unlocked session" 0 "$(clinic_count "$T/b")"

# A sync without the passphrase works from the clear state: the other
# server takes the waiting envelope and the real clinic's message is
# replaced by its own.
sw_sync p; st=$?
expect "stepwise sync (no passphrase) reaches the other server" 0 $st "$(cat "$T/p.sync")"
expect "the other server acknowledged the second check-in" 1 "$(clinic_count "$T/b")"
c2=$(sqlite3 "$(clinic_db "$T/b")" 'SELECT id FROM records')
results "$T/b" >"$T/b.results"
python3 - "$T/b.results" "$c2" <<'PY' && ok "the other server cannot open it: it was sealed to the real clinic's key" || bad "the other server opened the check-in" "$(cat "$T/b.results")"
import json, sys
d = json.load(open(sys.argv[1]))
assert not d["results"], d["results"]
assert [(x["id"], x["reason"]) for x in d["quarantined"]] == [(sys.argv[2], "does_not_open")], d
PY
expect "the other server's message is kept in the inbox" 2 "$(q 'SELECT count(*) FROM inbox')"
sqlite3 "$(clinic_db "$T/b")" "SELECT id, hex(ciphertext) FROM messages WHERE seq = 1" | {
	IFS='|' read -r mid mct
	# (Format 1 profiles also had a received_at column.)
	if [ "$(q "SELECT count(*) FROM pragma_table_info('inbox') WHERE name = 'received_at'")" = 1 ]; then
		q "INSERT INTO inbox(id, seq, ciphertext, signature, received_at) VALUES('$mid', 99, x'$mct', zeroblob(64), 0)"
	else
		q "INSERT INTO inbox(id, seq, ciphertext, signature) VALUES('$mid', 99, x'$mct', zeroblob(64))"
	fi
}
expect "a message with a signature of zeros is planted in the inbox" 3 "$(q 'SELECT count(*) FROM inbox')"

# The next unlock: said plainly, clear state put back, everything queued
# again for the real clinic, neither planted message shown.
start_server a "$T/a" "${PORT[a]}" || finish
sw p status >"$T/status" 2>&1; st=$?
expect "stepwise status opens" 0 $st "$(cat "$T/status")"
grep -q "clinic settings were changed by someone without your passphrase" "$T/status" &&
    grep -q "put them back" "$T/status" &&
    ok "the unlock says the clinic settings were changed and put back" || bad "no plain words at unlock" "$(cat "$T/status")"
expect "the clear url is the real clinic's again" "http://127.0.0.1:${PORT[a]}" "$(q "SELECT value FROM sync_state WHERE key = 'url'")"
abox=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["clinic_box_pk"])' "$T/p.stepwise")
expect "the clear box key is the real clinic's again" "$abox" "$(q "SELECT value FROM sync_state WHERE key = 'clinic_box_pk'")"
grep -q "^Messages not shown (failed their check; tell the clinic): 2$" "$T/status" &&
    ok "both planted messages failed their check at unlock" || bad "bad messages not counted" "$(cat "$T/status")"
expect "the inbox keeps only the real clinic's" 1 "$(q 'SELECT count(*) FROM inbox')"
printf '8\nn\nq\n' | sw p --plain >"$T/read" 2>&1
grep -q Quillfeather "$T/read" && ! grep -qE "Thistledown|Brackenmoss" "$T/read" &&
    ok "the real clinic's message is shown, neither planted one ever" || bad "messages shown" "$(cat "$T/read")"
sw p status >"$T/status2" 2>&1
! grep -q "changed by someone" "$T/status2" && ok "the next unlock has nothing to say" || bad "said again" "$(cat "$T/status2")"

sync_until p 5 >/dev/null || bad "sync to the real clinic" "$(cat "$T/p.syncs")"
expect "the real clinic now holds both check-ins, once each" "2 2" "$(clinic_count "$T/a") $(clinic_distinct "$T/a")"
results "$T/a" --patient R1 >"$T/a.results"
python3 - "$T/a.results" "$c2" <<'PY' && ok "the real clinic opens the check-in the other server took" || bad "real clinic results" "$(cat "$T/a.results")"
import json, sys
d = json.load(open(sys.argv[1]))
r = {x["id"]: x for x in d["results"]}
assert sys.argv[2] in r and r[sys.argv[2]]["check"] == "ok", d
assert r[sys.argv[2]]["record"]["answers"] == [1, 1, 1, 1, 1, 1, 1, 1, 0], r
assert not d["quarantined"], d
PY
expect "the other server still has only what it took" 1 "$(clinic_count "$T/b")"
finish
