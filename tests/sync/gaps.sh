#!/bin/bash
# gaps.sh: a server that drops a record or a message is seen. Each sealed
# record carries the device's number for it and each sealed message the
# clinic's number for it (stepwise-protocol(7)), inside the signature, so a
# server account that deletes one (here with sqlite3, as it could) leaves a
# gap: stepwise-clinic results names the records that have not arrived,
# and the patient's Messages say a message has not reached them.
#   gaps.sh STEPWISE STEPWISE-CLINIC SW-SEED CONTENT-DIR SW-PROXY
. "$(dirname "$0")/lib.sh"

make_clinic "$T/c" || finish
start_server srv "$T/c" || finish
set_url "$T/c" "http://127.0.0.1:${PORT[srv]}"
make_patient p "$T/c" R1 || finish
DB=$(clinic_db "$T/c")
for i in 1 2 3 4; do seed p phq9 0,0,0,0,0,0,0,0,0 $((1796000000 + i)) || finish; done
sync_until p 5 >/dev/null || bad "the syncs finish" "$(cat "$T/p.syncs")"
"$SC" results --dir "$T/c" --format json >"$T/r0.json" 2>"$T/r0.err"
python3 -c 'import json,sys; assert json.load(open(sys.argv[1]))["gaps"] == []' "$T/r0.json" &&
    ! grep -q "has not arrived\|have not arrived" "$T/r0.err" &&
    ok "every record numbered 1 to 4 held: no gap" || bad "no gap" "$(cat "$T/r0.json" "$T/r0.err")"

# The server drops the second record it received.
second=$(sqlite3 -cmd '.timeout 10000' "$DB" 'SELECT id FROM records ORDER BY rowid LIMIT 1 OFFSET 1')
sqlite3 -cmd '.timeout 10000' "$DB" "DELETE FROM records WHERE id = '$second'"
"$SC" results --dir "$T/c" --format json >"$T/r1.json" 2>"$T/r1.err"
python3 - "$T/r1.json" <<'PY' && ok "results names the record number that has not arrived, for its device and patient" || bad "gap in results" "$(cat "$T/r1.json")"
import json, sys
g = json.load(open(sys.argv[1]))["gaps"]
assert len(g) == 1 and g[0]["patient"] == "R1" and g[0]["missing"] == [2] and g[0]["highest"] == 4, g
PY
grep -q "numbered its records up to 4, and 1 of them has not arrived (2): the server may have lost it" "$T/r1.err" &&
    ok "and says so on standard error" || bad "gap words" "$(cat "$T/r1.err")"

# Three messages; the server drops the second before the device fetches.
for m in one two three; do
	echo "Message $m." | "$SC" message --dir "$T/c" --patient R1 --from Sam >/dev/null 2>&1 ||
	    bad "message $m"
done
sqlite3 -cmd '.timeout 10000' "$DB" "DELETE FROM messages WHERE seq = 2"
sync_until p 5 >/dev/null || bad "the message syncs finish" "$(cat "$T/p.syncs")"
printf '8\nq\nq\n' | sw p --plain >"$T/msgs" 2>&1
tr '\n' ' ' <"$T/msgs" | tr -s ' ' >"$T/msgs.flat"
grep -q "Message one." "$T/msgs" && grep -q "Message three." "$T/msgs" && ! grep -q "Message two." "$T/msgs" &&
    grep -q "1 message your clinic sent has not reached this device: it may have been lost on the way. Please tell your clinic." "$T/msgs.flat" &&
    ok "the patient is told a message from the clinic has not reached them" ||
    bad "missing message words" "$(cat "$T/msgs")"
finish
