#!/bin/bash
# bench-console.sh: how long the supporter's console takes on a large
# caseload (issue 17's benchmark; targets: the caseload drawn within 1 s of
# starting, a patient's view within 200 ms of Enter): N patients (default
# 500) with K PHQ-9 and K GAD-7 check-ins each (default 10 + 10: 20 per
# patient), made by tools/make-caseload.sh, then stepwise-clinic console
# started RUNS times (default 5) in a tmux of 80x24, timed from the start
# until the screen shows the caseload, and from Enter on the first patient
# until it shows that patient's view: wall time, read with date +%s%N
# around polls of capture-pane, so each figure includes a few milliseconds
# of tmux; and, for comparison, stepwise-clinic patients --format json,
# which reads the caseload the same way without a screen. A benchmark, not
# a test: it prints a table and asserts nothing.
#   tools/bench-console.sh [BUILDDIR [N [K [RUNS]]]]  (default: build-test, 500, 10, 5)
# CLINIC=DIR uses the clinic folder DIR if it exists (made by an earlier
# run with KEEP=1), else makes it there.
set -u
B=$(cd "${1:-build-test}" && pwd) || exit 2
N=${2:-500}
K=${3:-10}
RUNS=${4:-5}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SC=$B/src/clinic/stepwise-clinic
[ -x "$SC" ] || { echo "bench-console: build first ($SC missing)" >&2; exit 2; }
command -v tmux >/dev/null || { echo "bench-console: tmux is needed" >&2; exit 2; }
export STEPWISE_CONTENT_DIR=$ROOT/content
T=$(mktemp -d --suffix=.stepwise-console)
SOCK=sw-bench-console-$$
cleanup() {
	tmux -L "$SOCK" kill-server 2>/dev/null
	[ -n "${KEEP:-}" ] && echo "kept $T" || rm -rf "$T"
}
trap cleanup EXIT
C=${CLINIC:-$T/clinic}
if [ ! -d "$C" ]; then
	"$ROOT/tools/make-caseload.sh" "$B" "$C" "$N" "$K" || exit 1
fi
records=$(sqlite3 "$C/db/clinic.db" 'SELECT count(*) FROM records')
patients=$(sqlite3 "$C/db/clinic.db" 'SELECT count(DISTINCT patient) FROM devices')

tm() { tmux -L "$SOCK" "$@"; }
now() { date +%s%N; }
# until_shown REGEX: poll the screen until a line matches (30 s at most).
until_shown() {
	local n=6000
	while [ $n -gt 0 ]; do
		tm capture-pane -p -t bench 2>/dev/null | grep -qE -- "$1" && return 0
		sleep 0.005
		n=$((n - 1))
	done
	return 1
}
# The tmux server is started once, beforehand, so that its start is not
# counted.
tm -f /dev/null new-session -d -s idle "sleep 3600"
: >"$T/caseload"; : >"$T/view"; : >"$T/patients"
for r in $(seq 1 "$RUNS"); do
	t0=$(now)
	tm new-session -d -x 80 -y 24 -s bench "env LANG=C.UTF-8 TERM=screen-256color \
	    '$SC' console --dir '$C' --as 'Bench Supporter'; sleep 60"
	until_shown "Caseload: $patients patients" ||
	    { echo "bench-console: the caseload did not show" >&2; tm capture-pane -p -t bench >&2; exit 1; }
	t1=$(now)
	sleep 0.3	# settled: the view's time is the view's alone
	t2=$(now)
	tm send-keys -t bench Enter
	until_shown "Patient P[0-9]+" ||
	    { echo "bench-console: the patient view did not show" >&2; tm capture-pane -p -t bench >&2; exit 1; }
	t3=$(now)
	echo $(( (t1 - t0) / 1000000 )) >>"$T/caseload"
	echo $(( (t3 - t2) / 1000000 )) >>"$T/view"
	tm kill-session -t bench
	# The same reading of the caseload without a screen, for comparison.
	t0=$(now)
	"$SC" patients --dir "$C" --format json >/dev/null || exit 1
	echo $(( ($(now) - t0) / 1000000 )) >>"$T/patients"
done

# stats FILE: min, median and max of the milliseconds in FILE.
stats() { sort -n "$1" | awk '{ v[NR] = $1 } END { printf "%6d %6d %6d", v[1], v[int((NR + 1) / 2)], v[NR] }'; }
echo "stepwise-clinic console: $patients patients, $records records, $RUNS runs, $(nproc) cores"
printf '%-28s %6s %6s %6s  %s\n' "milliseconds" min median max target
printf '%-28s %s  %s\n' "start to caseload drawn" "$(stats "$T/caseload")" "1000"
printf '%-28s %s  %s\n' "Enter to patient view drawn" "$(stats "$T/view")" "200"
printf '%-28s %s  %s\n' "patients --format json" "$(stats "$T/patients")" "(the same reading, no screen)"
