#!/bin/bash
# checkin.sh: a PHQ-9 done in plain mode reaches the clinic once, with the
# same answers, total, band and risk flag (stepwise-protocol(7), RECORDS).
#   checkin.sh STEPWISE STEPWISE-CLINIC SW-SEED CONTENT-DIR SW-PROXY
. "$(dirname "$0")/lib.sh"

make_clinic "$T/c" || finish
start_server srv "$T/c" || finish
set_url "$T/c" "http://127.0.0.1:${PORT[srv]}"
make_patient p "$T/c" R1 || finish
fp=$(grep -Eo '^ *([0-9a-f]{4} ){7}[0-9a-f]{4}$' "$T/enroll-R1.out" | tr -d ' ')
shown=$(tr -d ' ' <"$T/p.enroll")
[ -n "$fp" ] && [[ $shown == *"$fp"* ]] && grep -q "Test Clinic" "$T/p.enroll" &&
    grep -q "127.0.0.1:${PORT[srv]}" "$T/p.enroll" &&
    ok "enroll shows the clinic's name, URL and fingerprint" ||
    bad "enroll output" "fingerprint $fp
$(cat "$T/p.enroll")"

# PHQ-9 in plain mode; item 9 is 1, so the crisis screen comes first.
checkin_plain p phq9 '1\n2\n0\n1\n0\n3\n0\n1\n1\nc\n1\n\n'; st=$?
# Plain mode writes the number for speech, digit by digit.
first=$(python3 "$(dirname "$0")/../tools/spoken.py" "$(python3 -c 'import json, sys
print(json.load(open(sys.argv[1]))["contacts"][0]["phone"])' "$CONTENT/safety/en-GB.json")")
[ $st -eq 0 ] && grep -qF "$first" "$T/p.checkin" && grep -q "total is 9 out of 27" "$T/p.checkin" &&
    ok "plain PHQ-9 with item 9 = 1 shows the crisis screen and saves" ||
    bad "plain PHQ-9" "status $st
$(tail -20 "$T/p.checkin")"
id=$(export_ids p)
rid=$(sw p export | python3 -c 'import json,sys; print(" ".join(r["id"] for r in json.load(sys.stdin)["risk_answers"]))')
[ $(echo "$id" | grep -c .) -eq 1 ] && [ $(echo "$rid" | wc -w) -eq 1 ] &&
    ok "the profile holds the check-in and the risk answer's own record" || bad "profile records" "$id / $rid"
# The check-in command sends what it saved at once (the device registers
# first: it was enrolled with --no-sync): the risk answer when it was
# given, the check-in when it was saved.
expect "the risk answer and the check-in reached the clinic when they were saved" 2 "$(clinic_count "$T/c")"
grep -q "received 1 record" "$T/p.checkin" && ok "and says the clinic received it" || bad "checkin sync words" "$(tail -8 "$T/p.checkin")"
sw_sync p; st=$?
expect "stepwise sync then has nothing to do: exit 3" 3 $st "$(cat "$T/p.sync")"
expect "the server holds two records" 2 "$(clinic_count "$T/c")"
expect "the server's records have the profile's ids" "$(printf '%s\n' "$id" "$rid" | sort)" "$(clinic_ids "$T/c")"
dev=$(sqlite3 "$(clinic_db "$T/c")" 'SELECT device FROM devices')
results "$T/c" >"$T/res1.json" 2>"$T/res1.err"; st=$?
expect "stepwise-clinic results --format json exits 0" 0 $st "$(cat "$T/res1.err")"
python3 - "$T/res1.json" "$id" "$dev" "$rid" <<'PY' && ok "results: the risk answer, and the check-in naming it with the same answers, total, severity, risk; patient R1" || bad "results JSON" "$(cat "$T/res1.json")"
import json, sys
d = json.load(open(sys.argv[1])); rid, dev, sig = sys.argv[2], sys.argv[3], sys.argv[4]
assert d["format"] == 1 and d["quarantined"] == [], d
r = d["results"]
assert len(r) == 2, len(r)
s = [x for x in r if x["kind"] == "risk"]
assert len(s) == 1 and s[0]["id"] == sig and s[0]["patient"] == "R1", s
assert s[0]["record"]["item"] == 9 and s[0]["record"]["answer"] == 1, s
r = [x for x in r if x["kind"] == "checkin"][0]
assert r["record"]["risk_signal"] == sig, r
assert r["patient"] == "R1" and r["kind"] == "checkin" and r["check"] == "ok", r
assert r["id"] == rid and r["device"] == dev and r["risk"] is True, r
x = r["record"]
assert x["measure"] == "phq9", x
assert x["answers"] == [1, 2, 0, 1, 0, 3, 0, 1, 1], x
assert x["functional"] == 1 and x["total"] == 9, x
assert x["severity"] == "mild" and x["risk"] is True, x
assert isinstance(r["received_at"], int) and isinstance(r["created_at"], int)
assert r["created_at"] == x["completed_ts"], r
PY

sw_sync p; st=$?
expect "a second sync has nothing to do: exit 3" 3 $st "$(cat "$T/p.sync")"
expect "still two records at the server" 2 "$(clinic_count "$T/c")"
n=$(results "$T/c" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["results"]))')
expect "results still lists exactly two records" 2 "$n"
results "$T/c" --risk | python3 -c '
import json, sys
r = json.load(sys.stdin)["results"]
assert len(r) == 2 and all(x["risk"] is True for x in r), r' && ok "results --risk lists both" || bad "results --risk"

# Nothing waits, and the patient can see when it last went (a date and
# time, not "never").
sw p status >"$T/status" 2>&1
grep -qx "Clinic: Test Clinic" "$T/status" && grep -qx "Waiting to send: 0" "$T/status" &&
    grep -Eqx "Last sent: [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}" "$T/status" &&
    ok "stepwise status names the clinic, nothing waiting, and when it last sent" || bad "status" "$(cat "$T/status")"

stop_server srv; st=$?
expect "SIGTERM stops the server cleanly" 0 $st "$(tail -5 "$T/srv.log")"
sw_sync p; st=$?
expect "with the server gone, sync exits 4" 4 $st "$(cat "$T/p.sync")"
grep -qi "could not reach" "$T/p.sync" && ok "and says it could not reach the clinic" || bad "unreachable wording" "$(cat "$T/p.sync")"
finish
