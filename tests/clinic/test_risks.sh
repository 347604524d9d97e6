#!/bin/bash
# test_risks.sh: open risks at the clinic (stepwise-clinic(8), RISKS, ack,
# watch, AUDIT). A risk stays open until a named person acknowledges it,
# whatever arrives after; newest received first; one risk for a signal and
# the check-in that names it; quarantined records that show risk, or
# cannot be read, are open risks; a broken content folder hides nothing;
# acknowledgements are sealed and can be neither changed nor deleted; the
# watcher runs the clinic's command once per risk, across restarts and
# crashes, with the patient and the time only, also for a record the real
# server has just received. Rows are made by sw-clinic-fixture with real
# keys, as stepwise-clinic serve would store them.
#   test_risks.sh STEPWISE-CLINIC SW-CLINIC-FIXTURE CONTENT-DIR RISK-MAIL
# RISK-MAIL is contrib/systemd/stepwise-risk-mail, the man page's example.
set -u
shopt -s lastpipe	# rec, at the end of a pipe, keeps its ID_ variables
SC=$1 FX=$2 CONTENT=$3 MAILCMD=$4
SUFFIX=risks . "$(dirname "$0")/serve_lib.sh"
export TZ=UTC STEPWISE_CONTENT_DIR=$CONTENT LC_ALL=C.UTF-8
C=$T/c
q() { sqlite3 -cmd '.timeout 10000' "$(clinic_db "$C")" "$1"; }

"$SC" init "$C" --name Riverside >/dev/null || { echo "init failed"; exit 1; }
for p in R1 R2 R3 R1x; do
	"$SC" enroll --dir "$C" --patient "${p%x}" -o "$T/$p.json" >/dev/null || { echo "enroll failed"; exit 1; }
done
D1=$("$FX" device "$C" "$T/R1.json" "$T/d1.keys") &&
D2=$("$FX" device "$C" "$T/R2.json" "$T/d2.keys") &&
D3=$("$FX" device "$C" "$T/R3.json" "$T/d3.keys") &&
DBAD=$("$FX" device "$C" "$T/R1x.json" "$T/dbad.keys" bad-reg) || { echo "fixture devices failed"; exit 1; }

t0=$(( $(date +%s) - 100000 )) r0=$(( $(date +%s) - 50000 ))
# rec NAME KEYS KIND CREATED RECEIVED [MODE] <<< JSON: store one, keep its id.
rec() {
	local id
	id=$(SW_FIXTURE_RECEIVED_AT=$5 "$FX" record "$C" "$T/$2.keys" "$3" "$4" ${6:-}) || { echo "fixture record $1 failed"; exit 1; }
	echo "$1 $id" >>"$T/ids"
	eval "ID_$1=$id"
}
phq() { # answers total severity label risk [signal]
	echo "{\"measure\":\"phq9\",\"answers\":[$1],\"functional\":1,\"total\":$2,\"severity\":\"$3\",\"severity_label\":\"$4\",\"risk\":$5,\"completed_at\":\"2026-11-22T10:00:00Z\",\"completed_ts\":$t0${6:+,\"risk_signal\":\"$6\"}}"
}
signal() { # answer
	echo "{\"measure\":\"phq9\",\"item\":9,\"answer\":$1,\"answered_at\":\"2026-11-23T10:26:40Z\",\"answered_ts\":$t0}"
}
: >"$T/ids"
# R1: a risk check-in made and received first; a clean PHQ-9 made and
# received after it (the latest PHQ-9); a second risk check-in made between
# them, received late. R2: a risk signal, then the finished
# check-in that names it (made before the signal by a wrong clock). R3: a
# GAD-7 only. Two quarantined records claimed for R1: one from a device
# whose registration fails, showing risk; one that does not open at all.
phq 1,1,1,0,0,0,0,0,2 5 mild Mild true | rec A d1 checkin $((t0 + 10)) $((r0 + 10))
phq 0,0,0,0,0,0,0,0,0 0 minimal Minimal false | rec B d1 checkin $((t0 + 20)) $((r0 + 20))
signal 3 | rec S d2 risk $((t0 + 50)) $((r0 + 30))
phq 2,2,2,1,1,1,0,0,3 12 moderate Moderate true "$ID_S" | rec K d2 checkin $((t0 + 40)) $((r0 + 40))
echo "{\"measure\":\"gad7\",\"answers\":[0,1,0,1,0,1,0],\"total\":3,\"severity\":\"minimal\",\"severity_label\":\"Minimal\",\"risk\":false,\"completed_at\":\"x\",\"completed_ts\":$t0}" | rec G d3 checkin $((t0 + 30)) $((r0 + 35))
phq 1,1,1,0,0,0,0,0,1 4 minimal Minimal true | rec A2 d1 checkin $((t0 + 15)) $((r0 + 42))
phq 0,0,0,0,0,0,0,0,0 0 minimal Minimal false | rec QW d1 checkin $((t0 + 5)) $((r0 + 45)) wrong-key
phq 0,0,0,0,0,0,0,0,2 2 minimal Minimal true | rec QB dbad checkin $((t0 + 6)) $((r0 + 50))
[ "$(q 'SELECT count(*) FROM records')" = 8 ] && ok "fixture stored 8 signed and sealed records" || bad "fixture"
WANT_ORDER="QB QW A2 S A"	# the risks, newest received first

# ---- the watcher first, on a copy: once per risk, across restarts ----
W=$T/w
cp -r "$C" "$W"
cp -r "$C" "$T/w2"
cat >"$T/notify" <<EOF
#!/bin/sh
# One line per run, in one write: the arguments, then the STEPWISE_
# variables.
line="argc=\$#"
for a in "\$@"; do line="\$line [\$a]"; done
line="\$line \$(env | grep '^STEPWISE_' | sort | tr '\n' ' ')"
printf '%s\n' "\$line" >>"$T/notify.log"
[ -e "$T/fail-once" ] && { rm -f "$T/fail-once"; exit 1; }
if [ -e "$T/hold" ]; then echo held >>"$T/held"; while [ -e "$T/hold" ]; do sleep 0.05; done; fi
exit 0
EOF
chmod +x "$T/notify"
: >"$T/notify.log"
"$SC" watch --dir "$W" --exec "$T/notify" --once 2>"$T/watch.err"; st=$?
[ $st -eq 0 ] && [ "$(wc -l <"$T/notify.log")" = 5 ] && [ "$(sqlite3 "$(clinic_db "$W")" 'SELECT count(*) FROM notices')" = 5 ] &&
    ok "watch --once: the command ran once for each of the 5 open risks, each kept as a notice" || bad "watch first look ($st)" "$(cat "$T/notify.log" "$T/watch.err")"
python3 - "$T/notify.log" "$(clinic_db "$W")" <<'PY' && ok "the command gets no arguments, and in its environment only STEPWISE_PATIENT and STEPWISE_RECEIVED_AT, never an answer" || bad "watch environment" "$(cat "$T/notify.log")"
import os, re, sqlite3, sys, datetime
db = sqlite3.connect(sys.argv[2])
received = {datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
            for (t,) in db.execute("SELECT received_at FROM records")}
ours = {k: v for k, v in os.environ.items() if k.startswith("STEPWISE_")}
seen = []
for l in open(sys.argv[1]).read().splitlines():
    argc, *env = l.split()
    assert argc == "argc=0", l
    env = dict(x.split("=", 1) for x in env)
    new = {k: v for k, v in env.items() if ours.get(k) != v}
    assert set(new) == {"STEPWISE_PATIENT", "STEPWISE_RECEIVED_AT"}, l
    assert re.fullmatch(r"[A-Za-z0-9._-]{1,64}", new["STEPWISE_PATIENT"]), l
    assert new["STEPWISE_RECEIVED_AT"] in received, l
    seen.append(new["STEPWISE_PATIENT"])
assert sorted(seen) == ["R1", "R1", "R1", "R1", "R2"], seen
PY
grep -q "told of 5 new open risks" "$T/watch.err" && ! grep -qE "R1|R2|$D1" "$T/watch.err" &&
    ok "the watcher's log says how many, never whose" || bad "watch log" "$(cat "$T/watch.err")"
"$SC" watch --dir "$W" --exec "$T/notify" --once 2>"$T/watch.err"; st=$?
[ $st -eq 0 ] && [ "$(wc -l <"$T/notify.log")" = 5 ] && ok "a second watch (a restart) runs it for none of them again" || bad "watch twice" "$(cat "$T/notify.log")"
# A check-in naming an already told signal is the same risk: no new run.
# A new signal is: one run, with its patient.
phq 0,0,0,0,0,0,0,0,1 1 minimal Minimal true "$ID_S" | C=$W rec K2 d2 checkin $((t0 + 70)) $((r0 + 60))
signal 1 | C=$W rec S3 d3 risk $((t0 + 80)) $((r0 + 61))
"$SC" watch --dir "$W" --exec "$T/notify" --once 2>"$T/watch.err"
[ "$(wc -l <"$T/notify.log")" = 6 ] && tail -1 "$T/notify.log" | grep -q "STEPWISE_PATIENT=R3 " &&
    ok "new arrivals: the signal's finished check-in tells nobody again, a new signal once" || bad "watch new arrivals" "$(cat "$T/notify.log")"
# A failing command is logged and run again at the next look.
signal 2 | C=$W rec S4 d3 risk $((t0 + 81)) $((r0 + 62))
touch "$T/fail-once"
"$SC" watch --dir "$W" --exec "$T/notify" --once 2>"$T/watch.err"; st=$?
[ $st -eq 1 ] && grep -q "exited with status 1 for a new open risk; it is run again" "$T/watch.err" &&
    [ "$(sqlite3 "$(clinic_db "$W")" 'SELECT count(*) FROM notices')" = 6 ] && ok "a command that fails: logged, no notice, exit 1" || bad "watch fail ($st)" "$(cat "$T/watch.err")"
"$SC" watch --dir "$W" --exec "$T/notify" --once 2>"$T/watch.err"; st=$?
[ $st -eq 0 ] && [ "$(wc -l <"$T/notify.log")" = 8 ] && [ "$(sqlite3 "$(clinic_db "$W")" 'SELECT count(*) FROM notices')" = 7 ] &&
    ok "and the next look runs it again, and keeps the notice" || bad "watch retry ($st)" "$(cat "$T/notify.log" "$T/watch.err")"
# A crash after the command ran and before the notice was kept: at least
# once, so the command runs again (never lost, at worst told twice).
signal 1 | C=$W rec S5 d3 risk $((t0 + 82)) $((r0 + 63))
touch "$T/hold"
"$SC" watch --dir "$W" --exec "$T/notify" --once 2>"$T/watch.err" &
wpid=$!
for _ in $(seq 400); do [ -s "$T/held" ] && break; sleep 0.05; done
kill -9 "$wpid"; wait "$wpid" 2>/dev/null
rm -f "$T/hold"
"$SC" watch --dir "$W" --exec "$T/notify" --once 2>"$T/watch.err"; st=$?
[ -s "$T/held" ] && [ $st -eq 0 ] && [ "$(wc -l <"$T/notify.log")" = 10 ] && [ "$(sqlite3 "$(clinic_db "$W")" 'SELECT count(*) FROM notices')" = 8 ] &&
    ok "killed while the command ran: the next start runs it again for that risk, one notice" || bad "watch crash ($st)" "$(cat "$T/notify.log" "$T/watch.err")"
# A risk acknowledged before the watcher looks is nobody's news.
signal 1 | C=$W rec S6 d3 risk $((t0 + 83)) $((r0 + 64))
"$SC" ack --dir "$W" --patient R3 --id "$ID_S6" --as Sam --note "Seen at the clinic" >/dev/null 2>&1
"$SC" watch --dir "$W" --exec "$T/notify" --once 2>/dev/null
[ "$(wc -l <"$T/notify.log")" = 10 ] && ok "a risk acknowledged before the watcher looked: not told" || bad "watch acked"
sqlite3 "$(clinic_db "$W")" "UPDATE notices SET notified_at = 0" 2>/dev/null; u=$?
sqlite3 "$(clinic_db "$W")" "DELETE FROM notices" 2>/dev/null; d=$?
[ $u -ne 0 ] && [ $d -ne 0 ] && [ "$(sqlite3 "$(clinic_db "$W")" 'SELECT count(*) FROM notices WHERE notified_at > 0')" = 8 ] &&
    ok "notices can be neither changed nor deleted" || bad "notices changed"
"$SC" watch --dir "$W" --exec "$T/no-such-cmd" --once >/dev/null 2>"$T/err"; [ $? -eq 2 ] && grep -q "cannot be run\|not a command" "$T/err" &&
    ok "watch --exec of a command that does not exist: a usage error" || bad "watch bad cmd" "$(cat "$T/err")"
"$SC" watch --dir "$W" --once >/dev/null 2>&1; [ $? -eq 2 ] && ok "watch without --exec: a usage error" || bad "watch no exec"
# The man page's example command, with a mail(1) that keeps what it gets.
mkdir "$T/bin"
cat >"$T/bin/mail" <<EOF
#!/bin/sh
{ printf 'mail'; printf ' [%s]' "\$@"; echo; cat; echo .; } >>"$T/mails"
EOF
chmod +x "$T/bin/mail"
PATH=$T/bin:$PATH STEPWISE_RISK_MAIL_TO=duty@riverside.example "$SC" watch --dir "$T/w2" --exec "$MAILCMD" --once 2>"$T/err"; st=$?
python3 - "$T/mails" <<'PY' && [ $st -eq 0 ] && ok "the example stepwise-risk-mail sends one mail a risk: the patient and the time, no answers" || bad "risk mail ($st)" "$(cat "$T/mails" "$T/err")"
import re, sys
mails = open(sys.argv[1]).read().split("\n.\n")[:-1]
assert len(mails) == 5, mails
for m in mails:
    head, body = m.split("\n", 1)
    assert head == "mail [-s] [Stepwise: new open risk] [duty@riverside.example]", head
    assert re.match(r"Patient R[12] has a new open risk, received \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\.\n", body), body
    assert not re.search(r"phq|PHQ|answer [0-9]|total|item 9|[Mm]oderate", body), body
PY

# ---- the watcher against the real server receiving a real upload ----
S=$T/s
"$SC" init "$S" >/dev/null && "$SC" enroll --dir "$S" --patient RT-9 -o "$T/rt9.json" >/dev/null &&
    "$FX" device "$S" "$T/rt9.json" "$T/d9.keys" >/dev/null || { echo "server clinic failed"; exit 1; }
SERVE_DIR=$S start srv
: >"$T/notify.log"
"$SC" watch --dir "$S" --exec "$T/notify" --interval 1 >/dev/null 2>"$T/watchd.err" &
wpid=$!
pids+=("$wpid")
signal 2 | "$FX" record "$S" "$T/d9.keys" risk $((t0 + 1)) post >"$T/body"
st=$(curl -s -o "$T/resp" -w '%{http_code}' -H 'Content-Type: application/json' -H 'Expect:' --data-binary @"$T/body" "$U/v1/records")
for _ in $(seq 600); do [ -s "$T/notify.log" ] && break; sleep 0.05; done
[ "$st" = 200 ] && grep -q "STEPWISE_PATIENT=RT-9 " "$T/notify.log" && [ "$(wc -l <"$T/notify.log")" = 1 ] &&
    ok "watch --interval: a risk signal the real server just received is told, once" || bad "watch with serve ($st)" "$(cat "$T/resp" "$T/notify.log" "$T/watchd.err")"
kill -TERM "$wpid"; wait "$wpid"; st=$?
[ $st -eq 0 ] && grep -q "stopped" "$T/watchd.err" && ok "SIGTERM stops the watcher cleanly (exit 0)" || bad "watch stop ($st)" "$(cat "$T/watchd.err")"
phq 0,0,0,0,0,0,0,0,0 0 minimal Minimal false | "$FX" record "$S" "$T/d9.keys" checkin $((t0 + 2)) post >"$T/body"
curl -s -o /dev/null -H 'Content-Type: application/json' -H 'Expect:' --data-binary @"$T/body" "$U/v1/records"
"$SC" watch --dir "$S" --exec "$T/notify" --once 2>/dev/null
[ "$(wc -l <"$T/notify.log")" = 1 ] && ok "after the restart, a new clean upload: the served risk is not told again" || bad "watch restart" "$(cat "$T/notify.log")"

# ---- risks ----
"$SC" risks --dir "$C" --format json >"$T/r.json" 2>"$T/err"; st=$?
python3 - "$T/r.json" "$T/ids" "$WANT_ORDER" "$DBAD" <<'PY' && [ $st -eq 0 ] && ok "risks: every open risk, newest received first; a signal and its check-in are one risk" || bad "risks json" "$(cat "$T/r.json" "$T/err")"
import json, sys
r = json.load(open(sys.argv[1])); ids = dict(l.split() for l in open(sys.argv[2]))
got = [x["id"] for x in r["risks"]]
assert got == [ids[n] for n in sys.argv[3].split()], got
by = {x["id"]: x for x in r["risks"]}
s = by[ids["S"]]
assert s["patient"] == "R2" and s["open"] is True and s["acknowledged"] is None
assert s["signal"]["id"] == ids["S"] and s["signal"]["answer"] == 3 and s["signal"]["item"] == 9
assert s["checkin"]["id"] == ids["K"] and s["checkin"]["total"] == 12 and s["checkin"]["severity"] == "moderate"
assert s["checkin"]["answer"] == 3 and s["quarantined"] is None
assert s["received_at"] == s["signal"]["received_at"] < s["checkin"]["received_at"]
a = by[ids["A"]]
assert a["patient"] == "R1" and a["signal"] is None and a["checkin"]["total"] == 5 and a["checkin"]["answer"] == 2
qb = by[ids["QB"]]
assert qb["patient"] is None and qb["claimed_patient"] == "R1" and qb["device"] == sys.argv[4]
assert qb["quarantined"]["reason"] == "bad_registration" and qb["quarantined"]["shows"] == "risk"
assert qb["quarantined"]["answer"] == 2
qw = by[ids["QW"]]
assert qw["quarantined"]["reason"] == "does_not_open" and qw["quarantined"]["shows"] == "unknown"
assert all(x["received_at"] >= y["received_at"] for x, y in zip(r["risks"], r["risks"][1:]))
PY
grep -qx "5 open risks, 0 acknowledged" "$T/err" && ok "risks sums up on standard error" || bad "risks summary" "$(cat "$T/err")"
"$SC" risks --dir "$C" >"$T/r.txt" 2>/dev/null
grep -q "^R2  received .*, made " "$T/r.txt" && grep -q "^  risk signal: PHQ-9 item 9, answer 3 (Nearly every day)$" "$T/r.txt" &&
    grep -q "^  check-in: PHQ-9 12 Moderate, item 9 answer 3$" "$T/r.txt" &&
    grep -q "^R1 (claimed by the server's database, not checked)  received" "$T/r.txt" &&
    grep -q "^  quarantined record (bad_registration): it shows a risk answer (item 9, answer 2)$" "$T/r.txt" &&
    grep -q "^  quarantined record (does_not_open): it cannot be read far enough to check, so it may hold a risk answer$" "$T/r.txt" &&
    [ "$(grep -c '^  id ' "$T/r.txt")" = 5 ] && ok "risks as text: who, when, what each record shows" || bad "risks text" "$(cat "$T/r.txt")"
"$SC" risks --dir "$C" --patient R2 --format json 2>/dev/null | python3 -c '
import json, sys; r = json.load(sys.stdin)["risks"]; assert [x["patient"] for x in r] == ["R2"], r' &&
    ok "risks --patient R2: R2's only" || bad "risks --patient"
"$SC" risks --dir "$C" --patient R3 2>/dev/null | grep -qx "No open risks for R3." && ok "risks --patient R3: none" || bad "risks R3"

# ---- results: risk first, newest received first; quarantine keeps risk ----
"$SC" results --dir "$C" --format json >"$T/res.json" 2>"$T/err"
python3 - "$T/res.json" "$T/ids" <<'PY' && ok "results: risk records first, newest received first (not by the device's clock), then the rest" || bad "results order" "$(cat "$T/res.json")"
import json, sys
r = json.load(open(sys.argv[1])); ids = dict(l.split() for l in open(sys.argv[2]))
got = [x["id"] for x in r["results"]]
assert got == [ids[n] for n in ["A2", "K", "S", "A", "B", "G"]], got
s = [x for x in r["results"] if x["kind"] == "risk"][0]
assert s["risk"] is True and s["check"] == "ok" and s["record"]["answer"] == 3
k = [x for x in r["results"] if x["id"] == ids["K"]][0]
assert k["record"]["risk_signal"] == ids["S"] and k["check"] == "ok"
q = {x["id"]: x["risk"] for x in r["quarantined"]}
assert q == {ids["QB"]: True, ids["QW"]: None}, q
PY
"$SC" results --dir "$C" 2>/dev/null | python3 -c '
import csv, io, json, sys
rows = list(csv.DictReader(io.StringIO(sys.stdin.read(), newline="")))
s = [r for r in rows if r["kind"] == "risk"][0]
assert s["measure"] == "phq9" and s["risk"] == "true" and json.loads(s["text"])["answer"] == 3, s' &&
    ok "results as CSV: the risk signal row, with its answer in the text column" || bad "results csv signal"

# ---- patients: RISK until acknowledged ----
"$SC" patients --dir "$C" --format json >"$T/p.json" 2>"$T/err"
python3 - "$T/p.json" <<'PY' && ok "patients: a later PHQ-9 without risk does not clear RISK; quarantined risks counted apart" || bad "patients risk" "$(cat "$T/p.json" "$T/err")"
import json, sys
p = json.load(open(sys.argv[1])); by = {x["patient"]: x for x in p["patients"]}
assert by["R1"]["latest"]["phq9"]["risk"] is False  # B, the latest made
assert by["R1"]["risk"] is True and by["R1"]["open_risks"] == 2
assert by["R2"]["risk"] is True and by["R2"]["open_risks"] == 1
assert by["R3"]["risk"] is False and by["R3"]["open_risks"] == 0
assert p["quarantined_risks"] == 2
PY
grep -q "2 open risks are shown only by quarantined records" "$T/err" && ok "patients says so on standard error" || bad "patients stderr" "$(cat "$T/err")"

# ---- a broken content folder hides no risk ----
STEPWISE_CONTENT_DIR=$T/none "$SC" risks --dir "$C" --format json >"$T/nc.json" 2>"$T/err"; st=$?
python3 - "$T/nc.json" "$T/ids" "$WANT_ORDER" <<'PY' && [ $st -eq 1 ] && grep -q "not usable" "$T/err" && grep -q "no score was checked" "$T/err" &&
import json, sys
r = json.load(open(sys.argv[1])); ids = dict(l.split() for l in open(sys.argv[2]))
assert [x["id"] for x in r["risks"]] == [ids[n] for n in sys.argv[3].split()], r
s = [x for x in r["risks"] if x["id"] == ids["S"]][0]
assert s["signal"]["check"] == "unknown_measure" and s["signal"]["answer"] == 3
assert s["checkin"]["check"] == "unknown_measure"
PY
    ok "risks with no usable content: every risk still listed, then the problem said, exit 1" || bad "risks no content ($st)" "$(cat "$T/nc.json" "$T/err")"
STEPWISE_CONTENT_DIR=$T/none "$SC" risks --dir "$C" >"$T/nc.txt" 2>/dev/null
grep -q "check-in: phq9, total 12 as sent (not checked" "$T/nc.txt" && ok "and as text, the check-in's total as sent, marked unchecked" || bad "risks no content text" "$(cat "$T/nc.txt")"
STEPWISE_CONTENT_DIR=$T/none "$SC" results --dir "$C" --format json --risk >"$T/nc2.json" 2>"$T/err"; st=$?
python3 -c '
import json, sys; r = json.load(open(sys.argv[1]))["results"]
assert len(r) == 4 and all(x["risk"] for x in r), r' "$T/nc2.json" && [ $st -eq 1 ] &&
    ok "results --risk with no usable content: the four risk records, then exit 1" || bad "results no content ($st)" "$(cat "$T/err")"
STEPWISE_CONTENT_DIR=$T/none "$SC" patients --dir "$C" >"$T/np.txt" 2>"$T/err"; st=$?
[ $st -eq 1 ] && [ "$(grep -c RISK "$T/np.txt")" = 2 ] && ok "patients with no usable content: RISK still shown, exit 1" || bad "patients no content ($st)" "$(cat "$T/np.txt" "$T/err")"

# ---- ack ----
"$SC" ack --dir "$C" --patient R1 --as Sam --note "Called" >"$T/out" 2>"$T/err"; st=$?
[ $st -eq 1 ] && grep -q "Patient R1 has 4 open risks" "$T/err" && grep -q "$ID_A" "$T/err" && grep -q "$ID_A2" "$T/err" &&
    grep -q "$ID_QB" "$T/err" && grep -q "$ID_QW" "$T/err" && [ "$(q 'SELECT count(*) FROM acks')" = 0 ] &&
    ok "ack with four open risks (two only claimed for R1) and no --id: refused, all listed, nothing written" || bad "ack ambiguous ($st)" "$(cat "$T/err")"
NOTE='Rang R2 at 10:40; safe tonight, crisis plan agreed. Zephyrquill'
before=$(date +%s)
"$SC" ack --dir "$C" --patient R2 --as "Sam Jones" --note "$NOTE" >"$T/out" 2>"$T/err"; st=$?
after=$(date +%s)
[ $st -eq 0 ] && grep -q "Acknowledged the risk of R2" "$T/out" &&
    [ "$(q "SELECT acked_by, acked_at BETWEEN $before AND $after, length(sealed) > 0 FROM acks")" = "Sam Jones|1|1" ] &&
    ok "ack --patient R2 (its one risk): who and when kept, with a sealed row" || bad "ack R2 ($st)" "$(cat "$T/out" "$T/err")"
! grep -aq "Zephyrquill" "$(clinic_db "$C")"* && ok "the note is not in the database in clear" || bad "note in clear"
[ "$(q "SELECT group_concat(name) FROM pragma_table_info('acks')")" = "n,acked_by,acked_at,sealed" ] &&
    ok "the row names no record and no patient in clear: only who, when and the sealed part" || bad "acks columns"
"$SC" risks --dir "$C" --format json 2>/dev/null | python3 -c '
import json, sys; r = json.load(sys.stdin)["risks"]; assert "R2" not in [x["patient"] for x in r] and len(r) == 4' &&
    ok "an acknowledged risk is no longer listed" || bad "acked still listed"
"$SC" risks --dir "$C" --all --format json 2>/dev/null | python3 -c '
import json, sys; r = [x for x in json.load(sys.stdin)["risks"] if x["patient"] == "R2"]
assert len(r) == 1 and r[0]["open"] is False and r[0]["acknowledged"]["by"] == "Sam Jones"
assert r[0]["acknowledged"]["note"] == sys.argv[1]' "$NOTE" && ok "risks --all shows it acknowledged, by whom, with the note" || bad "risks --all"
"$SC" patients --dir "$C" --format json 2>/dev/null | python3 -c '
import json, sys; p = {x["patient"]: x for x in json.load(sys.stdin)["patients"]}
assert p["R2"]["risk"] is False and p["R1"]["risk"] is True' && ok "patients: RISK closed by the acknowledgement, and only then" || bad "patients after ack"
"$SC" ack --dir "$C" --patient R2 --id "$ID_K" --as Sam --note again >/dev/null 2>"$T/err"; [ $? -eq 1 ] && grep -q "already" "$T/err" &&
    [ "$(q 'SELECT count(*) FROM acks')" = 1 ] && ok "acknowledging it again (by the check-in's id): refused" || bad "ack twice" "$(cat "$T/err")"
printf 'Saw her at the clinic.\nSecond line\n' | "$SC" ack --dir "$C" --patient R1 --id "$ID_A" --note - >"$T/out" 2>"$T/err"; st=$?
by=$(q "SELECT acked_by FROM acks ORDER BY n DESC LIMIT 1")
[ $st -eq 0 ] && { [ "$by" = "$(id -un)" ] || [ "$by" = "$(logname 2>/dev/null)" ]; } &&
    ok "ack --id with the note from standard input; --as defaults to the login name ($by)" || bad "ack --id ($st)" "$(cat "$T/err")"
"$SC" risks --dir "$C" --all 2>/dev/null | grep -A1 "by $by:" | grep -qx "    Saw her at the clinic." && ok "a note of two lines is shown indented" || bad "note lines" "$("$SC" risks --dir "$C" --all 2>&1)"
"$SC" ack --dir "$C" --id "$ID_QB" --as Sam --note "Device replaced; patient contacted" >/dev/null 2>"$T/err" &&
    ok "a quarantined risk is acknowledged by its id" || bad "ack quarantined" "$(cat "$T/err")"
n=$(q 'SELECT count(*) FROM acks')
noack() { # NAME STATUS GREP -- args
	local name=$1 want=$2 pat=$3; shift 3
	"$SC" ack --dir "$C" "$@" >/dev/null 2>"$T/err"; local st=$?
	if [ $st -eq "$want" ] && grep -qi -- "$pat" "$T/err" && [ "$(q 'SELECT count(*) FROM acks')" = "$n" ]; then
		ok "$name"
	else
		bad "$name (status $st)" "$(cat "$T/err")"
	fi
}
noack "ack without --note: usage error" 2 "note" --patient R1 --id "$ID_A2"
noack "an empty note is refused" 1 "empty" --patient R1 --id "$ID_A2" --note ""
noack "a note with a control character is refused" 1 "control" --patient R1 --id "$ID_A2" --note "$(printf 'a\033[2Jb')"
noack "a note over 2000 characters is refused" 1 "2000" --patient R1 --id "$ID_A2" --note "$(head -c 2001 /dev/zero | tr '\0' x)"
noack "a note that is not UTF-8 is refused" 1 "UTF-8" --patient R1 --id "$ID_A2" --note "$(printf 'caf\xe9')"
noack "--as on two lines is refused" 2 "one line" --patient R1 --id "$ID_A2" --note ok --as "$(printf 'Sam\nX')"
noack "an id that is no risk of R1 is refused" 1 "no risk" --patient R1 --id "$ID_S" --note ok
noack "a patient with no open risk" 1 "no open risk" --patient R3 --note ok
noack "a malformed id is a usage error" 2 "id" --patient R1 --id XYZ --note ok
# C1 and bidirectional controls are UTF-8, but could drive the terminal.
noack "a note with a C1 control (CSI) is refused" 1 "control character (U+009B)" --patient R1 --id "$ID_A2" --note "$(printf 'ok\xc2\x9b2J done')"
noack "a note with a bidirectional control is refused" 1 "bidirectional control (U+202E)" --patient R1 --id "$ID_A2" --note "$(printf 'ok \xe2\x80\xaeenod')"
"$SC" ack --dir "$C" --patient R1 --id "$ID_A2" --as Sam --note "$(printf 'ok\tdone')" >/dev/null 2>&1
"$SC" risks --dir "$C" --all 2>/dev/null | grep -q "^    ok	done$" && ok "a note with a tab is kept and shown" || bad "note with a tab"
"$SC" risks --dir "$C" 2>/dev/null | grep -c '^  id ' | grep -qx 1 && ok "one risk left open: the one that cannot be read" || bad "left open"

# ---- the audit table: append-only, and sealed ----
n=$(q 'SELECT count(*) FROM acks')
h=$(q 'SELECT group_concat(acked_by || acked_at || hex(sealed)) FROM acks')
q "UPDATE acks SET acked_by = 'Mallory'" 2>"$T/err"; u=$?
q "DELETE FROM acks" 2>>"$T/err"; d=$?
[ $u -ne 0 ] && [ $d -ne 0 ] && grep -q "kept for audit" "$T/err" && [ "$(q 'SELECT count(*) FROM acks')" = "$n" ] &&
    [ "$(q 'SELECT group_concat(acked_by || acked_at || hex(sealed)) FROM acks')" = "$h" ] &&
    ok "acknowledgements can be neither changed nor deleted" || bad "acks changed" "$(cat "$T/err")"
# A row the server's account could write (it cannot seal one): it closes
# nothing, and the clinic is told.
q "INSERT INTO acks(acked_by, acked_at, sealed) VALUES('Mallory', 1, randomblob(400))"
q "INSERT INTO acks(acked_by, acked_at, sealed) SELECT 'Mallory', acked_at, sealed FROM acks WHERE n = 1"
"$SC" risks --dir "$C" --format json >"$T/r2.json" 2>"$T/err"
python3 -c '
import json, sys; r = json.load(open(sys.argv[1]))["risks"]; assert len(r) == 1, r' "$T/r2.json" &&
    grep -q "2 rows of the audit tables failed the clinic's check" "$T/err" &&
    ok "forged or altered acknowledgement rows close nothing, and are reported" || bad "forged ack" "$(cat "$T/err")"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
