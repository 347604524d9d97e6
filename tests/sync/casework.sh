#!/bin/bash
# casework.sh: the supporter's casework as commands (issue 17, points 3 to
# 6, without the console): assign, review (done, with minutes and a note;
# the next one's date; the case shown), audit (who assigned, reviewed,
# messaged, acknowledged and read whose records), and time (the service's
# data return, CSV). Patients sync through the real server first. The
# rows are sealed: the database holds no patient, note or supporter in
# clear; a row the server's account forges or copies is left out and
# reported; rows cannot be changed or deleted.
#   casework.sh STEPWISE STEPWISE-CLINIC SW-SEED CONTENT-DIR SW-PROXY
. "$(dirname "$0")/lib.sh"
export TZ=UTC
P1=PATIENT-QUOKKA-1 P2=PATIENT-WOMBAT-2
NOTE="Talked through the sleep diary; agreed a wind-down routine."
db() { sqlite3 -cmd '.timeout 5000' "$(clinic_db "$T/c")" "$@"; }
rows() { db 'SELECT count(*) FROM casework'; }
sc() { "$SC" "$1" --dir "$T/c" "${@:2}"; }

make_clinic "$T/c" && start_server srv "$T/c" || finish
set_url "$T/c" "http://127.0.0.1:${PORT[srv]}"
make_profile p1 && make_profile p2 || finish
# 2026-11-02 and 2026-11-20 (UTC) for P1, 2026-11-10 for P2.
seed p1 phq9 "2,2,2,1,1,1,1,1,0" 1793620800 || finish
seed p1 phq9 "1,1,1,1,0,0,0,0,0" 1795176000 || finish
seed p2 gad7 "1,1,1,1,1,1,1" 1794312000 || finish
enroll_file "$T/c" "$P1" "$T/p1.stepwise" && enroll p1 "$T/p1.stepwise" || finish
enroll_file "$T/c" "$P2" "$T/p2.stepwise" && enroll p2 "$T/p2.stepwise" || finish
sync_until p1 5 >/dev/null && sync_until p2 5 >/dev/null || bad "the patients sync" "$(cat "$T/p1.syncs" "$T/p2.syncs")"
expect "the clinic holds the three check-ins" 3 "$(clinic_count "$T/c")"
expect "no casework yet" 0 "$(rows)"

# ---- assign ----
out=$(sc assign --patient "$P1" --to "Sam Supporter" --as "Ann Admin" 2>&1)
expect "assign says so" "Patient $P1 is now Sam Supporter's." "$out"
out=$(sc assign --patient PATIENT-NOBODY --to Sam --as Ann 2>&1); st=$?
[ $st -eq 1 ] && grep -q "There is no patient PATIENT-NOBODY" <<<"$out" && [ "$(rows)" = 1 ] &&
    ok "assigning a patient the clinic never enrolled is refused, nothing written" || bad "unknown patient (exit $st)" "$out"
out=$(sc assign --patient "$P1" --as Ann 2>&1); st=$?
[ $st -eq 2 ] && grep -q -- "--to NAME is needed" <<<"$out" && ok "assign without --to: usage error" || bad "assign --to (exit $st)" "$out"
out=$(sc assign --patient "$P1" --to "$(printf 'Sam\033[2J')" --as Ann 2>&1); st=$?
[ $st -eq 2 ] && [ "$(rows)" = 1 ] && ok "a supporter name with a control character is refused" || bad "control in --to (exit $st)" "$out"

# ---- review ----
out=$(sc review --patient "$P1" --minutes 12 --as "Sam Supporter" 2>&1); st=$?
[ $st -eq 2 ] && grep -q "needs both --minutes N and --note" <<<"$out" && ok "a review needs minutes and a note together" || bad "review half (exit $st)" "$out"
out=$(sc review --patient "$P1" --minutes 601 --note x --as Sam 2>&1); st=$?
[ $st -eq 2 ] && ok "minutes above 600 are refused" || bad "minutes 601 (exit $st)" "$out"
out=$(sc review --patient "$P1" --next 2026-02-30 --as Sam 2>&1); st=$?
[ $st -eq 2 ] && grep -q "YYYY-MM-DD" <<<"$out" && ok "a date that does not exist is refused" || bad "bad date (exit $st)" "$out"
out=$(printf '%s' "$NOTE" | sc review --patient "$P1" --minutes 12 --note - --next 2026-12-20 --as "Sam Supporter" 2>&1)
grep -q "Recorded a review of $P1 by Sam Supporter: 12 minutes." <<<"$out" &&
    grep -q "The next review of $P1 is due on 2026-12-20." <<<"$out" &&
    ok "a review with minutes, a note from standard input and the next date" || bad "review" "$out"
sc review --patient "$P2" --next 2026-01-05 --as Ann >/dev/null 2>&1 || bad "P2's next review"
out=$(sc review --patient "$P1" 2>&1)
for want in "Supporter:    Sam Supporter" "Next review:  2026-12-20" "Time spent:   12 minutes" \
    "review by Sam Supporter, 12 minutes:" "$NOTE" "PHQ-9 (caseness at 10 or more):" "check-in PHQ-9: 11 Moderate" \
    "assigned to Sam Supporter by Ann Admin"; do
	grep -qF "$want" <<<"$out" && ok "the case of $P1 shows: $want" || bad "case: $want" "$out"
done
grep -q "Next review:  2026-01-05 (overdue)" <<<"$(sc review --patient "$P2" 2>&1)" &&
    ok "a review date passed is overdue" || bad "overdue" "$(sc review --patient "$P2" 2>&1)"
grep -q "Supporter:    nobody assigned yet" <<<"$(sc review --patient "$P2" 2>&1)" &&
    ok "and P2 has nobody assigned" || bad "P2 unassigned"

# ---- what the server's account sees of it ----
# Who did it and when are in clear; the patient, the supporter assigned,
# the note and the date are sealed. (Patient references are in the
# server's own tables already: it routes by them; not in this one.)
dump=$(db ".dump casework")
grep -q "Sam Supporter" <<<"$dump" && ok "control: the dump of the casework table shows who (done_by)" || bad "dump" "$dump"
found=""
for w in "$P1" "$P2" "sleep diary" "Kim" "2026-12-20" "12 minutes"; do
	grep -qF -- "$w" <<<"$dump" && found="$found [$w]"
done
assigned_in_clear=$(db "SELECT count(*) FROM casework WHERE done_by = 'Ann Admin' AND instr(CAST(sealed AS TEXT), 'Sam')")
[ -z "$found" ] && [ "$assigned_in_clear" = 0 ] &&
    ok "no patient, note, review date or assigned supporter in the casework table in clear" || bad "in clear:$found ($assigned_in_clear)"

# ---- audit ----
sc results --format json >/dev/null 2>&1 || bad "results"
printf 'See you next week.' | sc message --patient "$P1" --from Sam >/dev/null 2>&1 || bad "message"
audit=$(sc audit 2>&1)
for want in "Ann Admin assigned $P1 to Sam Supporter" "Sam Supporter reviewed $P1, 12 minutes" \
    "Sam Supporter set the next review $P1: due 2026-12-20" "read the records (results) of $P1 $P2" "sent a message $P1"; do
	grep -qF "$want" <<<"$audit" && ok "audit: $want" || bad "audit: $want" "$audit"
done
audit2=$(sc audit --patient "$P2" --format json 2>&1)
python3 - "$audit2" "$P1" "$P2" <<'PYEOF' && ok "audit --patient P2 --format json: only rows naming P2" || bad "audit json" "$audit2"
import json, sys
a = json.loads(sys.argv[1])["audit"]
assert a and all(sys.argv[3] in r["patients"] for r in a), a
assert {r["action"] for r in a} == {"next", "view"}, a
PYEOF

# ---- rows the server's account adds ----
before=$(sc review --patient "$P1" 2>&1)
n_assign=$(db "SELECT n FROM casework ORDER BY n LIMIT 1")
sc assign --patient "$P1" --to "Kim Keyworker" --as Ann >/dev/null 2>&1 || bad "reassign"
db "INSERT INTO casework(done_by, done_at, sealed) SELECT done_by, done_at, sealed FROM casework WHERE n = $n_assign" || bad "copy a row"
db "INSERT INTO casework(done_by, done_at, sealed) VALUES('Mallory', 1796000000, randomblob(300))" || bad "forge a row"
out=$(sc review --patient "$P1" 2>&1)
grep -q "Supporter:    Kim Keyworker" <<<"$out" &&
    ok "an old assignment copied back does not undo the new one" || bad "copied row took effect" "$out"
grep -q "2 rows of the casework table failed the clinic's check" <<<"$out" &&
    ok "the copy and the forged row are reported and left out" || bad "bad rows" "$out"
db "UPDATE casework SET done_by = 'x'" 2>/dev/null && bad "an update is refused" || ok "an update is refused"
db "DELETE FROM casework" 2>/dev/null && bad "a delete is refused" || ok "a delete is refused"

# ---- the caseload (patients) ----
# P2's review is overdue, P1's is not; a third patient, P3, synced 20 days
# ago and not since; P1's risk answer comes last, and puts P1 first.
P3=PATIENT-NUMBAT-3
make_profile p3 && seed p3 phq9 "0,0,0,0,0,0,0,0,0" 1794312000 || finish
enroll_file "$T/c" "$P3" "$T/p3.stepwise" && enroll p3 "$T/p3.stepwise" || finish
sync_until p3 5 >/dev/null || bad "P3 syncs" "$(cat "$T/p3.syncs")"
# The server stamps a device's last contact with its own clock: make P3's
# twenty days old, as if it had not synced since.
db "UPDATE devices SET last_seen = strftime('%s', 'now') - 20 * 86400 WHERE patient = '$P3'" || bad "age P3's last contact"
order() { sc patients "$@" 2>/dev/null | grep '^PATIENT-' | paste -sd' '; }
expect "caseload: overdue review first, then 14 days silent, then the rest" "$P2 $P3 $P1" "$(order)"
grep -q "no contact for 2[01] days" <<<"$(sc patients 2>/dev/null)" && ok "the silent patient shows the days" || bad "silent days" "$(sc patients 2>&1)"
checkin_plain p1 phq9 '0\n0\n0\n0\n0\n0\n0\n0\n2\nc\n0\n\n'
sync_until p1 5 >/dev/null
expect "caseload: an open risk goes before everything" "$P1 $P2 $P3" "$(order)"
expect "--supporter: only that supporter's patients" "$P1" "$(order --supporter "Kim Keyworker")"
grep -q "No patient is assigned to Nobody" <<<"$(sc patients --supporter Nobody 2>&1)" && ok "--supporter with none says so" || bad "supporter none"
sc patients --format json 2>/dev/null | python3 -c '
import json, sys
p = {x["patient"]: x for x in json.load(sys.stdin)["patients"]}
a, b = p[sys.argv[1]], p[sys.argv[2]]
assert a["supporter"] == "Kim Keyworker" and a["supporter_minutes"] == 12 and a["last_review"], a
assert a["next_review"]["overdue"] is False and b["next_review"]["overdue"] is True, (a, b)
assert b["supporter"] is None, b' "$P1" "$P2" && ok "patients JSON: supporter, minutes, last review, next review and overdue" || bad "patients json" "$(sc patients --format json 2>&1 | head -c 1500)"

# ---- programme progress: a lesson finished is a record of its own ----
grep -q "programme: no lesson done yet" <<<"$(sc patients 2>/dev/null)" && ok "before any lesson: no lesson done yet" || bad "no lesson line"
read_lesson() { printf '3\n1\n\n\n\n\n\n\n\n\n\n\n\nq\nq\nq\n' | sw p1 --plain >"$T/p1.lesson" 2>&1; }
read_lesson
grep -q "It is marked as read" "$T/p1.lesson" || bad "the lesson is read to its end" "$(tail -20 "$T/p1.lesson")"
n0=$(clinic_count "$T/c")
sync_until p1 5 >/dev/null
expect "the finished lesson reaches the clinic as one record" $((n0 + 1)) "$(clinic_count "$T/c")"
first=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["modules"][0]["title"])' "$CONTENT/programme.json")
grep -qE "programme: module 1 of [0-9]+ \($first\), 1 of [0-9]+ lessons done, the latest 20[0-9-]+" <<<"$(sc patients 2>/dev/null)" &&
    ok "patients shows the module reached and the lessons done" || bad "programme line" "$(sc patients 2>&1 | grep -A12 "^$P1")"
results "$T/c" --patient "$P1" | python3 -c '
import json, sys
l = [r for r in json.load(sys.stdin)["results"] if r["kind"] == "lesson"]
assert len(l) == 1 and l[0]["check"] == "ok" and l[0]["record"]["lesson"] and l[0]["record"]["done_at"] > 0, l' &&
    ok "results lists the lesson record, checked" || bad "lesson in results"
read_lesson
sync_until p1 5 >/dev/null
expect "reading it again sends nothing more" $((n0 + 1)) "$(clinic_count "$T/c")"

# ---- templates ----
expect "no templates yet: says where to write them" "No templates yet: write them as text files in $T/c/templates, one message each (NAME.txt)." "$(sc template 2>&1)"
mkdir -m 700 "$T/c/templates"
printf 'Hello from {supporter} at {clinic}.\nYour next review is on {next_review}. {{Reply}} when you can.\n' >"$T/c/templates/weekly-check.txt"
printf 'Hi,\nthis has {nonsense} in it.\n' >"$T/c/templates/broken.txt"
printf 'Hello from {supporter}.\n' >"$T/c/templates/hello.txt"
expect "template list" "broken hello weekly-check" "$(sc template list 2>&1 | paste -sd' ')"
out=$(sc template show weekly-check --patient "$P1" 2>&1)
expect "template show fills in the supporter, the clinic and the review date" \
    "Hello from Kim Keyworker at Test Clinic.
Your next review is on Sunday 20 December. {Reply} when you can." "$out"
out=$(sc template show broken --patient "$P1" 2>&1); st=$?
[ $st -eq 1 ] && grep -qF "$T/c/templates/broken.txt, line 2: unknown field {nonsense}" <<<"$out" &&
    ok "an unknown field is named with its file and line" || bad "unknown field (exit $st)" "$out"
out=$(sc template show hello --patient "$P3" 2>&1); st=$?
[ $st -eq 1 ] && grep -q "nobody is assigned to $P3" <<<"$out" && ok "{supporter} with nobody assigned is refused" || bad "no supporter (exit $st)" "$out"
chmod 666 "$T/c/templates/hello.txt"
out=$(sc template show hello --patient "$P1" 2>&1); st=$?
[ $st -eq 1 ] && ok "a template another account can write is refused" || bad "writable template (exit $st)" "$out"
chmod 600 "$T/c/templates/hello.txt"
n_before=$(db 'SELECT count(*) FROM messages')
out=$(sc message --patient "$P1" --template weekly-check 2>&1) || bad "message --template" "$out"
sync_until p1 5 >/dev/null
printf '8\nq\nq\n' | sw p1 --plain >"$T/p1.read" 2>&1
flat=$(tr '\n' ' ' <"$T/p1.read")
grep -qF "Hello from Kim Keyworker at Test Clinic." <<<"$flat" &&
    ok "the filled-in template reaches the patient's Messages" || bad "template message not read" "$(tail -30 "$T/p1.read")"
out=$(sc message --patient "$P1" --template broken 2>&1); st=$?
[ $st -eq 1 ] && [ "$(db 'SELECT count(*) FROM messages')" = $((n_before + 1)) ] &&
    ok "a broken template sends nothing" || bad "broken template (exit $st)" "$out"

# ---- the whole case, for a review ----
out=$(sc ack --patient "$P1" --as "Sam Supporter" --note "Phoned; safe, with a plan." --format json 2>&1)
python3 - "$out" "$P1" <<'PYEOF' && ok "ack --format json: what was acknowledged, by whom, when" || bad "ack json" "$out"
import json, sys
j = json.loads(sys.argv[1])
assert j["format"] == 1 and j["action"] == "ack" and j["patient"] == sys.argv[2] and j["by"] == "Sam Supporter", j
assert len(j["id"]) == 32 and j["at"] >= j["received_at"] > 0, j
PYEOF
view=$(sc review --patient "$P1" --format json 2>"$T/view.err")
python3 - "$view" <<'PYEOF' && ok "review --format json: case, outcome, scores with bands and caseness, one timeline of everything" || bad "review json" "$(head -c 3000 <<<"$view"; cat "$T/view.err")"
import json, sys
v = json.loads(sys.argv[1])
assert v["case"]["supporter"] == "Kim Keyworker" and v["case"]["open_risks"] == 0, v["case"]
phq = [m for m in v["scores"] if m["measure"] == "phq9"][0]
assert phq["caseness"] == 10 and phq["bands"][0]["min"] == 0 and len(phq["points"]) == 3, phq
types = [t["type"] for t in v["timeline"]]
for want in ("checkin", "risk", "lesson", "message", "review", "assign", "next_review"):
    assert want in types, (want, types)
risk = [t for t in v["timeline"] if t["type"] == "risk"][0]
assert risk["item"] == 9 and risk["answer"] == 2 and risk["acknowledged"]["by"] == "Sam Supporter", risk
assert risk["acknowledged"]["note"] == "Phoned; safe, with a plan.", risk
msgs = [t for t in v["timeline"] if t["type"] == "message"]
assert any(m["direction"] == "to_patient" and "Kim Keyworker" in m["text"] for m in msgs), msgs
ats = [t["at"] for t in v["timeline"]]
assert ats == sorted(ats), ats
PYEOF
text=$(sc review --patient "$P1" 2>&1)
grep -q "RISK: item 9 answered 2, acknowledged by Sam Supporter on" <<<"$text" && grep -q "note: Phoned; safe, with a plan." <<<"$text" &&
    grep -q "lesson finished: " <<<"$text" && grep -q "message to the patient, from Kim Keyworker:" <<<"$text" &&
    ok "review shows the risk with who acknowledged it, the lesson and the messages" || bad "review text" "$text"
grep -q " read the records (review) of $P1" <<<"$(sc audit --patient "$P1" 2>&1)" &&
    ok "reading the case is in the audit" || bad "review audit"

# ---- every action as JSON, for scripts and screen readers ----
# jdone JSON ACTION KEY=VALUE...: the object names the action, P1 and Ann.
jdone() {
	python3 - "$@" "$P1" <<'PYEOF'
import json, sys, time
j = json.loads(sys.argv[1]); want = dict(a.split("=", 1) for a in sys.argv[3:-1])
assert j["format"] == 1 and j["action"] == sys.argv[2] and j["patient"] == sys.argv[-1] and j["by"] == "Ann", j
assert abs(j["at"] - time.time()) < 120, j
for k, v in want.items():
    assert str(j[k]) == v, (k, v, j)
PYEOF
}
out=$(sc assign --patient "$P1" --to "Kim Keyworker" --as Ann --format json 2>&1)
jdone "$out" assign "to=Kim Keyworker" && ok "assign --format json" || bad "assign json" "$out"
out=$(printf 'Checked in by phone.' | sc review --patient "$P1" --minutes 5 --note - --next 2027-01-04 --as Ann --format json 2>&1)
jdone "$out" review minutes=5 next_review=2027-01-04 && ok "review done --format json: minutes and the next date" || bad "review action json" "$out"
out=$(sc template list --format json 2>&1)
python3 -c 'import json,sys; j=json.loads(sys.argv[1]); assert j["templates"] == ["broken", "hello", "weekly-check"], j' "$out" &&
    ok "template list --format json" || bad "template list json" "$out"
out=$(sc template show hello --patient "$P1" --format json 2>&1)
python3 -c 'import json,sys; j=json.loads(sys.argv[1]); assert j["text"] == "Hello from Kim Keyworker.", j' "$out" &&
    ok "template show --format json: the filled-in text" || bad "template show json" "$out"
out=$(printf 'See you Monday.' | sc message --patient "$P1" --as Ann --format json 2>&1)
jdone "$out" message devices=1 && ok "message --format json: its id and devices" || bad "message json" "$out"
out=$(sc unlock --patient "$P1" --module 3 --as Ann --content "$CONTENT" --format json 2>&1)
jdone "$out" open module_number=3 && ok "unlock --format json: the module and the message" || bad "unlock json" "$out"
grep -q "Ann sent a message" <<<"$(sc audit --patient "$P1" 2>&1)" &&
    ok "message --as names the sender in the audit" || bad "message --as audit" "$(sc audit --patient "$P1" 2>&1)"

# ---- time ----
csv=$(sc time --from 2026-11-01 --to 2026-11-30 2>"$T/time.err")
python3 - "$csv" "$P1" "$P2" <<'PYEOF' && ok "time: dates of use, supporter and minutes per patient, as CSV" || bad "time" "$csv
$(cat "$T/time.err")"
import csv, io, sys
rows = list(csv.DictReader(io.StringIO(sys.argv[1])))
by = {r["patient"]: r for r in rows}
assert list(rows[0].keys()) == ["patient", "programme", "first_use", "last_use", "supporter", "supporter_minutes", "reviews"], rows[0]
p1, p2 = by[sys.argv[2]], by[sys.argv[3]]
assert (p1["first_use"], p1["last_use"]) == ("2026-11-02", "2026-11-20"), p1
assert (p2["first_use"], p2["last_use"]) == ("2026-11-10", "2026-11-10"), p2
assert p1["supporter"] == "Kim Keyworker" and p2["supporter"] == "", (p1, p2)
# The review was made today (December): not in November's return.
assert p1["supporter_minutes"] == "0" and p1["reviews"] == "0", p1
assert p1["programme"] != "", p1
PYEOF
today=$(date +%F)
csv=$(sc time --from "$today" --to "$today" 2>/dev/null)
grep -q "^$P1,.*,Kim Keyworker,17,2$" <<<"$csv" && ok "time: today's two reviews count 12 + 5 minutes for $P1" || bad "time today" "$csv"
out=$(sc time --from 2026-11-30 --to 2026-11-01 2>&1); st=$?
[ $st -eq 2 ] && ok "time: --to before --from is a usage error" || bad "time order (exit $st)" "$out"
finish
