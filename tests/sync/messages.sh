#!/bin/bash
# messages.sh: a supporter message goes from the clinic to the patient,
# is read in plain mode, and the patient's reply comes back to the clinic.
#   messages.sh STEPWISE STEPWISE-CLINIC SW-SEED CONTENT-DIR SW-PROXY
. "$(dirname "$0")/lib.sh"
MSG="Hello from Sam. Well done on the walk; try it twice this week."
REPLY="Thanks Sam, I managed two walks and felt calmer afterwards."

make_clinic "$T/c" && start_server srv "$T/c" || finish
set_url "$T/c" "http://127.0.0.1:${PORT[srv]}"
make_patient p "$T/c" R1 || finish
sw_sync p; st=$?
expect "first sync registers the device: exit 0" 0 $st "$(cat "$T/p.sync")"

printf '%s' "$MSG" | "$SC" message --dir "$T/c" --patient R1 --from Sam >"$T/msg.out" 2>&1; st=$?
expect "stepwise-clinic message --patient R1 --from Sam: exit 0" 0 $st "$(cat "$T/msg.out")"
expect "one message queued at the server" 1 "$(sqlite3 "$(clinic_db "$T/c")" 'SELECT count(*) FROM messages')"
sw_sync p; st=$?
expect "sync fetches it: exit 0" 0 $st "$(cat "$T/p.sync")"
grep -qx "1 new message from your clinic." "$T/p.sync" && ! grep -qi "unread" "$T/p.sync" &&
    ok "sync says it fetched 1 new message (which are read is sealed)" || bad "sync output" "$(cat "$T/p.sync")"
sw_sync p; st=$?
expect "then nothing to do: exit 3" 3 $st "$(cat "$T/p.sync")"
expect "the server's fetched mark moved to 1" 1 "$(sqlite3 "$(clinic_db "$T/c")" 'SELECT delivered FROM devices')"
! grep -aqF "$MSG" "$T/p/default.db" && ok "the profile holds the message sealed" || bad "message text in clear in the profile"

# Plain mode: Home shows the unread count; Messages (8) shows the text.
# (Plain mode itself syncs when it starts and after a record is saved.)
# new_count FILE: the count in Home's "You have N new message(s)" line, or
# nothing; one pattern for the check that it is there and that it is gone.
new_count() { sed -En 's/.*You have ([0-9]+) new messages? from your supporter.*/\1/p' "$1" | head -1; }
printf 'q\n' | sw p --plain >"$T/home" 2>&1
item=$(grep -Eo '^ *[0-9]+\. Messages' "$T/home" | grep -Eo '[0-9]+' | head -1)
[ -n "$item" ] && [ "$(new_count "$T/home")" = 1 ] && ok "Home offers Messages ($item) and says 1 new message" ||
    bad "Home menu" "$(cat "$T/home")"
printf '%s\nn\nq\n' "${item:-8}" | sw p --plain >"$T/read" 2>&1
grep -qF "$MSG" "$T/read" && grep -q "Sam wrote" "$T/read" && ok "the Messages screen shows the text and who sent it" ||
    bad "Messages screen" "$(cat "$T/read")"
printf 'q\n' | sw p --plain >"$T/home2" 2>&1
[ -z "$(new_count "$T/home2")" ] && ok "once read, it is no longer counted new" || bad "still new" "$(cat "$T/home2")"

# A reply written in plain mode: y, the text, a full stop, Enter to send.
printf '%s\ny\n%s\n.\n\nq\n' "${item:-8}" "$REPLY" | sw p --plain >"$T/reply" 2>&1
grep -q "Your reply is saved" "$T/reply" && ok "a reply is written in plain mode" || bad "writing a reply" "$(cat "$T/reply")"
# Plain mode sends a saved reply at once; stepwise sync then has nothing
# to do.
expect "plain mode sent the reply when it was saved: one record at the clinic" 1 "$(clinic_count "$T/c")"
sw_sync p; st=$?
expect "sync after the reply has nothing to do: exit 3" 3 $st "$(cat "$T/p.sync")"
expect "the clinic still holds one record, the reply" 1 "$(clinic_count "$T/c")"
results "$T/c" --patient R1 >"$T/res.json" 2>&1
python3 - "$T/res.json" "$REPLY" <<'PY' && ok "results --patient R1 has a record of kind reply with the text" || bad "reply in results" "$(cat "$T/res.json")"
import json, sys
d = json.load(open(sys.argv[1]))
r = [x for x in d["results"] if x["kind"] == "reply"]
assert len(r) == 1, d
assert r[0]["patient"] == "R1" and r[0]["check"] == "ok", r
assert r[0]["record"]["text"] == sys.argv[2], r[0]["record"]
assert r[0]["risk"] is False
PY
unread() { "$SC" patients --dir "$T/c" --format json 2>/dev/null | python3 -c '
import json, sys
print([p["unread_replies"] for p in json.load(sys.stdin)["patients"] if p["patient"] == "R1"][0])'; }
expect "the caseload counts the reply not read yet" 1 "$(unread)"
grep -q "replies: 1 not read yet" <<<"$("$SC" patients --dir "$T/c" 2>/dev/null)" &&
    ok "and says so in text" || bad "patients text: unread" "$("$SC" patients --dir "$T/c" 2>&1)"
sleep 1	# times are seconds: a read in the reply's own second counts as before it
"$SC" messages --dir "$T/c" --patient R1 >"$T/msgs" 2>&1; st=$?
expect "once the conversation is opened (messages --patient), it is read" 0 "$(unread)"
[ $st -eq 0 ] && grep -qF "$MSG" "$T/msgs" && grep -qF "$REPLY" "$T/msgs" &&
    ok "stepwise-clinic messages --patient R1 shows both" || bad "messages: status $st" "$(cat "$T/msgs")"
"$SC" messages --dir "$T/c" --patient R1 --format json | python3 -c '
import json, sys
s = json.dumps(json.load(sys.stdin))
assert sys.argv[1] in s and sys.argv[2] in s' "$MSG" "$REPLY" && ok "and as JSON" || bad "messages --format json"
! grep -aqF "$REPLY" "$T/p/default.db" && ok "the profile holds the reply sealed" || bad "reply text in clear in the profile"
# The patient's export holds the conversation, oldest first.
sw p export 2>"$T/export.err" | python3 -c '
import json, sys
m = json.load(sys.stdin)["messages"]
assert [x["from"] for x in m] == ["supporter", "patient"], m
assert m[0]["text"] == sys.argv[1] and m[0]["name"] == "Sam", m[0]
assert m[1]["text"] == sys.argv[2] and m[1]["name"] is None, m[1]' "$MSG" "$REPLY" &&
    ok "stepwise export holds the message and the reply" || bad "export messages" "$(cat "$T/export.err")"

# Messages queued in the same second keep the order the supporter wrote
# them in, at both ends (faketime holds the clinic's clock still).
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
still=$(date '+%Y-%m-%d %H:%M:%S')
for n in 1 2 3 4 5; do
	printf 'Same second, note %s.' "$n" | faketime -f "$still" "$SC" message \
	    --dir "$T/c" --patient R1 --from Sam >>"$T/msg.out" 2>&1 ||
	    bad "message $n" "$(cat "$T/msg.out")"
done
sw_sync p; st=$?
expect "sync fetches the five: exit 0" 0 $st "$(cat "$T/p.sync")"
order='import json, sys
m = [x["text"] for x in json.load(sys.stdin)[sys.argv[1]]
     if x["text"].startswith("Same second")]
assert m == ["Same second, note %d." % i for i in range(1, 6)], m'
sw p export 2>"$T/export.err" | python3 -c "$order" messages &&
    ok "the patient sees messages of one second in the order written" ||
    bad "patient's order" "$(sw p export 2>&1 | grep 'Same second')"
"$SC" messages --dir "$T/c" --patient R1 --format json | python3 -c "$order" messages &&
    ok "stepwise-clinic messages lists them in the same order" ||
    bad "clinic's order" "$("$SC" messages --dir "$T/c" --patient R1 --format json)"
finish
