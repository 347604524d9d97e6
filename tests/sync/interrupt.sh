#!/bin/bash
# interrupt.sh: an upload cut in the middle, the server killed while a
# batch is in flight, and the server killed after it stored a batch but
# before its answer arrived: after a restart and another sync, every record
# is at the clinic exactly once (stepwise-protocol(7), Exactly once).
#   interrupt.sh STEPWISE STEPWISE-CLINIC SW-SEED CONTENT-DIR SW-PROXY
. "$(dirname "$0")/lib.sh"
N=40

# same_ids CLINIC-DIR PATIENT WHAT: the clinic holds every record of the
# profile once, and nothing else.
same_ids() {
	local want got
	want=$(export_ids "$2"); got=$(clinic_ids "$1")
	expect "$3: $N rows at the clinic" $N "$(clinic_count "$1")"
	expect "$3: $N distinct records" $N "$(clinic_distinct "$1")"
	[ -n "$want" ] && [ "$want" = "$got" ] && ok "$3: the ids are the profile's export ids" ||
	    bad "$3: ids differ" "$(diff <(echo "$want") <(echo "$got") | head)"
}
# setup NAME CLINIC PROXY PATIENT PROXY-ARGS...: a clinic, its server, a
# proxy in front with the given harm, and a patient with N check-ins queued.
# The proxy finds the server through $T/NAME.port, so that a server
# restarted on a new port (0: the kernel's choice, never its old one,
# which another test may have been given since) is behind the same proxy
# and the same URL.
setup() {
	local srv=$1 c=$2 px=$3 p=$4
	shift 4
	make_clinic "$c" && start_server "$srv" "$c" &&
	    start_proxy "$px" "$T/$srv.port" "$@" || return 1
	set_url "$c" "http://127.0.0.1:${PORT[$px]}"
	make_profile "$p" && seed "$p" phq9 1,1,1,1,0,0,0,0,0 1700000000 $N &&
	    enroll_file "$c" "R-$p" "$T/$p.stepwise" && enroll "$p" "$T/$p.stepwise"
}

# server_has_read NAME: wait (10 s at most) until server NAME holds a
# connection and has read every byte that reached each one it holds.
server_has_read() {
	python3 "$(dirname "$0")/../tools/sw_held.py" "${PID[$1]}" "${PORT[$1]}" read
}

# 1. The proxy cuts the second batch in the middle of its body, and
# libcurl's own retry of it on a fresh connection too.
echo "# cut in the middle of an upload"
setup s1 "$T/c1" x1 p1 --at 'POST /v2/sync' --nth 2 --offset 1500 --action cut --times 2 || finish
sw_sync p1; st=$?
kill -USR1 "${PID[x1]}"	# no more harm
expect "cut upload: sync exits 4 (could not reach the clinic)" 4 $st "$(cat "$T/p1.sync")"
grep -q "the connection was cut off" "$T/p1.sync" && ok "and says the connection was cut off" || bad "cut upload: reason" "$(cat "$T/p1.sync")"
grep -q '^cut ' "$T/x1.out" && ok "the proxy cut the second batch" || bad "proxy did not cut" "$(cat "$T/x1.out")"
n=$(clinic_count "$T/c1"); a=$(acked_ids x1)
[ "$n" -gt 0 ] && [ "$n" -lt $N ] && ok "part of the records arrived before the cut ($n)" || bad "records before the cut: $n"
[ "$(clinic_ids "$T/c1")" = "$a" ] && ok "the server holds exactly the records it acknowledged" ||
    bad "server rows differ from acknowledged ids" "$(diff <(clinic_ids "$T/c1") <(echo "$a") | head)"
sw p1 status >"$T/st1" 2>&1
grep -Eqi "waiting.*\b$((N - n))\b" "$T/st1" && ok "status counts the $((N - n)) records still waiting" || bad "status after the cut" "$(cat "$T/st1")"
s=$(sync_until p1 5)
[[ $s == " 0 3" ]] && ok "the next sync sends the rest (0), then nothing to do (3)" || bad "syncs after the cut:$s" "$(cat "$T/p1.syncs")"
same_ids "$T/c1" p1 "after the cut"

# 2. The server is killed (-9) while the second batch is half uploaded.
echo "# server killed during an upload"
setup s2 "$T/c2" x2 p2 --at 'POST /v2/sync' --nth 2 --offset 1500 --action stall || finish
sw_sync p2 & spid=$!
if wait_line "$T/x2.out" '^stalled ' 60; then
	ok "the proxy holds the second batch half sent"
	out=$(server_has_read s2 2>&1) && ok "the server has read the half it was sent" || bad "server read" "$out"
	stop_server s2 KILL
	wait $spid; st=$?
	expect "killed server: sync exits 4" 4 $st "$(cat "$T/p2.sync")"
	# Cut off, not timed out: the client saw the connection close when
	# the server died, and did not wait for its low-speed limit.
	grep -q "the connection was cut off" "$T/p2.sync" && ! grep -q "timed out" "$T/p2.sync" &&
	    ok "the client saw the connection end with the server" || bad "killed server: reason" "$(cat "$T/p2.sync")"
else
	bad "the proxy never stalled" "$(cat "$T/x2.out" "$T/p2.sync")"
	kill $spid 2>/dev/null; wait $spid
	stop_server s2 KILL
fi
n=$(clinic_count "$T/c2")
[ "$n" -gt 0 ] && [ "$n" -lt $N ] && [ "$(clinic_ids "$T/c2")" = "$(acked_ids x2)" ] &&
    ok "the database holds the first batch only, as acknowledged ($n)" || bad "rows after the kill: $n"
sqlite3 "$(clinic_db "$T/c2")" 'PRAGMA integrity_check' | grep -qx ok && ok "the database is intact after kill -9" || bad "integrity_check"
start_server s2 "$T/c2" || finish
s=$(sync_until p2 5)
[[ $s == " 0 3" ]] && ok "after a restart on the same database: sent (0), then nothing to do (3)" || bad "syncs after restart:$s" "$(cat "$T/p2.syncs")"
same_ids "$T/c2" p2 "after the kill"

# 3. The server stores the batch, and is killed before its answer reaches
# the client: the client sends it again, and the server keeps one copy.
echo "# server killed after storing, before the answer arrives"
setup s3 "$T/c3" x3 p3 --at 'POST /v2/sync' --nth 2 --action stall-reply || finish
sw_sync p3 & spid=$!
if wait_line "$T/x3.out" '^reply-stalled ' 60; then
	expect "the server stored the whole second batch before answering" $N "$(clinic_count "$T/c3")"
	before=$(batches x3 | sed -n 1p)
	stop_server s3 KILL
	wait $spid; st=$?
	expect "answer lost: sync exits 4" 4 $st "$(cat "$T/p3.sync")"
	grep -q "the connection was cut off" "$T/p3.sync" && ok "and says the connection was cut off" || bad "answer lost: reason" "$(cat "$T/p3.sync")"
else
	bad "the proxy never held an answer" "$(cat "$T/x3.out" "$T/p3.sync")"
	kill $spid 2>/dev/null; wait $spid
	stop_server s3 KILL
	before=0
fi
start_server s3 "$T/c3" || finish
s=$(sync_until p3 5)
[[ $s == " 0 3" ]] && ok "after a restart: resent (0), then nothing to do (3)" || bad "syncs after the lost answer:$s" "$(cat "$T/p3.syncs")"
dups=$(requests x3 | python3 -c '
import json, sys
print(sum(len(json.loads(r["answer"])["duplicate"]) for r in map(json.loads, sys.stdin)
          if r["target"] == "/v2/sync" and r["status"] == 200 and r["answer"]))')
expect "the resent records were answered as duplicates" $((N - before)) "$dups"
same_ids "$T/c3" p3 "after the lost answer"
finish
