#!/bin/bash
# inflight.sh: every word about who will see an entry stays true while a
# sync from another process is sending it. A shared entry is on its way
# in a `stepwise sync` (as cron runs it) whose answer the proxy holds: its
# page and the export say it is being sent, and the patient's own
# Stepwise refuses to make it private then, saying why; once
# that sync is killed before the clinic's answer (the server has stored
# the entry), it can be made private, and Stepwise says the clinic may
# have it already, in the message, on the entry's page and in the export;
# later syncs never send it again.
#   inflight.sh STEPWISE STEPWISE-CLINIC SW-SEED CONTENT-DIR SW-PROXY
. "$(dirname "$0")/lib.sh"

# entry NAME TEXT SHARE-ANSWER: a mood check in plain mode with TEXT as its
# last field, answering "Share it?".
entry() {
	printf '4\n%s\n1\n\n6\n4\n3\n%s\n%s\nq\n' "$MOOD" "$2" "$3" |
	    sw "$1" --plain >>"$T/$1.entries" 2>&1
}
# history NAME ENTRY-NUMBER ANSWER: the mood check's past entries, and a
# change of sharing for one of them; the output in $T/NAME.history.
history() {
	printf '4\n%s\n2\n%s\n%s\nq\n' "$MOOD" "$2" "$3" |
	    sw "$1" --plain >"$T/$1.history" 2>&1
}
# said NAME SENTENCE: whether the last history output says SENTENCE (the
# output is wrapped to the terminal's width).
said() { tr '\n' ' ' <"$T/$1.history" | tr -s ' ' | grep -qF -- "$2"; }
# sharing NAME WORD: the export's sharing state of the entry holding WORD.
sharing() {
	sw "$1" export 2>>"$T/export.err" | python3 -c '
import json, sys
for e in json.load(sys.stdin)["exercises"]:
    if sys.argv[1] in json.dumps(e["values"]):
        print(e["sharing"])' "$2"
}
clinic_has() { # DIR WORD: how many exercise records of the clinic hold WORD
	results "$1" | python3 -c '
import json, sys
print(sum(r["kind"] == "exercise" and sys.argv[1] in json.dumps(r["record"])
          for r in json.load(sys.stdin)["results"]))' "$2"
}

make_clinic "$T/c" && start_server srv "$T/c" || finish
# The second sync's upload reaches the server whole; its answer is held.
# (The first is the session that finds the mood check, below: it
# registers the device and fetches messages.)
start_proxy px "$T/srv.port" --at 'POST /v2/sync' --nth 2 --action stall-reply || finish
set_url "$T/c" "http://127.0.0.1:${PORT[px]}"
make_profile p || finish
enroll_file "$T/c" R1 "$T/p.stepwise" || finish
sw p enroll --no-sync --keep-earlier "$T/p.stepwise" >"$T/p.enroll" 2>&1 ||
    { bad "enroll" "$(cat "$T/p.enroll")"; finish; }
MOOD=$(printf '4\n\nq\n' | sw p --plain 2>/dev/null | grep -m1 -i 'mood check' | cut -d. -f1 | tr -d ' ')
[ -n "$MOOD" ] || { bad "the mood check is on the exercise list"; finish; }
# Saved while the server is away: the session's own sync fails, so the
# sessions below wait for the next try instead of syncing as they open.
stop_server srv || bad "server stop"
entry p "Wombatcustard shared, then a sync holds it." y
expect "the entry is shared, not sent yet" shared "$(sharing p Wombatcustard)"
start_server srv "$T/c" "${PORT[srv]}" || finish

# A sync from another process, stalled after sending it.
grep -q triggered "$T/px.out" && bad "control: no sync was held before this one" "$(cat "$T/px.out")"
"$SW" --data-dir "$T/p" sync >"$T/p.bgsync" 2>&1 &
SYNCPID=$!
wait_line "$T/px.out" '^reply-stalled' 30 || { bad "the sync's answer is held" "$(cat "$T/px.out" "$T/p.bgsync")"; finish; }
expect "control: the server has stored the entry" 1 "$(clinic_has "$T/c" Wombatcustard)"
expect "the export says it is being sent" sending "$(sharing p Wombatcustard)"
history p 1 y
said p "Shared: Stepwise is sending it to Test Clinic right now." &&
    ok "its page says it is being sent now, not that it goes at the next sync" ||
    bad "the entry's page while a sync sends it" "$(cat "$T/p.history")"
said p "Stepwise is sending entry 1 to Test Clinic right now, so it cannot be made private. Try again when the sending has finished." &&
    ok "while another process sends it, the entry cannot be made private, and the patient is told why" ||
    bad "make private while a sync sends it" "$(cat "$T/p.history")"
expect "and it is still being sent" sending "$(sharing p Wombatcustard)"

# That sync is killed before the clinic's answer came.
kill -9 "$SYNCPID"; wait "$SYNCPID" 2>/dev/null
history p 1 y
said p "This entry is private again: Stepwise will not send it. A sync that did not finish was sending it, so Test Clinic may have it already." &&
    ok "after a sync cut off while sending it, made private, with the clinic's name: it may have it already" ||
    bad "make private after a cut sync" "$(cat "$T/p.history")"
expect "the export says maybe_sent" maybe_sent "$(sharing p Wombatcustard)"
history p "" n
said p "Private: Stepwise will not send it, but a sync that did not finish was sending it, so Test Clinic may have it." &&
    ok "its page says the clinic may have it, not that it is only on this computer" ||
    bad "the entry's page after a cut sync" "$(cat "$T/p.history")"
! said p "Private: only on this computer." ||
    bad "its page still says only on this computer" "$(cat "$T/p.history")"

# Later syncs (the proxy passes them unharmed) never send it again.
sync_until p 5 >/dev/null || bad "later syncs" "$(cat "$T/p.syncs")"
expect "the clinic holds the entry once, from the cut sync, never again" 1 "$(clinic_has "$T/c" Wombatcustard)"
expect "and it stays maybe_sent" maybe_sent "$(sharing p Wombatcustard)"
finish
