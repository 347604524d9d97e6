#!/bin/bash
# batches.sh: 1,000 records queued before enrollment go in batches (the
# first of at most 8, then at most 64), each exactly once.
#   batches.sh STEPWISE STEPWISE-CLINIC SW-SEED CONTENT-DIR SW-PROXY
. "$(dirname "$0")/lib.sh"
N=1000

make_clinic "$T/c" && start_server srv "$T/c" && start_proxy px "${PORT[srv]}" || finish
set_url "$T/c" "http://127.0.0.1:${PORT[px]}"
make_profile p && seed p gad7 1,0,1,0,1,0,1 1700000000 $N || finish
enroll_file "$T/c" R1 "$T/p.stepwise" && enroll p "$T/p.stepwise" || finish
grep -q "$N" "$T/p.enroll" && ok "enroll says $N records will be sent" || bad "enroll count" "$(cat "$T/p.enroll")"

t0=$(date +%s)
sw_sync p; st=$?
expect "one sync sends all $N: exit 0" 0 $st "$(cat "$T/p.sync")"
echo "# took $(( $(date +%s) - t0 )) s"
expect "$N rows at the clinic" $N "$(clinic_count "$T/c")"
expect "$N distinct records" $N "$(clinic_distinct "$T/c")"
want=$(export_ids p); got=$(clinic_ids "$T/c")
[ $(echo "$want" | grep -c .) -eq $N ] && [ "$want" = "$got" ] && ok "the clinic's ids are the profile's $N export ids" ||
    bad "ids differ" "$(diff <(echo "$want") <(echo "$got") | head)"

posts=$(grep -c 'POST.*/v2/sync' "$T/srv.log")
[ "$posts" -gt 1 ] && ok "the server log shows $posts POST /v2/sync (batches)" || bad "POST /v2/sync in the log: $posts" "$(head "$T/srv.log")"
b=$(batches px | tr '\n' ' ')
python3 - "$N" $b <<'PY' && ok "batches on the wire: first <= 8, the rest <= 64, $N in all: $b" || bad "batch sizes: $b"
import sys
n, b = int(sys.argv[1]), [int(x) for x in sys.argv[2:]]
assert len(b) > 1 and 1 <= b[0] <= 8 and all(1 <= x <= 64 for x in b), b
assert sum(b) == n, sum(b)
PY
expect "every POST /v2/sync was answered 200" "" "$(requests px | python3 -c '
import json, sys
for r in map(json.loads, sys.stdin):
    if r["target"] == "/v2/sync" and r["status"] != 200: print(r["status"])')"
grep -q 'Content-Type: application/octet-stream' "$T/px.cap" && ! grep -aq '"ciphertext"' "$T/px.cap" &&
    ok "request bodies are binary (application/octet-stream), no base64 in JSON" || bad "bodies not binary" "$(head -c 600 "$T/px.cap")"

sw_sync p; st=$?
expect "then nothing to do: exit 3" 3 $st "$(cat "$T/p.sync")"
expect "still $N rows" $N "$(clinic_count "$T/c")"
n=$(results "$T/c" --patient R1 | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["quarantined"] == []
assert all(r["check"] == "ok" and r["record"]["total"] == 4 for r in d["results"])
print(len(d["results"]))')
expect "results decrypts and checks all $N" $N "$n"
finish
