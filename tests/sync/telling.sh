#!/bin/bash
# telling.sh: without the passphrase, the profile file tells nothing of
# what the patient did: after check-ins (one with a risk answer, so a risk
# record), an exercise draft (the safety plan), a check-in draft, a lesson
# opened, enrolling, syncing, a message read and a reply, the file and its
# journal hold no kind name, no state name and none of the records' times;
# and the tables have no column that could hold them.
#   telling.sh STEPWISE STEPWISE-CLINIC SW-SEED CONTENT-DIR SW-PROXY
. "$(dirname "$0")/lib.sh"
command -v faketime >/dev/null || skip_all "faketime is not installed"
# faketime preloads its library; a sanitizer build must let it.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
DB=$T/p/default.db
T1=1711000001 T2=1711000102 T3=1711000203

make_clinic "$T/c" && start_server srv "$T/c" || finish
set_url "$T/c" "http://127.0.0.1:${PORT[srv]}"
make_profile p || finish
seed p phq9 1,1,1,1,1,1,0,0,0 $T1 && seed p gad7 1,1,1,1,1,1,1 $T2 || finish
# A risk answer (item 9), at a time of its own, before enrolling: the
# records are queued when the profile is enrolled, and sent later.
printf '0\n0\n0\n0\n0\n0\n0\n0\n1\nc\n1\n\n' | faketime "@$T3" "$SW" --content "$CONTENT" \
    --data-dir "$T/p" --passphrase-fd 3 --plain checkin phq9 3<<<"$PW" >"$T/p.risk" 2>&1 ||
    bad "the risk check-in" "$(tail "$T/p.risk")"
printf '1\n1\n' | sw p --plain checkin gad7 >/dev/null 2>&1	# a check-in draft
printf '4\n2\n1\nNot sleeping well\n' | sw p --plain >/dev/null 2>&1	# the safety plan's
printf '3\n1\n' | sw p --plain >/dev/null 2>&1	# a lesson read to its end (a record of its own)
sw p status >"$T/p.status" 2>&1
grep -q "^Unfinished: 2 " "$T/p.status" && ok "two drafts are kept (a check-in, the safety plan)" || bad "drafts" "$(cat "$T/p.status")"
enroll_file "$T/c" R1 "$T/p.stepwise" && enroll p "$T/p.stepwise" || finish
sync_until p 3 >/dev/null || bad "sync" "$(cat "$T/p.syncs")"
printf '%s' "Hello from Sam." | "$SC" message --dir "$T/c" --patient R1 --from Sam >/dev/null 2>&1
sw_sync p
printf '8\ny\nThanks, Sam.\n.\n\nq\n' | sw p --plain >"$T/p.reply" 2>&1
grep -q "Your reply is saved" "$T/p.reply" || bad "reply" "$(cat "$T/p.reply")"
expect "the clinic holds the six records (three check-ins, the risk answer, the reply, the lesson finished)" 6 "$(clinic_count "$T/c")"
# The control: the profile really holds those, sealed; and their times are
# what the file must not tell.
times=$(sw p export | python3 -c '
import json, sys
from datetime import datetime, timezone
d = json.load(sys.stdin)
ts = lambda s: int(datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc).timestamp())
t = sorted(ts(c["completed_at"]) for c in d["checkins"])
assert t[:2] == [int(x) for x in sys.argv[1:3]] and t[2] >= int(sys.argv[3]), t
assert len(d["risk_answers"]) == 1, d["risk_answers"]
t.append(ts(d["risk_answers"][0]["answered_at"]))
print(" ".join(map(str, t)))' $T1 $T2 $T3) && ok "the export holds the three check-ins at their times and the risk answer" || bad "export"
found=""
for f in "$DB" "$DB-journal"; do
	[ -e "$f" ] || continue
	for w in checkin exercise reply risk draft: draft:exercise:safety-plan \
	    draft:checkin:gad7 lesson: sync:keys sync:priority inbox:read \
	    safety-plan phq9 gad7 $times; do
		grep -aqF -- "$w" "$f" && found="$found [$(basename "$f"): $w]"
	done
	# A time kept as an SQLite integer is 4, 6 or 8 bytes, big-endian.
	found="$found$(python3 - "$f" $times <<'PY'
import sys
data = open(sys.argv[1], "rb").read()
for t in map(int, sys.argv[2:]):
    if any(t.to_bytes(n, "big") in data for n in (4, 6, 8)):
        print(" [%s: %d as an integer]" % (sys.argv[1].rsplit("/", 1)[1], t), end="")
PY
)"
done
[ -z "$found" ] && ok "the profile file holds no kind, state name or record time" || bad "in clear:$found"
cols=$(sqlite3 "$DB" "SELECT group_concat(m.name || '.' || p.name, ' ') FROM sqlite_master m,
    pragma_table_info(m.name) p WHERE m.type = 'table' AND (p.name LIKE '%_at' OR p.name IN ('kind', 'risk'))")
expect "no table has a kind, risk or time column" "" "$cols"
expect "records: id, a sealed body, a sent flag, a sealed number" "id body sent n" \
    "$(sqlite3 "$DB" "SELECT group_concat(name, ' ') FROM pragma_table_info('records')")"
expect "every record is flagged sent" "6|6" "$(sqlite3 "$DB" 'SELECT count(*), sum(sent) FROM records')"
finish
