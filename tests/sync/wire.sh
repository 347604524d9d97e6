#!/bin/bash
# wire.sh: protocol versions 2 and 3 on the wire (stepwise-protocol(7),
# VERSION 2 and VERSION 3): a sync is POST /v2/sync with a binary body of
# version 3, one round trip for a check-in sent on its own, whose answer
# brings the clinic's messages; records queued together go as one run
# under one signature; a risk answer, a check-in with one and a check-in
# without are the same size on the wire; a body changed on the way, cut
# short or sent again stores nothing twice and loses nothing queued; and
# the server still takes version 2 bodies and version 1 (POST /v1/records,
# GET /v1/messages) from devices that speak them, which the clinic reads
# like any other.
#   wire.sh STEPWISE STEPWISE-CLINIC SW-SEED CONTENT-DIR SW-PROXY SW-PROTO
. "$(dirname "$0")/lib.sh"
PROTO=$6
command -v curl >/dev/null || skip_all "curl is not installed"

# Patient p goes through proxy px, which only watches; patient q through
# px2, which changes one byte of q's second POST /v2/sync (the first is
# its registration's, with no record).
make_clinic "$T/c" && start_server srv "$T/c" &&
    start_proxy px "${PORT[srv]}" &&
    start_proxy px2 "${PORT[srv]}" --at 'POST /v2/sync' --nth 2 --offset 300 --action flip || finish
set_url "$T/c" "http://127.0.0.1:${PORT[px]}"
make_patient p "$T/c" R1 || finish
sync_until p 3 >/dev/null || bad "registration" "$(cat "$T/p.syncs")"
set_url "$T/c" "http://127.0.0.1:${PORT[px2]}"
make_patient q "$T/c" R3 || finish
sw_sync q || bad "registration of q (one sync: the registration and one POST /v2/sync)" "$(cat "$T/q.syncs")"

# syncs_since N: the /v2/sync requests after the first N the proxy saw, as
# JSON lines; and every request other than /v2/sync.
syncs_since() {
	requests px | python3 -c '
import json, sys
r = [x for x in map(json.loads, sys.stdin)][int(sys.argv[1]):]
for x in r:
    print(json.dumps(x))' "$1"
}
nreq() { requests px | wc -l; }

# 1. One check-in on its own: one request, binary, one round trip.
n0=$(nreq)
seed p phq9 1,1,1,1,1,1,1,1,0 1790000100 || finish
sw_sync p; st=$?
expect "one check-in: sync exit 0" 0 $st "$(cat "$T/p.sync")"
syncs_since "$n0" >"$T/one.json"
python3 - "$T/one.json" <<'PY' && ok "one check-in on its own is one POST /v2/sync, answered 200 with its ack and the messages (none)" || bad "one round trip" "$(cat "$T/one.json")"
import json, sys
r = [json.loads(l) for l in open(sys.argv[1])]
assert len(r) == 1, [(x["method"], x["target"]) for x in r]
x = r[0]
assert x["method"] == "POST" and x["target"] == "/v2/sync" and x["status"] == 200, x
b, a = json.loads(x["body"]), json.loads(x["answer"])
assert b["v"] == 3 and len(b["records"]) == 1 and b["records"][0]["v"] == 3, b
assert len(b["runs"]) == 1 and b["runs"][0]["n"] == 1, b
assert a == {"acked": 1, "duplicate": [], "messages": [], "more": False}, a
PY
python3 - "$T/px.cap" <<'PY' && ok "the request is binary (application/octet-stream), without User-Agent, Accept or Content-Encoding" || bad "request headers" "$(head -c 400 "$T/px.cap" | cat -v)"
import sys
data = open(sys.argv[1], "rb").read()
i = data.rfind(b"POST /v2/sync ")
head = data[i:data.index(b"\r\n\r\n", i)].decode("latin-1").lower()
assert "content-type: application/octet-stream" in head, head
for h in ("user-agent:", "accept:", "accept-encoding:", "content-encoding:", "x-stepwise-"):
    assert h not in head, (h, head)
PY
expect "the clinic holds it" 1 "$(clinic_count "$T/c")"
expect "stored as a version 3 envelope" 3 "$(sqlite3 "$(clinic_db "$T/c")" 'SELECT v FROM records')"
results "$T/c" --patient R1 | python3 -c '
import json, sys
r = json.load(sys.stdin)["results"]
assert len(r) == 1 and r[0]["check"] == "ok" and r[0]["record"]["answers"] == [1]*8 + [0], r' &&
    ok "the clinic opens and checks the version 3 record (results)" || bad "results of v3"
# The clinic checks the run's signature again, not only the box: with the
# server's run row changed (as someone with the server's account could),
# the record is quarantined, and believed again once the row is back.
cdb=$(clinic_db "$T/c")
expect "the server kept the record's run" 1 "$(sqlite3 "$cdb" 'SELECT count(*) FROM runs')"
rsig=$(sqlite3 "$cdb" 'SELECT hex(signature) FROM runs')
rprev=$(sqlite3 "$cdb" 'SELECT hex(prev) FROM runs')
rids=$(sqlite3 "$cdb" 'SELECT hex(ids) FROM runs')
rleaves=$(sqlite3 "$cdb" 'SELECT hex(leaves) FROM runs')
sqlite3 "$cdb" "UPDATE runs SET signature = zeroblob(64)"
results "$T/c" --patient R1 | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["results"] == [] and [q["reason"] for q in d["quarantined"]] == ["bad_signature"], d' &&
    ok "a run whose signature does not verify: its record is quarantined (bad_signature)" || bad "run not checked" "$(results "$T/c" --patient R1 | head -c 600)"
sqlite3 "$cdb" "DELETE FROM runs"
results "$T/c" --patient R1 | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["results"] == [] and [q["reason"] for q in d["quarantined"]] == ["bad_signature"], d' &&
    ok "a version 3 record with no run: quarantined (bad_signature)" || bad "no run, believed" "$(results "$T/c" --patient R1 | head -c 600)"
sqlite3 "$cdb" "INSERT INTO runs(device, prev, signature, ids, leaves, received_at) VALUES('$(sqlite3 "$cdb" 'SELECT device FROM records')', X'$rprev', X'$rsig', X'$rids', X'$rleaves', 0)"
results "$T/c" --patient R1 | python3 -c '
import json, sys
r = json.load(sys.stdin)["results"]
assert len(r) == 1 and r[0]["check"] == "ok", r' &&
    ok "the run row back: the record is believed again" || bad "run restored" "$(results "$T/c" --patient R1 | head -c 600)"

# 2. A message waiting: the sync that sends a check-in brings it back in
# the same answer (no GET /v1/messages), then tells the cursor once.
printf '%s' "Well done this week." | "$SC" message --dir "$T/c" --patient R1 --from Sam >/dev/null 2>&1 ||
    bad "stepwise-clinic message"
n0=$(nreq)
seed p phq9 2,1,1,1,1,1,1,1,0 1790000200 || finish
sw_sync p; st=$?
expect "check-in and message: sync exit 0" 0 $st "$(cat "$T/p.sync")"
grep -q "1 new message" "$T/p.sync" && ok "the sync says one new message" || bad "sync words" "$(cat "$T/p.sync")"
syncs_since "$n0" >"$T/msg.json"
python3 - "$T/msg.json" <<'PY' && ok "the answer to the upload carried the message; the next request only moved the cursor" || bad "message in the answer" "$(cut -c1-300 "$T/msg.json")"
import json, sys
r = [json.loads(l) for l in open(sys.argv[1])]
assert all(x["target"] == "/v2/sync" and x["status"] == 200 for x in r), r
assert len(r) == 2, len(r)
b0, a0 = json.loads(r[0]["body"]), json.loads(r[0]["answer"])
assert len(b0["records"]) == 1 and b0["after"] == 0, b0
assert a0["acked"] == 1 and len(a0["messages"]) == 1 and a0["messages"][0]["seq"] == 1, a0
b1, a1 = json.loads(r[1]["body"]), json.loads(r[1]["answer"])
assert b1["records"] == [] and b1["after"] == 1 and a1["messages"] == [], (b1, a1)
PY
expect "the server marks the message fetched" 1 \
    "$(sqlite3 "$(clinic_db "$T/c")" "SELECT delivered FROM devices WHERE patient = 'R1'")"
printf 'q\n' | sw p --plain >"$T/home" 2>&1
item=$(grep -Eo '^ *[0-9]+\. Messages' "$T/home" | grep -Eo '[0-9]+' | head -1)
printf '%s\nn\nq\n' "${item:-8}" | sw p --plain >"$T/read" 2>&1
grep -q "Well done this week." "$T/read" && ok "the patient reads the message" || bad "message not read" "$(cat "$T/home" "$T/read")"

# 3. A risk answer, the check-in that carries it, and a check-in without:
# every record seals to the same size, and every upload of one record is
# the same size on the wire.
n0=$(nreq)
printf '0\n0\n0\n0\n0\n0\n0\n0\n3\nc\n1\n\n' | sw p --plain checkin phq9 >"$T/risk" 2>&1
sync_until p 4 >/dev/null || bad "risk syncs" "$(cat "$T/p.syncs")"
seed p phq9 0,0,0,0,0,0,0,0,0 1790000300 && sw_sync p
syncs_since "$n0" >"$T/risk.json"
results "$T/c" --patient R1 | python3 -c '
import json, sys
k = sorted(x["kind"] + ("+risk" if x["risk"] else "") for x in json.load(sys.stdin)["results"])
assert k == ["checkin", "checkin", "checkin", "checkin+risk", "risk+risk"], k' &&
    ok "the clinic has the risk answer, the check-in with it, and one without" || bad "risk results" "$(results "$T/c" --patient R1 | head -c 800)"
python3 - "$T/risk.json" <<'PY' && ok "risk and non-risk records: one ciphertext size (144 bytes) and one upload size" || bad "sizes differ" "$(cut -c1-200 "$T/risk.json")"
import base64, json, sys
r = [json.loads(l) for l in open(sys.argv[1])]
ups = [json.loads(x["body"]) for x in r if x["body"]]
ups = [b for b in ups if b["records"]]
assert len(ups) >= 3, len(ups)
cts = [len(base64.urlsafe_b64decode(e["ciphertext"] + "==")) for b in ups for e in b["records"]]
assert len(cts) == 3 and set(cts) == {144}, cts
sizes = {len(x["body"]) for x in r if x["body"] and len(json.loads(x["body"])["records"]) == 1}
assert len(sizes) == 1, sizes
PY

# 4. A body changed on the way: refused (the request's signature), nothing
# stored, nothing lost; the next sync sends it, once.
before=$(clinic_dump_hash "$T/c")
seed q phq9 1,2,1,2,1,2,1,2,0 1790000400 2 || finish
sw_sync q; st=$?
grep -q '^flipped' "$T/px2.out" && ok "the proxy changed a byte of the upload" || bad "no flip" "$(cat "$T/px2.out")"
[ $st -ne 0 ] && [ $st -ne 3 ] && ok "the tampered upload fails the sync (exit $st)" || bad "tampered: exit $st" "$(cat "$T/q.sync")"
grep -q 'POST /v2/sync 401 ' "$T/srv.log" && ok "the server refused it 401" || bad "no 401" "$(tail -5 "$T/srv.log")"
expect "the clinic's database is as it was" "$before" "$(clinic_dump_hash "$T/c")"
expect "both records still wait in the outbox, none set aside" "2|0" \
    "$(sqlite3 "$T/q/default.db" 'SELECT count(*), count(rejected) FROM outbox')"
sync_until q 3 >/dev/null || bad "after the flip" "$(cat "$T/q.syncs")"
expect "then both arrive, once each" 7 "$(clinic_distinct "$T/c")"
expect "and no row twice" 7 "$(clinic_count "$T/c")"

# 5. By hand, the captured upload of two records: cut short, changed, sent
# again whole.
python3 - "$T/px2.cap" "$T" <<'PY' || bad "could not find the upload in the capture"
import re, sys
data = open(sys.argv[1], "rb").read()
for m in re.finditer(rb"POST /v2/sync HTTP/1.1\r\n", data):
    end = data.index(b"\r\n\r\n", m.start())
    n = int(re.search(rb"Content-Length: (\d+)", data[m.start():end]).group(1))
    body = data[end + 4:end + 4 + n]
    if len(body) == n and body[33] == 2:
        good = body
# The two were queued one after the other: one run, one signature.
assert good[34] == 3 and good[34 + 33] == 2, good[:80]
open(sys.argv[2] + "/two.bin", "wb").write(good)
open(sys.argv[2] + "/cut.bin", "wb").write(good[:-100])
bad = bytearray(good); bad[40] ^= 1
open(sys.argv[2] + "/bad.bin", "wb").write(bytes(bad))
PY
U="http://127.0.0.1:${PORT[srv]}"
post2() {
	curl -sS -o "$T/ans" -w '%{http_code}' -H 'Content-Type: application/octet-stream' \
	    -H 'Expect:' --data-binary @"$1" "$U/v2/sync"
}
before=$(clinic_dump_hash "$T/c")
code=$(post2 "$T/cut.bin")
[ "$code" = 400 ] && grep -q '"bad_request"' "$T/ans" && ok "a body cut short: 400 bad_request" || bad "cut body: $code" "$(cat "$T/ans")"
code=$(post2 "$T/bad.bin")
[ "$code" = 401 ] && grep -q '"bad_signature"' "$T/ans" && ok "a body with one byte changed: 401 bad_signature" || bad "changed body: $code" "$(cat "$T/ans")"
expect "neither changed the clinic's database" "$before" "$(clinic_dump_hash "$T/c")"
code=$(post2 "$T/two.bin")
python3 - "$T/ans" "$code" <<'PY' && ok "the same upload sent again: 200, both acknowledged as duplicates" || bad "replay" "$code $(cat "$T/ans")"
import json, sys
a = json.load(open(sys.argv[1]))
assert sys.argv[2] == "200" and a["acked"] == 2 and len(a["duplicate"]) == 2, a
PY
expect "still 7 rows after the replay" 7 "$(clinic_count "$T/c")"
curl -sS -o "$T/ans" -w '%{http_code}' -H 'Content-Type: application/json' -H 'Expect:' \
    --data-binary @"$T/two.bin" "$U/v2/sync" >"$T/code"
[ "$(cat "$T/code")" = 415 ] && ok "POST /v2/sync as JSON: 415" || bad "v2 as JSON: $(cat "$T/code")" "$(cat "$T/ans")"
curl -sS "$U/v1/health" | grep -q '"versions":\[1,2,3\]' && ok "health lists versions 1, 2 and 3" || bad "health" "$(curl -sS "$U/v1/health")"

# 6. A device that speaks version 1 still uploads and fetches, and the
# clinic reads its record beside the version 2 ones.
enroll_file "$T/c" R2 "$T/old.stepwise" || finish
"$PROTO" device "$T/old.dev" >/dev/null && dev=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["device"])' "$T/old.dev") ||
    bad "sw-proto device"
post1() {
	curl -sS -o "$T/ans" -w '%{http_code}' -H 'Content-Type: application/json' \
	    -H 'Expect:' --data-binary @"$2" "$U$1"
}
"$PROTO" register "$T/old.dev" "$T/old.stepwise" >"$T/old.reg" && [ "$(post1 /v1/enroll "$T/old.reg")" = 201 ] &&
    ok "version 1: POST /v1/enroll 201" || bad "v1 enroll" "$(cat "$T/ans")"
"$PROTO" batch "$T/old.dev" "$T/old.stepwise" 2 >"$T/old.batch" || bad "sw-proto batch"
code=$(post1 /v1/records "$T/old.batch")
python3 - "$T/ans" "$code" <<'PY' && ok "version 1: POST /v1/records 200, both ids listed" || bad "v1 records: $code" "$(cat "$T/ans")"
import json, sys
a = json.load(open(sys.argv[1]))
assert sys.argv[2] == "200" and len(a["acked"]) == 2 and a["duplicate"] == [], a
PY
"$PROTO" request "$T/old.dev" GET "/v1/messages?after=0" >"$T/old.hdr"
code=$(curl -sS -o "$T/ans" -w '%{http_code}' -H @"$T/old.hdr" "$U/v1/messages?after=0")
[ "$code" = 200 ] && grep -q '"messages":\[\]' "$T/ans" && ok "version 1: GET /v1/messages 200" || bad "v1 messages: $code" "$(cat "$T/ans")"
expect "its records are stored as version 1" "1|2" \
    "$(sqlite3 "$(clinic_db "$T/c")" "SELECT v, count(*) FROM records WHERE device = '$dev'")"
results "$T/c" --patient R2 | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["quarantined"] == [], d["quarantined"]
r = d["results"]
assert len(r) == 2 and all(x["check"] == "ok" and x["patient"] == "R2" for x in r), r' &&
    ok "the clinic opens and checks the version 1 records" || bad "results of v1" "$(results "$T/c" --patient R2 | head -c 600)"
# 7. A device of the release before version 3 sends a version 2 body of
# version 2 envelopes, each with its own signature: taken, and read.
"$PROTO" sync2 "$T/old.dev" "$T/old.stepwise" 2 >"$T/old2.bin" || bad "sw-proto sync2"
code=$(post2 "$T/old2.bin")
python3 - "$T/ans" "$code" <<'PY' && ok "version 2: a body of version 2 envelopes, 200, both acknowledged" || bad "v2 body: $code" "$(cat "$T/ans")"
import json, sys
a = json.load(open(sys.argv[1]))
assert sys.argv[2] == "200" and a["acked"] == 2 and a["duplicate"] == [], a
PY
expect "they are stored as version 2" "2|2" \
    "$(sqlite3 "$(clinic_db "$T/c")" "SELECT v, count(*) FROM records WHERE device = '$dev' AND v = 2")"
results "$T/c" --patient R2 | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["quarantined"] == [], d["quarantined"]
assert len(d["results"]) == 4 and all(x["check"] == "ok" for x in d["results"]), d' &&
    ok "the clinic opens and checks the version 2 records beside the version 1 ones" || bad "results of v2" "$(results "$T/c" --patient R2 | head -c 600)"
expect "results still shows R1's five" 5 "$(results "$T/c" --patient R1 | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["results"]))')"
# 8. The server loses one record of a run (R3's two went as one run): the
# other is still believed, from the leaves the server kept; a record
# whose bytes were changed in the database is not.
cdb=$(clinic_db "$T/c")
r3=$(sqlite3 "$cdb" "SELECT r.id FROM records r JOIN devices d ON d.device = r.device WHERE d.patient = 'R3' ORDER BY r.id")
expect "R3's two records are in one run" 1 "$(sqlite3 "$cdb" "SELECT count(*) FROM runs u JOIN devices d ON d.device = u.device WHERE d.patient = 'R3' AND length(u.ids) = 32")"
gone=$(echo "$r3" | head -1) kept=$(echo "$r3" | tail -1)
sqlite3 "$cdb" "DELETE FROM records WHERE id = '$gone'"
results "$T/c" --patient R3 | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert [x["id"] for x in d["results"]] == [sys.argv[1]] and d["quarantined"] == [], d' "$kept" &&
    ok "one record of a run lost at the server: the other is still believed" || bad "run with a lost record" "$(results "$T/c" --patient R3 | head -c 600)"
sqlite3 "$cdb" "UPDATE records SET ciphertext = (CASE WHEN substr(ciphertext, 1, 1) = X'00' THEN X'01' ELSE X'00' END) || substr(ciphertext, 2) WHERE id = '$kept'"
results "$T/c" --patient R3 | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["results"] == [] and [(q["id"], q["reason"]) for q in d["quarantined"]] == [(sys.argv[1], "bad_signature")], d' "$kept" &&
    ok "a record of a run changed in the database: quarantined (bad_signature)" || bad "changed run record believed" "$(results "$T/c" --patient R3 | head -c 600)"
finish
