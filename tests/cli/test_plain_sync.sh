#!/bin/bash
# test_plain_sync.sh: plain mode with a clinic, against the real server on
# 127.0.0.1: a sync at the start of the menu, Sync now with a line per step,
# the unread count in the header, Messages (read, reply with lines ending in
# ".", send), a reply kept at end of input and sent later, a check-in sent
# as soon as it is saved, an unreachable clinic in plain words, and a
# profile with no clinic told how to join one. No escape byte anywhere.
#   test_plain_sync.sh STEPWISE STEPWISE-CLINIC CONTENT-DIR
set -u
SW=$1 SC=$2 CONTENT=$3
T=$(mktemp -d --suffix=.stepwise-plain-sync)
SERVER='' SILENT=''
cleanup() {
	[ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null && wait "$SERVER"
	[ -n "$SILENT" ] && kill "$SILENT" 2>/dev/null && wait "$SILENT"
	rm -rf "$T"
}
trap cleanup EXIT
pass=0 fail=0
ok()  { pass=$((pass + 1)); echo "ok - $1"; }
bad() { fail=$((fail + 1)); echo "FAIL - $1"; [ -n "${2:-}" ] && echo "$2" | sed 's/^/    /' | head -40; }
echo "a long enough passphrase" >"$T/pw"
sw() { "$SW" --content "$CONTENT" --data-dir "$T/$1" --passphrase-fd 3 "${@:2}" 3<"$T/pw"; }
no_escape() { ! grep -q $'\x1b' "$1"; }
# wait_for FILE REGEX [SECONDS]: wait until a line of FILE matches; fails
# when none does in time (10 s by default).
wait_for() {
	local n=$(( ${3:-10} * 10 ))
	until grep -Eq -- "$2" "$1" 2>/dev/null; do
		n=$((n - 1))
		[ $n -gt 0 ] || return 1
		sleep 0.1
	done
}
# replies: the text of every reply record at the clinic, one JSON string a
# line, in order.
replies() {
	"$SC" results --dir "$T/clinic" --format json --patient R1 2>/dev/null |
	    python3 -c '
import json, sys
for r in json.load(sys.stdin)["results"]:
    if r["kind"] == "reply":
        print(json.dumps(r["record"]["text"]))'
}

# The clinic and its server on a free port; the URL in the enrollment file
# is the one it listens on.
"$SC" init "$T/clinic" --name "Test Clinic" >"$T/init" 2>&1 || bad "clinic init" "$(cat "$T/init")"
"$SC" serve --dir "$T/clinic" --listen 127.0.0.1:0 >"$T/serve.out" 2>"$T/serve.log" &
SERVER=$!
for _ in $(seq 100); do grep -q '^listening on' "$T/serve.out" && break; sleep 0.1; done
port=$(sed -n 's/^listening on http:\/\/127.0.0.1:\([0-9]*\)$/\1/p' "$T/serve.out")
[ -n "$port" ] && ok "the server listens" || bad "server" "$(cat "$T/serve.out" "$T/serve.log")"
python3 - "$T/clinic/clinic.json" "$port" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["url"] = "http://127.0.0.1:" + sys.argv[2]
json.dump(c, open(sys.argv[1], "w"))
PY
"$SC" enroll --dir "$T/clinic" --patient R1 -o "$T/r1.stepwise" >"$T/enroll" 2>&1 || bad "clinic enroll" "$(cat "$T/enroll")"
sw p init >"$T/init-p" 2>&1 || bad "stepwise init" "$(cat "$T/init-p")"
sw p enroll --no-sync "$T/r1.stepwise" >"$T/enroll-p" 2>&1 || bad "stepwise enroll --no-sync" "$(cat "$T/enroll-p")"

# Sync now from the menu: a line per step.
printf '9\nq\n' | sw p --plain >"$T/now" 2>&1
grep -q "Contacting Test Clinic" "$T/now" && grep -q "registered with the clinic" "$T/now" &&
    ok "the menu syncs at start and registers the device" || bad "sync at start" "$(cat "$T/now")"
grep -q "^9. Sync now" "$T/now" && grep -q "^8. Messages" "$T/now" &&
    ok "the menu offers Messages and Sync now" || bad "menu items" "$(cat "$T/now")"
grep -q "Fetching messages" "$T/now" && grep -q "No new messages" "$T/now" &&
    ok "Sync now prints its steps" || bad "Sync now steps" "$(cat "$T/now")"
grep -q "Connected to Test Clinic. Everything is sent" "$T/now" &&
    ok "the header says the clinic and that everything is sent" || bad "header" "$(cat "$T/now")"
no_escape "$T/now" && ok "no escape byte in sync output" || bad "escape byte in sync output"

# A supporter's message: counted in the header, read, answered.
printf 'Hello from Sam.\nHow was the week?\n' |
    "$SC" message --dir "$T/clinic" --patient R1 --from Sam >"$T/msg" 2>&1 || bad "clinic message" "$(cat "$T/msg")"
printf '8\ny\nIt was better.\nI walked twice.\n.\ny\nq\n' | sw p --plain >"$T/msgs" 2>&1
grep -q "You have 1 new message from your supporter: choose 8" "$T/msgs" &&
    ok "the header counts the new message" || bad "unread in header" "$(head -30 "$T/msgs")"
grep -q "^Sam wrote, .*(new)$" "$T/msgs" && grep -q "^   Hello from Sam.$" "$T/msgs" &&
    grep -q "^   How was the week?$" "$T/msgs" &&
    ok "Messages shows who wrote, when, and every line" || bad "conversation" "$(cat "$T/msgs")"
grep -q "Your reply is saved." "$T/msgs" && ok "the reply is saved" || bad "reply saved" "$(tail -20 "$T/msgs")"
got=$(replies)
[ "$got" = '"It was better.\nI walked twice."' ] &&
    ok "the reply reached the clinic at once, with both lines" || bad "reply at the clinic" "$got"
no_escape "$T/msgs" && ok "no escape byte in the conversation" || bad "escape byte in messages"
printf 'q\n' | sw p --plain >"$T/after" 2>&1
! grep -q "You have .*new message" "$T/after" && ok "reading marked the message read" || bad "still unread" "$(head -20 "$T/after")"
printf '8\nq\n' | sw p --plain >"$T/again" 2>&1
grep -q "^You wrote, " "$T/again" && ! grep -q "(new)" "$T/again" &&
    ok "the conversation shows the reply as yours" || bad "reply in conversation" "$(cat "$T/again")"

# End of input in the middle of a reply keeps it; the next visit sends it.
printf '8\ny\nA reply cut short' | sw p --plain >"$T/cut" 2>&1
grep -q "What you wrote is kept" "$T/cut" && ok "end of input keeps the reply" || bad "reply draft" "$(tail -10 "$T/cut")"
! grep -q "A reply cut short" "$T"/p/*.db && ok "the kept reply is not in clear in the profile" || bad "draft in clear"
[ "$(replies | wc -l)" = 1 ] && ok "a kept reply is not sent" || bad "kept reply sent" "$(replies)"
printf '8\ny\nq\n' | sw p --plain >"$T/resume" 2>&1
grep -q "You started a reply earlier" "$T/resume" && grep -q "^   A reply cut short$" "$T/resume" &&
    ok "the kept reply is offered again" || bad "kept reply offered" "$(cat "$T/resume")"
[ "$(replies | tail -1)" = '"A reply cut short"' ] && ok "and sent when confirmed" || bad "kept reply sent" "$(replies)"

# A check-in saved from the menu goes at once, without stepwise sync.
printf '5\n1\n0\n1\n0\n1\n0\n1\n0\n1\n0\n1\n\nq\n' | sw p --plain >"$T/checkin" 2>&1
n=$("$SC" results --dir "$T/clinic" --format json --patient R1 2>/dev/null |
    python3 -c 'import json,sys; print(sum(r["kind"] == "checkin" for r in json.load(sys.stdin)["results"]))')
[ "$n" = 1 ] && ok "a check-in saved in the menu is sent at once" || bad "check-in sent" "$n $(tail -20 "$T/checkin")"

# stepwise status with a clinic.
sw p status >"$T/status" 2>&1
grep -q "^Clinic: Test Clinic$" "$T/status" && grep -q "^Waiting to send: 0$" "$T/status" &&
    grep -q "^Last sent: [0-9]\{4\}-[0-9][0-9]-[0-9][0-9] [0-9][0-9]:[0-9][0-9]$" "$T/status" &&
    grep -q "^New messages: 0$" "$T/status" && ! grep -q "^Last error" "$T/status" &&
    ok "status: clinic, waiting, last sent, messages" || bad "status" "$(cat "$T/status")"

# From the moment the server ends, its port (the one in this profile's
# enrollment) is held by a stand-in: bound but not listening, so a
# connection is refused as if nothing were there, until it is told
# (SIGUSR1) to listen as a clinic that never answers. No other test running
# meanwhile can be given the port. It prints "bound", "listening", then
# "request LINE" for each request that reaches it.
python3 - "$port" >"$T/silent.out" 2>&1 <<'PY' &
import signal, socket, sys, threading, time
def say(line):
    print(line, flush=True)
signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1})
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
end = time.monotonic() + 30
while True:
    try:
        s.bind(("127.0.0.1", int(sys.argv[1])))
        break
    except OSError:
        if time.monotonic() > end:
            raise
        time.sleep(0.005)   # the server has not ended yet
say("bound")
signal.sigwait({signal.SIGUSR1})
s.listen(8)
say("listening")
held = []
def read(c):
    buf = b""
    while b"\r\n" not in buf:
        d = c.recv(4096)
        if not d:
            return
        buf += d
    say("request " + buf.split(b"\r\n")[0].decode("latin-1"))
while True:
    c, _ = s.accept()
    held.append(c)
    threading.Thread(target=read, args=(c,), daemon=True).start()
PY
SILENT=$!

# The clinic cannot be reached: plain words, and the header says when next.
kill "$SERVER"; wait "$SERVER" 2>/dev/null; SERVER=
wait_for "$T/silent.out" '^bound$' 30 && ok "the clinic's port is held, not listening" || bad "port holder" "$(cat "$T/silent.out")"
printf '9\nq\n' | sw p --plain >"$T/down" 2>&1
grep -q "Not sent yet: Could not reach the clinic" "$T/down" &&
    ok "Sync now says the clinic could not be reached" || bad "unreachable" "$(cat "$T/down")"
tr '\n' ' ' <"$T/down" | grep -q "Could not reach the clinic: [^.]*\. Stepwise will try again after .*; choose 9 to try now" &&
    ok "the header says when it tries again" || bad "next try in header" "$(cat "$T/down")"
sw p status >"$T/status2" 2>&1
grep -q "^Last error: Could not reach the clinic" "$T/status2" && grep -q "^Next try: " "$T/status2" &&
    ok "status gives the last error and the next try" || bad "status after failure" "$(cat "$T/status2")"
# A check-in saved while Stepwise waits after that failure: it does not
# wait on the dead link again, it says when the next try is.
printf '0\n1\n0\n0\n0\n0\n0\n\n\n' | sw p --plain checkin gad7 >"$T/backoff" 2>&1
grep -q "Saved" "$T/backoff" && ! grep -q "Contacting" "$T/backoff" &&
    tr '\n' ' ' <"$T/backoff" | grep -q "It is saved here and goes to your clinic at the next try (.*), or choose 9 (Sync now)" &&
    ok "a save during the backoff does not try the dead link; it says when the next try is" ||
    bad "save during backoff" "$(cat "$T/backoff")"
sw p status >"$T/status2b" 2>&1
grep -q "^Waiting to send: 1$" "$T/status2b" && ok "and the check-in waits to be sent" || bad "waiting after a save in backoff" "$(cat "$T/status2b")"

# A clinic that accepts the connection and never answers: Ctrl-C stops the
# sync, not the session, and the menu goes on. (How soon is measured by
# tools/bench-sync.sh.)
kill -USR1 "$SILENT"
wait_for "$T/silent.out" '^listening$' || bad "silent clinic" "$(cat "$T/silent.out")"
mkfifo "$T/in"
( exec "$SW" --content "$CONTENT" --data-dir "$T/p" --passphrase-fd 3 --plain <"$T/in" >"$T/stall" 2>&1 3<"$T/pw" ) &
pid=$!
exec 4>"$T/in"
echo 9 >&4
# Ctrl-C once the sync waits on an answer: its upload of the check-in
# saved above has reached the silent clinic.
wait_for "$T/stall" "Sending 1 record" 30 && wait_for "$T/silent.out" '^request POST /v2/sync' 30 &&
    ok "Sync now waits on the clinic's answer to its upload" ||
    bad "the sync never sent the waiting check-in" "$(cat "$T/stall" "$T/silent.out")"
kill -INT $pid
echo q >&4
exec 4>&-
wait $pid; st=$?
kill $SILENT; wait $SILENT 2>/dev/null; SILENT=
# Stopped by Ctrl-C, not ended by a timeout.
[ $st -eq 0 ] && grep -q "The sync was stopped before it finished" "$T/stall" &&
    ! grep -q "timed out" "$T/stall" && [ "$(grep -c "^9. Sync now" "$T/stall")" -ge 2 ] &&
    ok "Ctrl-C during a stalled sync stops the sync, and the menu goes on" ||
    bad "Ctrl-C during sync: status $st" "$(cat "$T/stall")"

# A profile with no clinic.
sw q init >/dev/null 2>&1
printf '8\n9\nq\n' | sw q --plain >"$T/none" 2>&1
grep -q "stepwise enroll FILE" "$T/none" && grep -q "nothing to sync" "$T/none" &&
    ! grep -q "Contacting" "$T/none" &&
    ok "no clinic: Messages explains how to join, Sync now has nothing to do" || bad "not enrolled" "$(cat "$T/none")"
sw q status >"$T/status3" 2>&1
grep -q "Not joined to a clinic" "$T/status3" && ok "status without a clinic" || bad "status, no clinic" "$(cat "$T/status3")"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
