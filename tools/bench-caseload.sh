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
# nothing. Making the caseload takes a few minutes (one process a record).
#   tools/bench-caseload.sh [BUILDDIR [N [K]]]    (default: build-test, 500, 10)
set -u
B=$(cd "${1:-build-test}" && pwd) || exit 2
N=${2:-500}
K=${3:-10}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SC=$B/src/clinic/stepwise-clinic
FX=$B/tests/sw-clinic-fixture
for f in "$SC" "$FX"; do
	[ -x "$f" ] || { echo "bench-caseload: build first ($f missing)" >&2; exit 2; }
done
export STEPWISE_CONTENT_DIR=$ROOT/content
T=$(mktemp -d --suffix=.stepwise-caseload)
[ -n "${KEEP:-}" ] && echo "kept $T" || trap 'rm -rf "$T"' EXIT
C=$T/clinic
"$SC" init "$C" --name "Bench Clinic" >/dev/null || exit 1

# The records' JSON, one line each ("PATIENT KIND CREATED JSON"), scored
# with the content's own bands so that every one passes the clinic's check.
python3 - "$ROOT/content" "$N" "$K" >"$T/records" <<'PYEOF'
import json, random, sys, time
content, n, k = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
random.seed(7)
now = int(time.time())
def band(m, total):
    for b in m["bands"]:
        if b["min"] <= total <= b["max"]:
            return b
for measure in ("phq9", "gad7"):
    m = json.load(open(f"{content}/measures/{measure}.json"))
    items = len(m["items"])
    for p in range(1, n + 1):
        for i in range(k):
            t = now - (k - i) * 7 * 86400 - p * 60
            a = [random.randint(0, 2) for _ in range(items)]
            if measure == "phq9":
                a[8] = 0
            total = sum(a)
            b = band(m, total)
            rec = {"measure": measure, "answers": a, "total": total,
                   "severity": b["id"], "severity_label": b["label"],
                   "risk": False,
                   "completed_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t)),
                   "completed_ts": t}
            print(f"P{p:04d} {t} {json.dumps(rec, separators=(',', ':'))}")
PYEOF
echo "making $N patients with $((2 * K)) check-ins each..."
start=$(date +%s)
for p in $(seq -f 'P%04g' 1 "$N"); do
	"$SC" enroll --dir "$C" --patient "$p" -o "$T/$p.json" >/dev/null &&
	    "$FX" device "$C" "$T/$p.json" "$T/$p.keys" >/dev/null || exit 1
done
while read -r p t json; do
	printf '%s' "$json" | "$FX" record "$C" "$T/$p.keys" checkin "$t" >/dev/null || exit 1
done <"$T/records"
echo "made in $(( $(date +%s) - start )) s: $(sqlite3 "$C/db/clinic.db" 'SELECT count(*) FROM records') records"

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
