#!/bin/bash
# reject.sh: what the client does when the clinic refuses something: a
# damaged envelope is set aside and the rest still arrive; a second device
# with a used enrollment file, and a revoked device, are told to contact
# the clinic (exit 5) and nothing is stored. (The HTTP-level matrix is in
# tests/clinic/test_serve.sh.)
#   reject.sh STEPWISE STEPWISE-CLINIC SW-SEED CONTENT-DIR SW-PROXY
. "$(dirname "$0")/lib.sh"

# Patient p talks to the clinic through a proxy that holds back the
# answer to the second POST /v2/sync (the first is the registration's,
# with no record) until told to pass it on.
make_clinic "$T/c" && start_server srv "$T/c" &&
    start_proxy px "${PORT[srv]}" --at 'POST /v2/sync' --nth 2 --action hold-reply || finish
set_url "$T/c" "http://127.0.0.1:${PORT[px]}"

# 1. One byte of one envelope's ciphertext changed in the profile's outbox.
echo "# a damaged envelope"
# Registered first (a sync with nothing to send), so that the batch's
# request is the only thing that could change the clinic's database.
make_profile p && enroll_file "$T/c" R1 "$T/p.stepwise" && enroll p "$T/p.stepwise" || finish
sw_sync p; st=$?
expect "the device registers: exit 0" 0 $st "$(cat "$T/p.sync")"
seed p phq9 2,1,2,1,0,0,0,0,0 1700000000 5 || finish
bid=$(python3 - "$T/p/default.db" <<'PY'
import base64, json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
rid, env = db.execute("SELECT id, envelope FROM outbox WHERE rejected IS NULL"
                      " ORDER BY seq LIMIT 1 OFFSET 2").fetchone()
e = json.loads(env)
ct = e["ciphertext"]
b = bytearray(base64.urlsafe_b64decode(ct + "=" * (-len(ct) % 4)))
b[len(b) // 2] ^= 0x01
e["ciphertext"] = base64.urlsafe_b64encode(bytes(b)).rstrip(b"=").decode()
assert e["ciphertext"] != ct and len(e["ciphertext"]) == len(ct)
with db:
    db.execute("UPDATE outbox SET envelope = ? WHERE id = ?",
               (json.dumps(e, separators=(",", ":")), rid))
print(rid)
PY
) && [ -n "$bid" ] && ok "one ciphertext byte flipped in the outbox" || bad "could not tamper with the outbox" "$(sqlite3 "$T/p/default.db" .schema)"
before=$(clinic_dump_hash "$T/c")
sw_sync p & spid=$!
if wait_line "$T/px.out" '^reply-held ' 60; then
	# The server has answered the batch holding the damaged envelope;
	# the client has not seen the answer yet.
	expect "the batch with the damaged envelope was refused: 401" 401 \
	    "$(requests px | python3 -c '
import json, sys
r = [r for r in map(json.loads, sys.stdin) if r["target"] == "/v2/sync" and
     r["body"] and json.loads(r["body"])["records"]]
print(r[0]["status"] if len(r) == 1 else "%d record requests" % len(r))')"
	expect "the refused batch left the clinic's database as it was (dump hash)" "$before" "$(clinic_dump_hash "$T/c")"
else
	bad "the proxy never held an answer" "$(cat "$T/px.out")"
fi
kill -USR2 "${PID[px]}"
wait $spid; st=$?
expect "sync with a damaged envelope: exit 0 (the others went)" 0 $st "$(cat "$T/p.sync")"
grep -qi "could not be sent" "$T/p.sync" && ok "sync says one record could not be sent" || bad "sync output" "$(cat "$T/p.sync")"
expect "the 4 good records arrived" 4 "$(clinic_count "$T/c")"
good=$(export_ids p | grep -v "^$bid\$")
expect "exactly the 4 good ones" "$good" "$(clinic_ids "$T/c")"
grep -q 'POST /v2/sync 401 ' "$T/srv.log" && ok "the server refused the batch with 401" || bad "no 401 in the server log" "$(cat "$T/srv.log")"
# The damaged envelope breaks its run's signature, so the server names
# every record of that run; each goes again in a run of its own, the
# server names only the damaged one, and the rest go. Had a refused batch
# been partly stored, the resend would be answered with those ids as
# duplicates.
requests px | python3 -c '
import json, sys
bad_id, good = sys.argv[1], sorted(sys.argv[2].split())
r = [(x["status"], x["answer"], x["body"]) for x in map(json.loads, sys.stdin)
     if x["target"] == "/v2/sync" and x["body"] and
     json.loads(x["body"])["records"]]
assert [s for s, _, _ in r] == [401, 401, 200], r
first = [x["id"] for x in json.loads(r[0][1])["rejected"]]
assert bad_id in first and len(first) > 1, first
b = json.loads(r[1][2])
alone = [x["run"] for x in b["records"] if x["id"] in first]
assert len(set(alone)) == len(first), b
assert [x["id"] for x in json.loads(r[1][1])["rejected"]] == [bad_id], r[1]
a = json.loads(r[2][1])
assert a["duplicate"] == [] and a["acked"] == 4, a
ids = sorted(x["id"] for x in json.loads(r[2][2])["records"])
assert ids == good, ids' "$bid" "$good" &&
    ok "on the wire: the run with the damaged envelope refused, then each of its records alone and only the damaged one refused, then a 200 acknowledging the 4, none a duplicate" ||
    bad "requests after the refusal" "$(requests px)"
sw p status >"$T/status" 2>&1
grep -Eqi "(could not be sent|set aside|not accepted).*: *1$|\b1\b.*could not be sent" "$T/status" && ok "stepwise status says one could not be sent" || bad "status after a rejection" "$(cat "$T/status")"
expect "the damaged envelope is kept, marked rejected" "$bid|bad_signature" "$(sqlite3 "$T/p/default.db" 'SELECT id, rejected FROM outbox')"
sw_sync p; st=$?
expect "it is not sent again by itself: next sync exits 3" 3 $st "$(cat "$T/p.sync")"
expect "still 4 records at the clinic" 4 "$(clinic_count "$T/c")"
results "$T/c" | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert len(d["results"]) == 4 and d["quarantined"] == [], d' && ok "results shows the 4, nothing quarantined" || bad "results after the rejection"

# 2. The same enrollment file used again by another profile.
echo "# an enrollment file used twice"
make_profile q && seed q phq9 0,0,0,0,0,0,0,0,0 1700000000 2 || finish
enroll q "$T/p.stepwise" || finish
devs=$(sqlite3 "$(clinic_db "$T/c")" 'SELECT count(*) FROM devices')
sw_sync q; st=$?
expect "second device with a used token: sync exits 5" 5 $st "$(cat "$T/q.sync")"
grep -qi "contact.*clinic\|clinic.*contact\|call.*clinic" "$T/q.sync" && ok "and says to contact the clinic" || bad "no word of the clinic" "$(cat "$T/q.sync")"
expect "no device added" "$devs" "$(sqlite3 "$(clinic_db "$T/c")" 'SELECT count(*) FROM devices')"
expect "no record added" 4 "$(clinic_count "$T/c")"
grep -q 'POST /v1/enroll 409 ' "$T/srv.log" && ok "the server answered 409 (token_used)" || bad "no 409 in the log" "$(cat "$T/srv.log")"
sed -n '/POST \/v1\/enroll 409 /,$p' "$T/srv.log" | grep -q 'POST /v2/sync' && bad "records were sent after the refusal" || ok "no record sent after the refusal"
sw_sync q; st=$?
expect "it stays stopped: exit 5 again" 5 $st "$(cat "$T/q.sync")"

# 3. A revoked device.
echo "# a revoked device"
dev=$(sqlite3 "$(clinic_db "$T/c")" "SELECT device FROM devices WHERE patient = 'R1'")
"$SC" revoke --dir "$T/c" --device "$dev" >"$T/revoke" 2>&1 && ok "stepwise-clinic revoke" || bad "revoke" "$(cat "$T/revoke")"
seed p phq9 3,3,3,3,3,3,3,3,0 1700500000 || finish
sw_sync p; st=$?
expect "revoked device: sync exits 5" 5 $st "$(cat "$T/p.sync")"
grep -qi "contact.*clinic\|clinic.*contact\|call.*clinic" "$T/p.sync" && ok "and says to contact the clinic" || bad "no word of the clinic" "$(cat "$T/p.sync")"
expect "nothing stored from a revoked device" 4 "$(clinic_count "$T/c")"
grep -q 'POST /v2/sync 403 ' "$T/srv.log" && ok "the server answered 403 (device_revoked)" || bad "no 403 in the log" "$(cat "$T/srv.log")"
n=$(sqlite3 "$T/p/default.db" 'SELECT count(*) FROM outbox WHERE rejected IS NULL')
expect "the new record is kept in the outbox" 1 "$n"
finish
