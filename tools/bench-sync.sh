#!/bin/bash
# bench-sync.sh: how long and how much memory a sync of N queued records
# takes, on loopback and on a 2G-like link (64 kbit/s, 400 ms queue, 3%
# loss: tbf and an nftables drop rule in a network namespace of its own);
# and how soon a sync lets go when the clinic's server dies in the middle
# of an upload, and when the patient presses Ctrl-C in plain mode while the
# clinic does not answer. The tests (tests/sync/interrupt.sh,
# tests/cli/test_plain_sync.sh) check that these happen and why; this says
# how long they take.
# A benchmark, not a test: it prints numbers and asserts nothing.
#   tools/bench-sync.sh [BUILDDIR [N]]      (default: build, 1000)
# The 2G part needs root and unshare; it is skipped without them.
set -u
B=$(cd "${1:-build}" && pwd) || exit 2
N=${2:-1000}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SW=$B/src/cli/stepwise
SC=$B/src/clinic/stepwise-clinic
SEED=$B/tests/sw-seed
PROXY=$ROOT/tests/tools/sw-proxy.py
PW="correct horse battery"
export STEPWISE_CONTENT_DIR=$ROOT/content
for f in "$SW" "$SC" "$SEED"; do
	[ -x "$f" ] || { echo "bench-sync: build first ($f missing)" >&2; exit 2; }
done
T=$(mktemp -d --suffix=.stepwise-bench)
SRV='' PX='' PL=''
trap 'for p in $SRV $PX $PL; do kill -9 $p 2>/dev/null; done; rm -rf "$T"' EXIT

# prepare URL-PORT [COUNT]: a clinic whose patients' URL is that port and a
# profile with COUNT (default N) queued records.
prepare() {
	rm -rf "$T/c" "$T/d" "$T/e.json"
	"$SC" init "$T/c" --url "http://127.0.0.1:$1" >/dev/null || exit 1
	patient "$1" "${2:-$N}"
}
# patient URL-PORT COUNT: the clinic's URL set to that port, and a new
# profile, enrolled without a sync, with COUNT queued records.
patient() {
	rm -rf "$T/d" "$T/e.json"
	python3 - "$T/c/clinic.json" "$1" <<'PY' || exit 1
import json, sys
c = json.load(open(sys.argv[1]))
c["url"] = "http://127.0.0.1:" + sys.argv[2]
json.dump(c, open(sys.argv[1], "w"))
PY
	"$SC" enroll --dir "$T/c" --patient B1 -o "$T/e.json" >/dev/null || exit 1
	echo "$PW" | "$SW" --data-dir "$T/d" --passphrase-fd 0 init >/dev/null || exit 1
	if [ "$2" -gt 0 ]; then
		echo "$PW" | "$SEED" "$T/d/default.db" "$ROOT/content" phq9 \
		    1,1,1,1,1,1,1,1,0 1790000000 "$2" >/dev/null || exit 1
	fi
	echo "$PW" | "$SW" --data-dir "$T/d" --passphrase-fd 0 enroll --no-sync --send-earlier \
	    "$T/e.json" >/dev/null || exit 1
}

# measure LABEL: syncs until nothing is left (or 30 tries), then prints the
# wall time, the peak memory of the largest run and the rows received.
measure() {
	local start end st tries=0 peak=0 kb
	start=$(date +%s.%N)
	while [ $tries -lt 30 ]; do
		tries=$((tries + 1))
		/usr/bin/time -f %M -o "$T/mem" "$SW" --data-dir "$T/d" sync \
		    --quiet >/dev/null 2>&1
		st=$?
		kb=$(tail -1 "$T/mem")
		[ "$kb" -gt "$peak" ] && peak=$kb
		[ $st -eq 0 ] || [ $st -eq 3 ] || continue
		"$SW" --data-dir "$T/d" sync --quiet >/dev/null 2>&1
		[ $? -eq 3 ] && break
	done
	end=$(date +%s.%N)
	printf '%-22s %6.1f s  %5d KiB peak  %d runs  %s rows\n' "$1" \
	    "$(awk "BEGIN { print $end - $start }")" "$peak" "$tries" \
	    "$(sqlite3 "$T/c/db/clinic.db" 'SELECT count(*) FROM records')"
}

# serve PORT [ARGS]: the clinic's server (0: a port the kernel chooses);
# sets SRV and SPORT.
serve() {
	local port=$1
	shift
	"$SC" serve --dir "$T/c" --listen "127.0.0.1:$port" --rate 0 "$@" \
	    >"$T/port" 2>"$T/serve.log" &
	SRV=$!
	for _ in $(seq 50); do
		grep -q listening "$T/port" 2>/dev/null &&
		    { SPORT=$(sed -n 's/.*://p' "$T/port"); return; }
		sleep 0.1
	done
	echo "bench-sync: the server did not start" >&2
	exit 1
}
# proxy ARGS...: sw-proxy.py in front of the server; sets PX and PXPORT.
proxy() {
	python3 "$PROXY" "$@" "$SPORT" >"$T/px.out" 2>"$T/px.err" &
	PX=$!
	for _ in $(seq 50); do
		grep -q '^listening' "$T/px.out" 2>/dev/null &&
		    { PXPORT=$(sed -n '1s/.*://p' "$T/px.out"); return; }
		sleep 0.1
	done
	echo "bench-sync: the proxy did not start" >&2
	exit 1
}
# until_line FILE REGEX: polls (10 ms) for a matching line, 60 s at most.
until_line() {
	local n=6000
	until grep -Eq -- "$2" "$1" 2>/dev/null; do
		n=$((n - 1))
		[ $n -gt 0 ] || return 1
		sleep 0.01
	done
}
now() { date +%s.%N; }
since() { awk "BEGIN { printf \"%.2f\", $(now) - $1 }"; }
stop() { for p in "$@"; do kill "$p" 2>/dev/null; { wait "$p"; } 2>/dev/null; done; }

echo "bench-sync: $N records, $(nproc) CPUs, $(uname -m)"
rm -rf "$T/c"
"$SC" init "$T/c" >/dev/null || exit 1
serve 0
patient "$SPORT" "$N"
measure "loopback"
stop $SRV
SRV=

# The server killed (-9) while the proxy holds the second batch half sent:
# from the kill to the end of stepwise sync.
rm -rf "$T/c"
"$SC" init "$T/c" >/dev/null || exit 1
serve 0
proxy --at 'POST /v2/sync' --nth 2 --offset 1500 --action stall
patient "$PXPORT" 40
"$SW" --data-dir "$T/d" sync >"$T/sync.out" 2>&1 &
pid=$!
if until_line "$T/px.out" '^stalled '; then
	t0=$(now)
	kill -9 $SRV
	{ wait $pid; } 2>/dev/null	# and bash's word on the killed server
	st=$?
	printf '%-40s %6s s (exit %d)\n' "server killed mid-upload: sync ends in" "$(since "$t0")" $st
else
	echo "server killed mid-upload: the proxy never stalled"
	kill $pid
fi
{ wait $SRV; } 2>/dev/null
stop $PX
SRV='' PX=''

# Ctrl-C in plain mode while the clinic holds back its answer to a message
# fetch: from SIGINT to "The sync was stopped".
rm -rf "$T/c"
"$SC" init "$T/c" >/dev/null || exit 1
serve 0
# The first sync (stepwise sync below) passes; the next is held.
proxy --at 'POST /v2/sync' --nth 2 --action stall-reply
patient "$PXPORT" 0
echo "$PW" | "$SW" --data-dir "$T/d" --passphrase-fd 0 sync >/dev/null 2>&1
mkfifo "$T/in"
"$SW" --data-dir "$T/d" --passphrase-fd 3 --plain <"$T/in" >"$T/plain.out" 2>&1 3<<<"$PW" &
PL=$!
exec 4>"$T/in"
echo 9 >&4
if until_line "$T/px.out" '^reply-stalled '; then
	t0=$(now)
	kill -INT $PL
	until_line "$T/plain.out" 'The sync was stopped' &&
	    printf '%-40s %6s s\n' "Ctrl-C in plain mode: sync stopped in" "$(since "$t0")" ||
	    echo "Ctrl-C in plain mode: the sync did not say it stopped"
else
	echo "Ctrl-C in plain mode: the fetch was never held"
fi
echo q >&4
exec 4>&-
stop $PL $SRV $PX
PL='' SRV='' PX=''

if [ "$(id -u)" -eq 0 ] && unshare -n true 2>/dev/null; then
	prepare 18562
	# The server and the client both run inside the namespace, where the
	# link is slow and lossy (the namespace's own port space, so a fixed
	# port is free).
	unshare -n bash -c "
		ip link set lo mtu 1500 up
		tc qdisc add dev lo root tbf rate 64kbit burst 4kb latency 400ms
		nft add table inet bench
		nft add chain inet bench c '{ type filter hook input priority 0; }'
		nft add rule inet bench c tcp dport 18562 numgen random mod 100 \< 3 drop
		$(declare -f serve measure)
		T='$T' SW='$SW' SC='$SC' N='$N'
		serve 18562
		trap 'kill \$SRV 2>/dev/null' EXIT
		measure '2G-like (64 kbit/s)'
	"
else
	echo "2G-like link: skipped (needs root and unshare -n)"
fi
