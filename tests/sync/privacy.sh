#!/bin/bash
# privacy.sh: the server's database and every byte on the wire (captured by
# a proxy between client and server) hold no answer, score, measure, risk
# flag, answer wording or question wording (read from the measures' JSON),
# message or reply in clear, not even compressed or in base64; and the
# profile holds no message or reply text in clear.
#   privacy.sh STEPWISE STEPWISE-CLINIC SW-SEED CONTENT-DIR SW-PROXY
. "$(dirname "$0")/lib.sh"
MSG="Quokkaberry says: your thought record looked thorough."
REPLY="Zephyrwombat here, the thought record helped a lot."

make_clinic "$T/c" && start_server srv "$T/c" && start_proxy px "${PORT[srv]}" || finish
set_url "$T/c" "http://127.0.0.1:${PORT[px]}"
make_patient p "$T/c" R1 || finish
checkin_plain p phq9 '1\n2\n0\n1\n0\n3\n0\n1\n1\nc\n1\n\n' || bad "PHQ-9 check-in" "$(tail "$T/p.checkin")"
mv "$T/p.checkin" "$T/p.phq9"
expect "the PHQ-9 check-in and its risk answer are sent when saved" 2 "$(clinic_count "$T/c")"
checkin_plain p gad7 '2\n1\n0\n3\n2\n0\n2\n1\n\n' || bad "GAD-7 check-in" "$(tail "$T/p.checkin")"
mv "$T/p.checkin" "$T/p.gad7"
expect "the GAD-7 check-in is sent when saved" 3 "$(clinic_count "$T/c")"
printf '%s' "$MSG" | "$SC" message --dir "$T/c" --patient R1 --from Sam >"$T/msg.out" 2>&1 || bad "message" "$(cat "$T/msg.out")"
sw_sync p; st=$?
expect "the message is fetched: exit 0" 0 $st "$(cat "$T/p.sync")"
printf '8\nn\nq\n' | sw p --plain >"$T/read" 2>&1
printf '8\ny\n%s\n.\n\nq\n' "$REPLY" | sw p --plain >"$T/reply" 2>&1
grep -q "Your reply is saved" "$T/reply" || bad "reply" "$(cat "$T/reply")"
expect "plain mode sent the reply when it was saved" 4 "$(clinic_count "$T/c")"
sw_sync p; st=$?
expect "so stepwise sync has nothing to do: exit 3" 3 $st "$(cat "$T/p.sync")"
# The flow really happened, so that the checks below mean something.
results "$T/c" --patient R1 | python3 -c '
import json, sys
r = json.load(sys.stdin)["results"]
k = sorted(x["kind"] for x in r)
assert k == ["checkin", "checkin", "reply", "risk"], k
assert [x for x in r if x["kind"] == "reply"][0]["record"]["text"] == sys.argv[1]' "$REPLY" &&
    ok "the clinic decrypts the check-ins, the risk answer and the reply" || bad "results"
grep -qF "$MSG" "$T/read" && ok "the patient reads the message" || bad "message not read" "$(cat "$T/read")"

stop_server srv || bad "server stop"
python3 "$PROXY" decode "$T/px.cap" --b64 >"$T/decoded" 2>"$T/decode.err" || bad "decode" "$(cat "$T/decode.err")"
grep -aq 'POST /v2/sync' "$T/decoded" && grep -aq '"messages":\[{"seq":1' "$T/decoded" &&
    ok "the capture holds the uploads and the message they brought back" || bad "capture" "$(head -c 2000 "$T/decoded")"
dev=$(sqlite3 "$(clinic_db "$T/c")" 'SELECT device FROM devices')
# Controls: the decoder inflates the request bodies, and grep finds what is
# really there, so that finding nothing below means something.
grep -aqF "{\"v\":3,\"device\":\"$dev\"," "$T/decoded" &&
    ! grep -aqF "\"records\":[{" "$T/px.cap" &&
    ok "the decoded capture shows the binary bodies, decoded" || bad "bodies not decoded" "$(head -c 1500 "$T/decoded")"
expect "four uploads (the risk answer, two check-ins, the reply) and one message in the capture" "4 1" \
    "$(requests px | python3 -c '
import json, sys
print(sum(1 for r in map(json.loads, sys.stdin) if r["target"] == "/v2/sync"
          and r["body"] and json.loads(r["body"])["records"]))') $(grep -ac '"seq":1' "$T/decoded")"

# The wording the patient answered: each measure's stem, question texts
# and answer labels, and its last question's text and labels, as the
# content holds them.
wording() {
	python3 - "$CONTENT/measures/$1.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
for part in (m, m.get("functional") or {}):
    for t in [part.get("stem"), part.get("text")] + \
            [i["text"] for i in part.get("items", [])] + \
            [o["label"] for o in part.get("options", [])]:
        if t:
            print(t)
PY
}
wording phq9 >"$T/phq9.words" && wording gad7 >"$T/gad7.words" || bad "reading the measures' wording"
mapfile -t phq9_words <"$T/phq9.words"
mapfile -t gad7_words <"$T/gad7.words"
# Control: the patient was shown every one of them, so the list is the
# real wording (a transcript wraps lines; spaces are made single).
for m in phq9 gad7; do
	missing=$(python3 - "$T/p.$m" "$T/$m.words" <<'PY'
import sys
shown = " ".join(open(sys.argv[1], encoding="utf-8").read().split())
for w in open(sys.argv[2], encoding="utf-8").read().splitlines():
    if " ".join(w.split()) not in shown:
        print(w)
PY
)
	n=$(grep -c . "$T/$m.words")
	[ "$n" -ge 10 ] && [ -z "$missing" ] && ok "the $m check-in showed all $n of its wordings" ||
	    bad "$m wording: $n read, not shown:" "$missing"
done
words=("1,2,0,1,0,3,0,1,1" "1, 2, 0, 1, 0, 3, 0, 1, 1" '"total":9' '"total": 9' "$MSG" "$REPLY"
    "2,1,0,3,2,0,2" "2, 1, 0, 3, 2, 0, 2" '"total":10' '"total": 10'
    Quokkaberry Zephyrwombat phq9 PHQ-9 gad7 GAD-7 risk '"severity"' '"answers"' mild moderate
    "${phq9_words[@]}" "${gad7_words[@]}")
for f in "$(clinic_db "$T/c")"* "$T/px.cap" "$T/decoded" "$T/srv.log"; do
	found=""
	for w in "${words[@]}"; do
		grep -aqiF -- "$w" "$f" && found="$found [$w]"
	done
	[ -z "$found" ] && ok "$(basename "$f") holds none of the clinical words" || bad "$(basename "$f") holds:$found"
done
# The distinctive words in base64 (each of the three alignments), so that
# a value encoded but not encrypted is caught too.
b64s=$(python3 - Quokkaberry Zephyrwombat <<'PY'
import base64, sys
for w in sys.argv[1:]:
    for pre in (b"", b"x", b"xx"):
        e = base64.b64encode(pre + w.encode()).decode().rstrip("=")
        core = e[(len(pre) * 4 + 2) // 3 + 1:-2]
        print(core)
        print(core.replace("+", "-").replace("/", "_"))
PY
)
found=""
for b in $b64s; do
	grep -aqF -- "$b" "$T/px.cap" "$T/decoded" "$(clinic_db "$T/c")"* && found="$found $b"
done
[ -z "$found" ] && ok "no base64 of the message or reply words" || bad "base64 found:$found"
found=""
for w in "$MSG" "$REPLY" Quokkaberry Zephyrwombat; do
	cat "$T/p/"* | grep -aqF -- "$w" && found="$found [$w]"
done
[ -z "$found" ] && ok "the profile folder holds no message or reply text in clear" || bad "the profile holds in clear:$found"
finish
