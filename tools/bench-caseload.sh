#!/bin/bash
# bench-caseload.sh: how long the supporter's views take on a large
# caseload (issue 17's benchmark): N patients (default 500) with K PHQ-9
# and K GAD-7 check-ins each (default 10 + 10), signed and sealed for real
# by the test fixture as a device would, then
#   stepwise-clinic patients           (the caseload: every record checked
#                                       and decrypted, risk first)
#   stepwise-clinic review --patient   (one patient's whole case)
#   stepwise-clinic results --format json
# each timed several runs with farm-bench when it is there, else with
# /usr/bin/time. A benchmark, not a test: it prints numbers and asserts
# nothing. Making the caseload (tools/make-caseload.sh) takes a few
# minutes (one process a record).
#   tools/bench-caseload.sh [BUILDDIR [N [K]]]    (default: build-test, 500, 10)
set -u
B=$(cd "${1:-build-test}" && pwd) || exit 2
N=${2:-500}
K=${3:-10}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SC=$B/src/clinic/stepwise-clinic
export STEPWISE_CONTENT_DIR=$ROOT/content
T=$(mktemp -d --suffix=.stepwise-caseload)
[ -n "${KEEP:-}" ] && echo "kept $T" || trap 'rm -rf "$T"' EXIT
C=$T/clinic
"$ROOT/tools/make-caseload.sh" "$B" "$C" "$N" "$K" || exit 1

run() {
	local name=$1; shift
	if command -v farm-bench >/dev/null 2>&1; then
		echo "== $name"
		farm-bench -- "$@" 2>&1 | tail -6
	else
		/usr/bin/time -f "== $name: %e s elapsed, %M KiB peak" "$@" >/dev/null
	fi
}
run "patients (the caseload, $N patients)" "$SC" patients --dir "$C"
run "review --patient P0001 (one patient's case)" "$SC" review --dir "$C" --patient P0001
run "results --format json (everything)" "$SC" results --dir "$C" --format json
/usr/bin/time -f "patients once: %e s, %M KiB peak" "$SC" patients --dir "$C" >/dev/null
/usr/bin/time -f "review once: %e s, %M KiB peak" "$SC" review --dir "$C" --patient P0001 >/dev/null
