#!/bin/sh
# A supporter's message travels from the real clinic server to the TUI: the
# unread count on home, the conversation on the Messages screen, a reply
# written there and sent, and that reply at the clinic as a record of kind
# reply. Also: a reply not sent survives Ctrl-C as a draft, the clinic's
# crisis contacts join the crisis screen, a clinic that cannot be reached
# is said in plain words, and stepwise status reports the sync.
#   messages.sh STEPWISE CONTENT-DIR STEPWISE-CLINIC
. "$(dirname "$0")/lib.sh"

CLINIC=${3:?usage: $0 STEPWISE CONTENT-DIR STEPWISE-CLINIC}
case $CLINIC in /*) ;; *) CLINIC=$PWD/$CLINIC ;; esac
W=$(mktemp -d)
SERVER=

stop_server() {
	[ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null && wait "$SERVER"
	SERVER=
}
trap 'stop_server; cleanup; rm -rf "$W"' EXIT INT TERM

# Whether the screen has a line matching the regular expression $1.
shows() { screen | grep -q -- "$1"; }
hides() { ! screen | grep -q -- "$1"; }

sw_pass() {
	"$STEPWISE" --content "$CONTENT" --data-dir "$DATA" --passphrase-fd 3 \
	    "$@" 3<<EOP
$PASS
EOP
}

# The clinic: a folder, the server on a free port, the URL it listens on
# and a crisis contact of its own in clinic.json, then one enrollment file.
clinic_up "$CLINIC" "$W/clinic"
check "the clinic's server listens" [ -n "$PORT" ]
python3 - "$W/clinic/clinic.json" <<'PY' || fail "clinic.json"
import json, sys
c = json.load(open(sys.argv[1]))
c["contact"] = {"name": "Test Clinic", "phone": "01632 960 000"}
c["crisis"] = [{"name": "Clinic duty line", "phone": "01632 960 999",
    "note": "Weekdays 9 to 5"}]
json.dump(c, open(sys.argv[1], "w"))
PY
"$CLINIC" enroll --dir "$W/clinic" --patient R1 -o "$W/r1.stepwise" \
    >"$W/enroll.out" 2>&1 || fail "stepwise-clinic enroll"

# The patient: a profile, enrolled without a sync, so that the TUI's own
# sync at start registers the device.
echo "$PASS" | "$STEPWISE" --data-dir "$DATA" --passphrase-fd 0 init \
    >"$W/profile.out" 2>&1 || fail "stepwise init"
sw_pass enroll --no-sync "$W/r1.stepwise" >"$W/penroll.out" 2>&1 ||
    fail "stepwise enroll --no-sync: $(cat "$W/penroll.out")"

unlock
check "home names the clinic after the sync at start" \
    wait_for "Connected to Test Clinic"
check "the status line says everything is sent" wait_for "All sent"
check "the device is registered at the clinic" \
    [ "$(sqlite3 "$(clinic_db "$W/clinic")" 'SELECT count(*) FROM devices')" = 1 ]

printf 'Hello from Sam. How was your week?\nTake your time.\n' |
    "$CLINIC" message --dir "$W/clinic" --patient R1 --from Sam \
    >"$W/message.out" 2>&1 || fail "stepwise-clinic message: $(cat "$W/message.out")"
keys S
check "Sync now fetches it: one new message on home" \
    wait_for "1 new message from your supporter: press m"

keys m
check "the Messages screen names the clinic" wait_for "Messages with Test Clinic"
check "the message's text is shown" wait_for "Hello from Sam. How was your week?"
check "its second line too" wait_for "Take your time."
check "with the sender's name" shows "^  Sam, "
keys q
wait_for "Connected to Test Clinic" >/dev/null
sleep 0.3
check "opening it marked it read" hides "new message"

keys m
wait_for "Hello from Sam" >/dev/null
keys r
check "r opens the reply editor" wait_for "Your reply:"
type_text "Better, thank you. I walked twice."
keys Enter
type_text "See you Tuesday."
keys Tab
check "Tab shows the reply to check" wait_for "Send this reply to your supporter?"
keys Enter
check "Enter sends: saved" wait_for "Reply saved"
check "the reply is in the conversation, marked You" shows "^  You, "
i=0
got=1
while [ $i -lt 100 ]; do
	"$CLINIC" results --dir "$W/clinic" --format json --patient R1 \
	    >"$W/results.json" 2>"$W/results.err"
	if python3 - "$W/results.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
r = [x for x in d["results"] if x["kind"] == "reply"]
assert len(r) == 1, r
assert r[0]["record"]["text"] == \
    "Better, thank you. I walked twice.\nSee you Tuesday.", r
assert r[0]["check"] == "ok" and r[0]["patient"] == "R1", r
assert len(r[0]["record"].get("in_reply_to", "")) == 32, r
PY
	then
		got=0
		break
	fi
	sleep 0.2
	i=$((i + 1))
done 2>/dev/null
check "stepwise-clinic results shows the reply, once, with its text" \
    [ $got -eq 0 ]

# A long conversation: messages that arrive while the patient reads older
# ones do not move the screen; End shows them.
for n in 1 2 3; do
	printf 'Note %s, line one.\nline two\nline three\nline four\n' "$n" |
	    "$CLINIC" message --dir "$W/clinic" --patient R1 --from Sam \
	    >>"$W/message.out" 2>&1 || fail "stepwise-clinic message $n"
done
keys S
check "S on the Messages screen fetches: the newest shows" \
    wait_for "Note 3, line one."
keys Home
check "Home goes to the oldest message" wait_for "Hello from Sam. How was"
check "the hint offers the earlier messages again only when scrolled" \
    hides "Up/PgUp: earlier messages"
printf 'The very newest note.\n' |
    "$CLINIC" message --dir "$W/clinic" --patient R1 --from Sam \
    >>"$W/message.out" 2>&1 || fail "stepwise-clinic message 4"
keys S
check "the sync while reading says a message came" \
    wait_for "1 new message from your clinic"
check "the place is kept: the oldest message is still in view" \
    shows "Hello from Sam. How was"
check "and the new one is not pulled into view" hides "The very newest note"
keys End
check "End shows the new message" wait_for "The very newest note."
check "with the earlier messages above, offered by the hint" \
    shows "Up/PgUp: earlier messages"

# A reply not sent is kept, sealed, through Ctrl-C.
keys r
wait_for "Your reply:" >/dev/null
type_text "Half a thought"
keys C-c
check "Ctrl-C ends the TUI" wait_for "EXITED-130"
check "the draft is not in clear in the profile" \
    sh -c '! grep -q "Half a thought" "$1"/*.db' _ "$DATA"
unlock
check "home offers the reply not sent" \
    wait_for "Your reply is not sent yet: press m"
keys m
wait_for "Messages with Test Clinic" >/dev/null
keys r
check "the draft is back in the editor" wait_for "Half a thought"
keys Escape
check "Esc keeps it" wait_for "Your reply is kept"
keys q

# The clinic's own crisis contacts, after the content's.
keys h
wait_for "$SAFETY_FIRST" >/dev/null	# the page is up: End is its key now
keys End
check "the crisis screen lists the clinic's contacts" \
    wait_for "Clinic duty line: 01632 960 999"
keys q

# The clinic revokes this device; the patient enrolls again from another
# terminal while the TUI stays open. The TUI's next sync uses the new
# enrollment, and does not undo it.
dev=$(sqlite3 "$(clinic_db "$W/clinic")" 'SELECT device FROM devices')
"$CLINIC" revoke --dir "$W/clinic" --device "$dev" >"$W/revoke.out" 2>&1 ||
    fail "stepwise-clinic revoke: $(cat "$W/revoke.out")"
keys S
check "a revoked device: sending stops, said on home" \
    wait_for "Sending has stopped"
"$CLINIC" enroll --dir "$W/clinic" --patient R1 -o "$W/r1b.stepwise" \
    >"$W/enroll2.out" 2>&1 || fail "stepwise-clinic enroll (again)"
sw_pass enroll "$W/r1b.stepwise" >"$W/penroll2.out" 2>&1
check "enrolling again from another terminal registers a new device" \
    [ "$(sqlite3 "$(clinic_db "$W/clinic")" \
    "SELECT count(*) FROM devices WHERE revoked_at IS NULL")" = 1 ]
keys S
check "the open TUI's Sync now uses the new enrollment" \
    wait_for "No new messages."
check "home no longer says sending has stopped" hides "Sending has stopped"
sw_pass sync >"$W/sync2.out" 2>&1
check "stepwise sync afterwards: nothing to do (3), not stopped (5)" \
    [ $? -eq 3 ]

# A TUI opened before its profile was enrolled takes up an enrollment made
# in another terminal without a restart, and registers the device itself.
keys q
wait_for "EXITED-0" >/dev/null
echo "$PASS" | "$STEPWISE" --data-dir "$DATA" --profile p2 --passphrase-fd 0 \
    init >"$W/p2.out" 2>&1 || fail "stepwise init p2"
unlock --profile p2
check "a profile not enrolled says so" wait_for "Not connected to a clinic yet"
"$CLINIC" enroll --dir "$W/clinic" --patient R2 -o "$W/r2.stepwise" \
    >"$W/enroll3.out" 2>&1 || fail "stepwise-clinic enroll R2"
sw_pass --profile p2 enroll --no-sync "$W/r2.stepwise" >"$W/penroll3.out" 2>&1 ||
    fail "stepwise enroll p2: $(cat "$W/penroll3.out")"
taken_up() { wait_for "now connected to Test Clinic" || wait_for "now connected to Test Clinic"; }
check "the open TUI takes up the new enrollment" taken_up
registered() {
	i=0
	while [ $i -lt 100 ]; do
		[ "$(sqlite3 "$(clinic_db "$W/clinic")" \
		    "SELECT count(*) FROM devices WHERE patient = 'R2'")" = 1 ] &&
		    return 0
		sleep 0.2
		i=$((i + 1))
	done
	return 1
}
check "and registers the device with the clinic itself" registered
check "home then says everything is sent" wait_for "Everything is sent"
keys q
wait_for "EXITED-0" >/dev/null
unlock
wait_for "Connected to Test Clinic" >/dev/null

# No server: Sync now says so in plain words, and when it tries again.
stop_server
keys S
check "an unreachable clinic is said on home" wait_for "Could not reach the clinic"
check "with the next try" wait_for "will try again at"
keys q
check "the TUI exits cleanly" wait_for "EXITED-0"

sw_pass status >"$W/status.out" 2>&1
check "status names the clinic" grep -q "^Clinic: Test Clinic$" "$W/status.out"
check "status gives the last sync" grep -q "^Last sent: [0-9-]* [0-9:]*$" "$W/status.out"
check "status gives the last error" grep -q "^Last error: Could not reach" "$W/status.out"
check "status gives the next try" grep -q "^Next try: " "$W/status.out"
check "status counts new messages" grep -q "^New messages: 0$" "$W/status.out"
finish
