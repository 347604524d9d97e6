#!/bin/bash
# priority.sh: a record with the risk flag saved after 100 others are
# already queued for the clinic is sent first by an unlocked sync (plain
# mode's Sync now), in the first (small) batch, and stored first at the
# clinic; nothing in the clear queue says which one it is, so a sync
# without the passphrase sends them in the order they were queued.
#   priority.sh STEPWISE STEPWISE-CLINIC SW-SEED CONTENT-DIR SW-PROXY
. "$(dirname "$0")/lib.sh"

# The device is enrolled before anything is saved, and no server runs yet:
# each check-in joins the queue as it is saved (a record saved before
# enrollment is queued by enroll itself, all at once, which is not the
# case tested here). The proxy is there from the start, so the enrollment
# file can hold its address; until the server starts it has nowhere to
# forward a connection to.
make_clinic "$T/c" && start_proxy px "$T/srv.port" || finish
set_url "$T/c" "http://127.0.0.1:${PORT[px]}"
make_profile p && enroll_file "$T/c" R1 "$T/p.stepwise" && enroll p "$T/p.stepwise" || finish
seed p phq9 1,1,1,1,1,1,0,0,0 1700000000 100 || finish
expect "100 ordinary check-ins queued while enrolled" 100 \
    "$(sqlite3 "$T/p/default.db" 'SELECT count(*) FROM outbox')"
# The risk record: PHQ-9 item 9 above 0, saved last (and completed last).
seed p phq9 0,0,0,0,0,0,0,0,1 1700100000 || finish
expect "then the risk record joined the queue behind them, with nothing in clear to tell it" "101|envelope id rejected seq" \
    "$(sqlite3 "$T/p/default.db" 'SELECT count(*) FROM outbox')|$(sqlite3 "$T/p/default.db" \
        "SELECT group_concat(name, ' ') FROM (SELECT name FROM pragma_table_info('outbox') ORDER BY name)")"
[ ! -s "$T/px.cap" ] && ! grep -q '^no-target' "$T/px.out" &&
    ok "nothing tried to reach the clinic before the sync" || bad "a connection before the sync" "$(cat "$T/px.out")"

start_server srv "$T/c" || finish
printf '9\nq\n' | sw p --plain >"$T/p.plain" 2>&1
sync_until p 3 >/dev/null || bad "the rest sent" "$(cat "$T/p.syncs")"
grep -q "The clinic has received" "$T/p.plain" && ok "plain mode's Sync now sends" || bad "plain Sync now" "$(cat "$T/p.plain")"
expect "101 rows at the clinic" 101 "$(clinic_count "$T/c")"

results "$T/c" >"$T/res.json" || bad "results"
rid=$(python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))["results"]
risk = [x for x in r if x["risk"]]
assert len(risk) == 1 and risk[0]["record"]["answers"][8] == 1, risk
assert r[0] is risk[0] or r[0] == risk[0], "results does not list risk first"
assert len(r) == 101
print(risk[0]["id"])' "$T/res.json") && ok "results: one risk record, listed first" || bad "results risk" "$(head -c 600 "$T/res.json")"
first=$(sqlite3 "$(clinic_db "$T/c")" 'SELECT id FROM records ORDER BY rowid LIMIT 1')
expect "the risk record arrived first (smallest rowid)" "$rid" "$first"
exp_last=$(sw p export | python3 -c '
import json, sys
c = json.load(sys.stdin)["checkins"]
print(c[-1]["id"] if c[-1]["risk"] else "")')
expect "it is the newest record in the profile" "$rid" "$exp_last"
requests px | python3 -c '
import json, sys
b = [json.loads(r["body"]) for r in map(json.loads, sys.stdin)
     if r["target"] == "/v2/sync" and r["body"] and
     json.loads(r["body"])["records"]]
assert len(b[0]["records"]) <= 8, len(b[0]["records"])
assert b[0]["records"][0]["id"] == sys.argv[1], b[0]["records"][0]["id"]' "$rid" &&
    ok "on the wire it is the first record of the first batch (of at most 8)" || bad "first batch on the wire" "$(batches px | sed -n 1,3p)"
finish
