#!/bin/bash
# make-caseload.sh: a clinic folder with a large caseload, for the
# benchmarks (tools/bench-caseload.sh, tools/bench-console.sh): N patients
# with K PHQ-9 and K GAD-7 check-ins each, a week apart, signed and sealed
# for real by the test fixture (tests/tools/sw-clinic-fixture) as a device
# would, scored with the content's own bands so that every one passes the
# clinic's check. The records are of protocol version 3, as devices make
# them now (each numbered, chained and in a run of its own, as if synced
# one at a time); CASELOAD_V=1 makes version 1 envelopes instead, as
# devices made them before. One process a record: a few minutes for
# 10,000.
#   [CASELOAD_V=1|3] tools/make-caseload.sh BUILDDIR CLINIC-DIR N K
set -u
case ${CASELOAD_V:-3} in
1) MODE= ;;
3) MODE=v3 ;;
*) echo "make-caseload: CASELOAD_V is 1 or 3" >&2; exit 2 ;;
esac
B=$(cd "$1" && pwd) || exit 2
C=$2 N=$3 K=$4
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SC=$B/src/clinic/stepwise-clinic
FX=$B/tests/sw-clinic-fixture
for f in "$SC" "$FX"; do
	[ -x "$f" ] || { echo "make-caseload: build first ($f missing)" >&2; exit 2; }
done
W=$(mktemp -d --suffix=.stepwise-caseload) || exit 1
trap 'rm -rf "$W"' EXIT
"$SC" init "$C" --name "Bench Clinic" >/dev/null || exit 1

# The records' JSON, one line each ("PATIENT CREATED JSON").
python3 - "$ROOT/content" "$N" "$K" >"$W/records" <<'PYEOF'
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
echo "making $N patients with $((2 * K)) check-ins each..." >&2
start=$(date +%s)
for p in $(seq -f 'P%04g' 1 "$N"); do
	"$SC" enroll --dir "$C" --patient "$p" -o "$W/$p.json" >/dev/null &&
	    "$FX" device "$C" "$W/$p.json" "$W/$p.keys" >/dev/null || exit 1
done
while read -r p t json; do
	printf '%s' "$json" |
	    "$FX" record "$C" "$W/$p.keys" checkin "$t" $MODE >/dev/null || exit 1
done <"$W/records"
echo "made in $(( $(date +%s) - start )) s: $(sqlite3 "$C/db/clinic.db" 'SELECT count(*) FROM records') records" >&2
