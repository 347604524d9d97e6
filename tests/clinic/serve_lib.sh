# serve_lib.sh: what the server tests share: a private folder, counting
# results, servers on a free port stopped at exit. Source it with the
# folder's suffix set:  SUFFIX=serve . "$(dirname "$0")/serve_lib.sh"
# Needs SC (stepwise-clinic); gives T, DB, ok, bad and start.
. "$(dirname "$0")/../tools/clinic.sh"
T=$(mktemp -d --suffix=".stepwise-${SUFFIX:-serve}")
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
pass=0 fail=0
ok()  { pass=$((pass + 1)); echo "ok - $1"; }
bad() { fail=$((fail + 1)); echo "FAIL - $1"; [ -n "${2:-}" ] && echo "$2" | sed 's/^/    /' | head -20; }
DB=$(clinic_db "$T/c")

# start NAME [OPTIONS]: a server for $T/c (or $SERVE_DIR) on a free port;
# sets U (its URL) and PID. Ends the test when it does not start.
start() {
	local name=$1
	shift
	"$SC" serve --dir "${SERVE_DIR:-$T/c}" --listen 127.0.0.1:0 "$@" >"$T/$name.out" 2>"$T/$name.log" &
	PID=$!
	pids+=("$PID")
	for _ in $(seq 200); do
		grep -q '^listening on' "$T/$name.out" 2>/dev/null && break
		sleep 0.05
	done
	U=$(sed -n 's/^listening on //p' "$T/$name.out")
	[ -n "$U" ] || { echo "the server did not start: $(cat "$T/$name.log")"; echo "$pass passed, $((fail + 1)) failed"; exit 1; }
}
