# lib.sh: what the sync tests share. Sourced by each tests/sync/*.sh with
# the same arguments:
#   SCRIPT STEPWISE STEPWISE-CLINIC SW-SEED CONTENT-DIR SW-PROXY
# A temporary folder (kept when KEEP=1), servers and proxies that are all
# killed on exit, ok/bad counters, and helpers to make a clinic and a
# patient and to drive the real binaries. Everything listens on 127.0.0.1
# on a port the kernel chooses.
set -u
SW=$1 SC=$2 SEED=$3 CONTENT=$4 PROXY=$5
. "$(dirname "$0")/../tools/clinic.sh"
T=$(mktemp -d --suffix=.stepwise-sync)
PW="a long enough passphrase"
pass=0 fail=0
declare -A PID PORT SERVER
cleanup() {
	local n
	for n in "${!PID[@]}"; do
		kill -9 "${PID[$n]}" 2>/dev/null
	done
	wait 2>/dev/null
	if [ "${KEEP:-0}" = 1 ]; then echo "kept $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT
ok()  { pass=$((pass + 1)); echo "ok - $1"; }
bad() { fail=$((fail + 1)); echo "FAIL - $1"; [ -n "${2:-}" ] && echo "$2" | sed 's/^/    /' | head -40; }
# check NAME COMMAND...: ok when the command succeeds
check() {
	local name=$1 out; shift
	if out=$("$@" 2>&1); then ok "$name"; else bad "$name" "$out"; fi
}
# expect NAME WANTED GOT [DETAIL]
expect() { [ "$2" = "$3" ] && ok "$1" || bad "$1" "wanted '$2', got '$3'${4:+
$4}"; }
finish() {
	# Every server still running must stop cleanly on SIGTERM. In a
	# sanitizer build, a report in any output kept here fails the test
	# (UndefinedBehaviorSanitizer goes on after printing; leaks show at exit).
	local san n
	for n in "${!PID[@]}"; do
		[ -n "${SERVER[$n]:-}" ] || continue
		stop_server "$n" || bad "server $n did not stop cleanly on SIGTERM" "$(tail -20 "$T/$n.log")"
	done
	san=$(grep -rlaE 'runtime error:|AddressSanitizer|LeakSanitizer' "$T" 2>/dev/null)
	[ -z "$san" ] && ok "no sanitizer report in any output" ||
	    bad "sanitizer reports in:" "$(for f in $san; do echo "$f:"; grep -aE -A5 'runtime error:|Sanitizer' "$f" | head -20; done)"
	echo "$pass passed, $fail failed"
	[ $fail -eq 0 ] && [ $pass -gt 0 ]
	exit $?
}
# Meson's "skipped" status.
skip_all() { echo "SKIP: $1"; exit 77; }

# wait_line FILE REGEX [SECONDS]: wait until a line of FILE matches.
wait_line() {
	local f=$1 re=$2 n=$(( ${3:-20} * 10 ))
	while [ $n -gt 0 ]; do
		grep -Eq -- "$re" "$f" 2>/dev/null && return 0
		sleep 0.1; n=$((n - 1))
	done
	return 1
}

# ---- the clinic ----

# make_clinic DIR: a clinic folder named "Test Clinic".
make_clinic() {
	"$SC" init "$1" --name "Test Clinic" >"$T/init.out" 2>&1 ||
	    { bad "stepwise-clinic init $1" "$(cat "$T/init.out")"; return 1; }
}
# set_url DIR URL: the address patients' devices will use, written into
# clinic.json before the enrollment files are made.
set_url() {
	python3 - "$1/clinic.json" "$2" <<'PY'
import json, sys
p, url = sys.argv[1], sys.argv[2]
c = json.load(open(p))
c["url"] = url
json.dump(c, open(p, "w"), indent=2)
PY
}
# start_server NAME DIR [PORT [ARGS...]]: stepwise-clinic serve on
# 127.0.0.1:PORT (default 0), its stdout in $T/NAME.out and its log in
# $T/NAME.log (appended, so a restart keeps one log). Sets PID[NAME] and
# PORT[NAME], and writes the port to $T/NAME.port (for a proxy started
# with that file as its target, while the server runs); fails when it
# does not say where it listens in 10 seconds.
start_server() {
	local name=$1 dir=$2 port=${3:-0}
	shift; shift; [ $# -gt 0 ] && shift
	: >"$T/$name.out"
	"$SC" serve --dir "$dir" --listen "127.0.0.1:$port" "$@" \
	    >"$T/$name.out" 2>>"$T/$name.log" &
	PID[$name]=$!
	SERVER[$name]=1
	if ! wait_line "$T/$name.out" '^listening on https?://127\.0\.0\.1:[0-9]+$' 10; then
		bad "server $name starts" "$(cat "$T/$name.out" "$T/$name.log")"
		return 1
	fi
	PORT[$name]=$(head -1 "$T/$name.out" | sed 's/.*://')
	echo "${PORT[$name]}" >"$T/$name.port.new" && mv "$T/$name.port.new" "$T/$name.port"
}
# stop_server NAME [SIGNAL]: TERM by default; waits for it to end.
stop_server() {
	local name=$1 sig=${2:-TERM}
	[ -n "${PID[$name]:-}" ] || return 0
	rm -f "$T/$name.port"
	kill -s "$sig" "${PID[$name]}" 2>/dev/null
	wait "${PID[$name]}" 2>/dev/null
	local st=$?
	unset "PID[$name]"
	return $st
}
# start_proxy NAME TARGET [ARGS...]: sw-proxy.py capturing to $T/NAME.cap,
# its events in $T/NAME.out. TARGET is a port, or a file holding one (read
# again for each new connection, such as $T/SERVER.port). Sets PID[NAME],
# PORT[NAME].
start_proxy() {
	local name=$1 target=$2
	shift 2
	[[ $target == [0-9]* ]] || set -- "$@" --target-file
	: >"$T/$name.out"
	python3 "$PROXY" --capture "$T/$name.cap" "$@" "$target" \
	    >"$T/$name.out" 2>"$T/$name.err" &
	PID[$name]=$!
	if ! wait_line "$T/$name.out" '^listening on 127\.0\.0\.1:[0-9]+$' 10; then
		bad "proxy $name starts" "$(cat "$T/$name.out" "$T/$name.err")"
		return 1
	fi
	PORT[$name]=$(head -1 "$T/$name.out" | sed 's/.*://')
}
# enroll_file DIR REF FILE [ARGS...]: stepwise-clinic enroll.
enroll_file() {
	local dir=$1 ref=$2 f=$3
	shift 3
	"$SC" enroll --dir "$dir" --patient "$ref" -o "$f" "$@" \
	    >"$T/enroll-$ref.out" 2>&1 ||
	    { bad "stepwise-clinic enroll $ref" "$(cat "$T/enroll-$ref.out")"; return 1; }
}
# clinic_dump_hash DIR: a hash of the clinic database's whole content.
clinic_dump_hash() { sqlite3 -cmd '.timeout 10000' "$(clinic_db "$1")" .dump | sha256sum; }
clinic_count() { sqlite3 "$(clinic_db "$1")" 'SELECT count(*) FROM records'; }
clinic_distinct() { sqlite3 "$(clinic_db "$1")" 'SELECT count(DISTINCT device || id) FROM records'; }
# clinic_ids DIR: the record ids the server holds, sorted.
clinic_ids() { sqlite3 "$(clinic_db "$1")" 'SELECT id FROM records ORDER BY id'; }

# ---- the patient ----

# sw NAME ARGS...: stepwise on the profile in $T/NAME, the passphrase on
# descriptor 3.
sw() {
	local name=$1; shift
	"$SW" --content "$CONTENT" --data-dir "$T/$name" --passphrase-fd 3 "$@" 3<<<"$PW"
}
# make_profile NAME: a new profile with the passphrase.
make_profile() {
	echo "$PW" | "$SW" --data-dir "$T/$1" --passphrase-fd 0 init \
	    >"$T/$1.init" 2>&1 ||
	    { bad "stepwise init $1" "$(cat "$T/$1.init")"; return 1; }
}
# seed NAME MEASURE ANSWERS TIMESTAMP [COUNT]: check-ins through the core.
seed() {
	echo "$PW" | "$SEED" "$T/$1/default.db" "$CONTENT" "$2" "$3" "$4" ${5:+"$5"} ||
	    { bad "sw-seed $*"; return 1; }
}
# enroll NAME FILE: stepwise enroll --no-sync; output in $T/NAME.enroll.
enroll() {
	sw "$1" enroll --no-sync --send-earlier "$2" >"$T/$1.enroll" 2>&1 ||
	    { bad "stepwise enroll $1" "$(cat "$T/$1.enroll")"; return 1; }
}
# make_patient NAME CLINIC-DIR REF: a profile, an enrollment file from the
# clinic, and stepwise enroll --no-sync.
make_patient() {
	make_profile "$1" && enroll_file "$2" "$3" "$T/$1.stepwise" &&
	    enroll "$1" "$T/$1.stepwise"
}
# checkin_plain NAME MEASURE ANSWERS: a check-in in plain mode, answers on
# standard input; output in $T/NAME.checkin.
checkin_plain() {
	printf '%b' "$3" | sw "$1" --plain checkin "$2" >"$T/$1.checkin" 2>&1
}
# sw_sync NAME [ARGS]: stepwise sync without the passphrase; returns its exit
# status; output in $T/NAME.sync (the last one) and $T/NAME.syncs (all).
sw_sync() {
	local name=$1 st; shift
	"$SW" --data-dir "$T/$name" sync "$@" >"$T/$name.sync" 2>&1
	st=$?
	{ echo "-- sync $* -> $st"; cat "$T/$name.sync"; } >>"$T/$name.syncs"
	return $st
}
# sync_until NAME TRIES: sync until a run exits 3 (nothing left to send or
# fetch), at most TRIES runs, sleeping a little after a failure (a status
# other than 0 or 3); prints the statuses. Succeeds when the last was 3.
sync_until() {
	local name=$1 n=$2 st=1 all=""
	while [ "$n" -gt 0 ]; do
		sw_sync "$name"; st=$?
		all="$all $st"
		[ $st -eq 3 ] && break
		[ $st -ne 0 ] && sleep 1
		n=$((n - 1))
	done
	echo "$all"
	[ $st -eq 3 ]
}
# export_ids NAME: the profile's record ids (check-ins and exercises),
# sorted.
export_ids() {
	sw "$1" export 2>>"$T/export.err" | python3 -c '
import json, sys
d = json.load(sys.stdin)
for i in sorted([c["id"] for c in d["checkins"]] + [e["id"] for e in d["exercises"]]):
    print(i)'
}
# results DIR ARGS...: stepwise-clinic results --format json.
results() {
	local dir=$1; shift
	"$SC" results --dir "$dir" --format json "$@" 2>>"$T/results.err"
}

# ---- what went over the wire (through sw-proxy.py) ----

# requests NAME: one JSON line per request seen by proxy NAME.
requests() { python3 "$PROXY" requests "$T/$1.cap"; }
# acked_ids NAME: the record ids the server acknowledged in an answer that
# reached the proxy, sorted, once each (a 200 to POST /v2/sync acknowledges
# every record of its batch; to POST /v1/records, those it lists).
acked_ids() {
	requests "$1" | python3 -c '
import json, sys
ids = set()
for l in sys.stdin:
    r = json.loads(l)
    if r["status"] != 200 or not r["answer"]:
        continue
    if r["target"] == "/v2/sync" and r["body"]:
        ids.update(x["id"] for x in json.loads(r["body"])["records"])
    elif r["target"] == "/v1/records":
        ids.update(json.loads(r["answer"])["acked"])
for i in sorted(ids):
    print(i)'
}
# batches NAME: the number of records in each POST /v2/sync body that
# carried records and reached the proxy whole, in order, one per line
# ("cut" for one cut short).
batches() {
	requests "$1" | python3 -c '
import json, sys
for l in sys.stdin:
    r = json.loads(l)
    if r["method"] == "POST" and r["target"] == "/v2/sync":
        n = len(json.loads(r["body"])["records"]) if r["body"] else "cut"
        if n != 0:
            print(n)'
}
