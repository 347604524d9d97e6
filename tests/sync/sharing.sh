#!/bin/bash
# sharing.sh: what goes to the clinic is the patient's choice (issue 15,
# section 2). Check-ins made before joining go only when the patient says
# so when enrolling (--keep-earlier here: they stay); an exercise entry goes
# only when it is shared, at its save or later from its page, and a shared
# entry not yet sent can be made private again. A private entry's id and
# text never reach the wire (through sw-proxy.py) or the clinic's database,
# over many syncs; every shared one arrives exactly once.
#   sharing.sh STEPWISE STEPWISE-CLINIC SW-SEED CONTENT-DIR SW-PROXY
. "$(dirname "$0")/lib.sh"

# entry NAME TEXT [SHARE-ANSWER]: a mood check in plain mode with TEXT as
# its last field; SHARE-ANSWER answers "Share it?" (asked only when joined).
entry() {
	printf '4\n%s\n1\n\n6\n4\n3\n%s\n%s%s' "$MOOD" "$2" "${3:+$3\n}" 'q\n' |
	    sw "$1" --plain >>"$T/$1.entries" 2>&1
}
# history NAME ENTRY-NUMBER ANSWER: the mood check's past entries, and a
# change of sharing for one of them (numbered oldest first... as listed).
history() {
	printf '4\n%s\n2\n%s\n%s\nq\n' "$MOOD" "$2" "$3" |
	    sw "$1" --plain >"$T/$1.history" 2>&1
}
# id_of NAME TEXT: the id of the profile's exercise entry holding TEXT.
id_of() {
	sw "$1" export 2>>"$T/export.err" | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(" ".join(e["id"] for e in d["exercises"] if sys.argv[1] in json.dumps(e)))' "$2"
}
# clinic_texts DIR: the text of every exercise entry the clinic holds.
clinic_texts() {
	results "$1" | python3 -c '
import json, sys
for r in json.load(sys.stdin)["results"]:
    if r["kind"] == "exercise":
        print(json.dumps(r["record"]))'
}

make_clinic "$T/c" && start_server srv "$T/c" && start_proxy px "$T/srv.port" || finish
set_url "$T/c" "http://127.0.0.1:${PORT[px]}"
make_profile p || finish

# The clinic's default is checked where it is written and where it is read.
cp "$T/c/clinic.json" "$T/clinic.json.good"
python3 - "$T/c/clinic.json" <<'PYEOF'
import json, sys
c = json.load(open(sys.argv[1]))
assert c["share_default"] == "ask", c
c["share_default"] = "sometimes"
json.dump(c, open(sys.argv[1], "w"))
PYEOF
"$SC" enroll --dir "$T/c" --patient R9 -o "$T/bad.stepwise" >"$T/bad.out" 2>&1; st=$?
[ $st -ne 0 ] && grep -q 'share_default' "$T/bad.out" && [ ! -e "$T/bad.stepwise" ] &&
    ok "init writes share_default ask; another value is refused by enroll, named, and nothing written" ||
    bad "bad share_default (exit $st)" "$(cat "$T/bad.out")"
cp "$T/clinic.json.good" "$T/c/clinic.json"
enroll_file "$T/c" R9 "$T/r9.stepwise" || finish
sed 's/"share_default":[[:space:]]*"ask"/"share_default":"sometimes"/' "$T/r9.stepwise" >"$T/r9.bad"
cmp -s "$T/r9.stepwise" "$T/r9.bad" && bad "the enrollment file carries share_default" "$(cat "$T/r9.stepwise")"
make_profile q || finish
sw q enroll --no-sync --keep-earlier "$T/r9.bad" >"$T/q.bad" 2>&1; st=$?
[ $st -ne 0 ] && grep -qF '$.share_default' "$T/q.bad" &&
    ok "a client refuses an enrollment file with another share_default, naming the field" ||
    bad "client share_default (exit $st)" "$(cat "$T/q.bad")"
MOOD=$(printf '4\n\nq\n' | sw p --plain 2>/dev/null | grep -m1 -i 'mood check' | cut -d. -f1 | tr -d ' ')
[ -n "$MOOD" ] || { bad "the mood check is on the exercise list"; finish; }

# ---- before joining: two check-ins, one entry kept, one shared ----
seed p phq9 "1,1,1,1,1,1,1,1,0" 1796000000 2 || finish
entry p "Pelicanmarmalade before joining, kept."
entry p "Narwhalbiscuit before joining, shared."
grep -q "Share it?" "$T/p.entries" && bad "without a clinic the save does not ask to share" "$(cat "$T/p.entries")" ||
    ok "without a clinic the save does not ask to share"
history p 2 y
grep -q "Private: only on this computer." "$T/p.history" &&
    ok "past entries say an entry is private" || bad "past entries: private" "$(cat "$T/p.history")"
grep -q "This entry is shared: it will go to your clinic if you join one." "$T/p.history" &&
    ok "an entry shared before joining says it goes when a clinic is joined" ||
    bad "share before joining" "$(cat "$T/p.history")"
KEPT_BEFORE=$(id_of p Pelicanmarmalade) SHARED_BEFORE=$(id_of p Narwhalbiscuit)
[ -n "$KEPT_BEFORE" ] && [ -n "$SHARED_BEFORE" ] || bad "the two entries are in the export"

enroll_file "$T/c" R1 "$T/p.stepwise" || finish
sw p enroll --no-sync "$T/p.stepwise" </dev/null >"$T/p.noflag" 2>&1; st=$?
[ $st -ne 0 ] && grep -q -- "--send-earlier or --keep-earlier" "$T/p.noflag" &&
    ok "enroll without a terminal and without a choice refuses" || bad "enroll without a choice (exit $st)" "$(cat "$T/p.noflag")"
sw p sync >"$T/p.notenrolled" 2>&1; st=$?
[ $st -ne 0 ] && [ $st -ne 3 ] && [ "$(clinic_count "$T/c")" = 0 ] &&
    ok "and the profile is not enrolled: nothing was sent" || bad "refused enroll changed something (sync exit $st)" "$(cat "$T/p.notenrolled")"
sw p enroll --no-sync --keep-earlier "$T/p.stepwise" >"$T/p.enroll" 2>&1 || bad "enroll --keep-earlier" "$(cat "$T/p.enroll")"
for want in "This profile holds 2 check-ins made before joining, not sent to anyone." \
    "1 exercise entry you shared before joining goes too." \
    "1 exercise entry made before joining stays on this computer" \
    "The check-ins made before joining stay on this computer only."; do
	grep -qF "$want" "$T/p.enroll" && ok "enroll says: $want" || bad "enroll says: $want" "$(cat "$T/p.enroll")"
done

# ---- joined: shared, private, shared then private before it went ----
entry p "Quetzalporridge after joining, private." n
flat=$(tr '\n' ' ' <"$T/p.entries")
grep -qF "This entry is private: it stays on this computer unless you share it with Test Clinic." <<<"$flat" &&
    grep -qF "Share it? (y/n)" <<<"$flat" && grep -qF "It stays on this computer: only you can see it." <<<"$flat" &&
    ok "joined: the save asks, with the clinic's default (ask)" || bad "share question" "$(cat "$T/p.entries")"
entry p "Axolotlcrumpet after joining, shared." y
stop_server srv || bad "server stop"
entry p "Capybaratoffee shared, then private before it went." y
history p 5 y
grep -q "This entry is private again" "$T/p.history" &&
    ok "a shared entry not yet sent is made private again" || bad "unshare" "$(cat "$T/p.history")"
entry p "Okapimeringue private, shared later." n
start_server srv "$T/c" "${PORT[srv]}" || finish
history p 6 y
grep -q "This entry is shared: it goes to Test Clinic at the next sync." "$T/p.history" &&
    ok "a private entry is shared later from its page" || bad "share later" "$(cat "$T/p.history")"
for i in 1 2 3 4 5 6; do sw_sync p; done
sync_until p 5 >/dev/null || bad "sync to the end" "$(cat "$T/p.syncs")"
history p 4 y
grep -q "has been sent to Test Clinic already, so it stays shared" "$T/p.history" &&
    ok "a sent entry cannot be made private again, and the patient is told" || bad "unsend" "$(cat "$T/p.history")"
for i in 1 2 3; do sw_sync p; done

# ---- what the clinic has, and what went over the wire ----
texts=$(clinic_texts "$T/c")
for w in Narwhalbiscuit Axolotlcrumpet Okapimeringue; do
	expect "the shared entry '$w' arrived exactly once" 1 "$(grep -c "$w" <<<"$texts")" "$texts"
done
expect "no check-in made before joining was sent" 0 \
    "$(results "$T/c" | python3 -c 'import json,sys; print(sum(r["kind"] in ("checkin","risk") for r in json.load(sys.stdin)["results"]))')"
expect "the clinic holds the three shared entries and nothing else" 3 "$(clinic_count "$T/c")"
stop_server srv || bad "server stop"
python3 "$PROXY" decode "$T/px.cap" --b64 >"$T/decoded" 2>"$T/decode.err" || bad "decode" "$(cat "$T/decode.err")"
grep -aqF "$SHARED_BEFORE" "$T/decoded" && ok "control: a shared entry's id is seen in the decoded capture" ||
    bad "control: shared id not in the capture" "$(head -c 1500 "$T/decoded")"
private_ids="$KEPT_BEFORE $(id_of p Quetzalporridge) $(id_of p Capybaratoffee)"
expect "three private entries" 3 "$(wc -w <<<"$private_ids")"
found=""
for id in $private_ids; do
	grep -aqF "$id" "$T/px.cap" "$T/decoded" "$(clinic_db "$T/c")"* && found="$found $id"
done
for w in Pelicanmarmalade Quetzalporridge Capybaratoffee; do
	grep -aqF "$w" "$T/px.cap" "$T/decoded" "$(clinic_db "$T/c")"* && found="$found $w"
	grep -qF "$w" <<<"$texts" && found="$found $w(results)"
done
[ -z "$found" ] && ok "no private entry's id or text on the wire, in the clinic's database or its results" ||
    bad "private entries leaked:$found"
sw p export 2>/dev/null | python3 -c '
import json, sys
d = {}
for e in json.load(sys.stdin)["exercises"]:
    for w in ("Pelicanmarmalade", "Narwhalbiscuit", "Quetzalporridge", "Axolotlcrumpet", "Capybaratoffee", "Okapimeringue"):
        if w in json.dumps(e["values"]):
            d[w] = e["sharing"]
want = {"Pelicanmarmalade": "private", "Narwhalbiscuit": "sent", "Quetzalporridge": "private",
        "Axolotlcrumpet": "sent", "Capybaratoffee": "private", "Okapimeringue": "sent"}
assert d == want, d' && ok "the export says of each entry whether it is private, shared or sent" || bad "export sharing" "$(sw p export 2>&1 | head -c 2000)"
finish
