#!/bin/bash
# server_kills.sh: the clinic's server killed (SIGKILL) at random moments
# while a device uploads, and started again on the same database each
# time: 20 kills (200 with STEPWISE_SOAK, meson -Dsoak=true). Before each
# kill the profile gets 12 new check-ins, which its sync sends as two
# batches (the first batch is small by design: 8, then 4), through a proxy
# that holds every byte 200 ms each way, so a sync takes at least 800 ms
# from its first byte. Kill k lands in the k-th of K equal slices of the
# first 450 ms (at a random point of its slice): while the first batch is
# on the way, while the server stores it, while its answer is on the way,
# or while the second batch is. The proxy's hold, not the machine's speed,
# puts every kill inside the sync: with a 50 ms hold and a uniform draw
# over 300 ms, a fast machine had finished most syncs before the kill (4 of
# 20 cut, one CI run). Afterwards: the database is intact, and once the
# device has synced, the clinic holds each of the
# profile's records exactly once (issue 18, section 4; interrupt.sh has
# the three exact moments, crash.sh the client's kills).
#   server_kills.sh STEPWISE STEPWISE-CLINIC SW-SEED CONTENT-DIR SW-PROXY
. "$(dirname "$0")/lib.sh"
K=20
[ -n "${STEPWISE_SOAK:-}" ] && K=200
RANDOM=18

make_clinic "$T/c" && start_server srv "$T/c" 0 --rate 0 || finish
start_proxy px "$T/srv.port" --delay 200 || finish
set_url "$T/c" "http://127.0.0.1:${PORT[px]}"
make_patient p "$T/c" R1 || finish
sync_until p 3 >/dev/null || bad "the device registers" "$(cat "$T/p.syncs")"

cut=0 ts=1700000000
for k in $(seq $K); do
	seed p phq9 1,0,1,0,1,0,1,0,0 $ts 12 >/dev/null || finish
	ts=$((ts + 100))
	b0=$(stat -c %s "$T/px.cap" 2>/dev/null || echo 0)
	sw_sync p & spid=$!
	# 0 to 449 ms after the first byte of this sync reached the proxy
	# (registration is done, so this is the batches' time).
	for _ in $(seq 500); do
		[ "$(stat -c %s "$T/px.cap" 2>/dev/null || echo 0)" -gt "$b0" ] && break
		sleep 0.01
	done
	sleep "0.$(printf '%03d' $(((k - 1) * 450 / K + RANDOM % (450 / K))))"
	stop_server srv KILL
	wait $spid; st=$?
	[ $st -eq 4 ] && cut=$((cut + 1))
	case $st in 0|3|4) ;; *) bad "kill $k: the sync ended with status $st" "$(cat "$T/p.sync")" ;; esac
	if ! sqlite3 "$(clinic_db "$T/c")" 'PRAGMA integrity_check' | grep -qx ok; then
		bad "kill $k: the database is damaged"
		break
	fi
	start_server srv "$T/c" 0 --rate 0 || finish
done
# A good part of the kills must cut a sync off, or they were not during
# uploads.
[ $cut -ge $((K / 3)) ] && ok "$cut of $K kills cut a sync off (it ended: could not reach the clinic)" ||
    bad "only $cut of $K kills cut a sync off"
ok "the database was intact after each of the $K kills"
s=$(sync_until p 10) && ok "the device synced afterwards (statuses:$s)" || bad "syncs after the kills:$s" "$(tail -20 "$T/p.syncs")"
n=$((K * 12))
expect "$n rows at the clinic" $n "$(clinic_count "$T/c")"
expect "$n distinct records" $n "$(clinic_distinct "$T/c")"
[ "$(export_ids p)" = "$(clinic_ids "$T/c")" ] && ok "the clinic's ids are the profile's export ids" ||
    bad "ids differ" "$(diff <(export_ids p) <(clinic_ids "$T/c") | head)"
finish
