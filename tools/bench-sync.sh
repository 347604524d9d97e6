#!/bin/bash
# bench-sync.sh: how long and how much memory a sync of N queued records
# takes, on loopback and on a 2G-like link (64 kbit/s, 400 ms queue, 3%
# loss: tbf and an nftables drop rule in a network namespace of its own).
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
PW="correct horse battery"
export STEPWISE_CONTENT_DIR=$ROOT/content
for f in "$SW" "$SC" "$SEED"; do
	[ -x "$f" ] || { echo "bench-sync: build first ($f missing)" >&2; exit 2; }
done
T=$(mktemp -d --suffix=.stepwise-bench)
SRV=
trap '[ -n "$SRV" ] && kill $SRV 2>/dev/null; rm -rf "$T"' EXIT

# prepare PORT: a clinic at that port and a profile with N queued records.
prepare() {
	rm -rf "$T/c" "$T/d" "$T/e.json"
	"$SC" init "$T/c" --url "http://127.0.0.1:$1" >/dev/null || exit 1
	"$SC" enroll --dir "$T/c" --patient B1 -o "$T/e.json" >/dev/null || exit 1
	echo "$PW" | "$SW" --data-dir "$T/d" --passphrase-fd 0 init >/dev/null || exit 1
	echo "$PW" | "$SEED" "$T/d/default.db" "$ROOT/content" phq9 \
	    1,1,1,1,1,1,1,1,0 1790000000 "$N" >/dev/null || exit 1
	echo "$PW" | "$SW" --data-dir "$T/d" --passphrase-fd 0 enroll --no-sync \
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
	    "$(sqlite3 "$T/c/clinic.db" 'SELECT count(*) FROM records')"
}

serve() {
	"$SC" serve --dir "$T/c" --listen "127.0.0.1:$1" --rate 0 \
	    >"$T/port" 2>"$T/serve.log" &
	SRV=$!
	for _ in $(seq 50); do grep -q listening "$T/port" 2>/dev/null && return; sleep 0.1; done
	echo "bench-sync: the server did not start" >&2
	exit 1
}

echo "bench-sync: $N records, $(nproc) CPUs, $(uname -m)"
prepare 18561
serve 18561
measure "loopback"
kill $SRV
wait $SRV 2>/dev/null
SRV=

if [ "$(id -u)" -eq 0 ] && unshare -n true 2>/dev/null; then
	prepare 18562
	# The server and the client both run inside the namespace, where the
	# link is slow and lossy.
	unshare -n bash -c "
		ip link set lo mtu 1500 up
		tc qdisc add dev lo root tbf rate 64kbit burst 4kb latency 400ms
		nft add table inet bench
		nft add chain inet bench c '{ type filter hook input priority 0; }'
		nft add rule inet bench c tcp dport 18562 numgen random mod 100 \< 3 drop
		$(declare -f serve measure)
		T='$T' SW='$SW' SC='$SC' N='$N'
		serve 18562
		measure '2G-like (64 kbit/s)'
		kill \$SRV
	"
else
	echo "2G-like link: skipped (needs root and unshare -n)"
fi
