#!/bin/bash
# test_serve_limits.sh: what a request to stepwise-clinic serve must not do
# beyond its own rights: use up another device's rate limit with batches it
# could not sign, have a message the device never fetched (or one not yet
# queued) counted as fetched, or have text of its choosing echoed back
# as a record id.
#   test_serve_limits.sh STEPWISE-CLINIC SW-PROTO
set -u
SC=$1 P=$2
SUFFIX=serve-limits . "$(dirname "$0")/serve_lib.sh"
export LC_ALL=C.UTF-8

# post FROM PATH FILE: a JSON body from the loopback address FROM; sets
# code, the body in $T/body.
post() {
	code=$(curl -sS -o "$T/body" -w '%{http_code}' --interface "$1" -H 'Content-Type: application/json' -H 'Expect:' --data-binary @"$3" "$U$2" 2>"$T/curlerr")
}
# fetch DEVICE AFTER: a signed GET /v1/messages?after=AFTER from 127.0.0.1.
fetch() {
	"$P" request "$T/$1.json" GET "/v1/messages?after=$2" >"$T/sig"
	code=$(curl -sS -o "$T/body" -w '%{http_code}' -H @"$T/sig" "$U/v1/messages?after=$2" 2>"$T/curlerr")
}
j() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$T/body" "$1" 2>/dev/null; }
rows() { sqlite3 "$DB" "SELECT count(*) FROM records"; }
# fetched DEVICE: the server's fetched mark (its column is still delivered).
fetched() { sqlite3 "$DB" "SELECT delivered FROM devices WHERE device = '$1'"; }
devid() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["device"])' "$T/$1.json"; }

"$SC" init "$T/c" >/dev/null || { echo "init failed"; exit 1; }
for p in PA PB PM; do
	"$SC" enroll --dir "$T/c" --patient $p -o "$T/e$p.json" >/dev/null || { echo "enroll $p failed"; exit 1; }
done
for d in a b m; do "$P" device "$T/$d.json"; done
B=$(devid b) M=$(devid m)

# ---- the limit per device counts only what the device signed ----
start rate --rate 5
for d in a:PA b:PB m:PM; do
	"$P" register "$T/${d%:*}.json" "$T/e${d#*:}.json" >"$T/reg.json"
	post 127.0.0.1 /v1/enroll "$T/reg.json"
	[ "$code" = 201 ] || { echo "registering ${d%:*} failed: $code $(cat "$T/body")"; exit 1; }
done
# Five batches naming device B that B did not sign, from one address: a
# changed byte under each signature, and records with no signature.
junk=0
for i in 1 2 3; do
	"$P" batch "$T/b.json" "$T/ePB.json" 1 '{"measure":"phq9"}' 0 >"$T/junk.json"
	post 127.0.0.2 /v1/records "$T/junk.json"
	[ "$code" = 401 ] && [ "$(j 'd["error"]')" = bad_signature ] && junk=$((junk + 1))
done
"$P" batch "$T/a.json" "$T/ePB.json" 2 >"$T/other.json"
python3 - "$T/other.json" "$B" >"$T/junk.json" <<'PY'
import json, sys
b = json.load(open(sys.argv[1])); b["device"] = sys.argv[2]   # A's records, in B's name
print(json.dumps(b))
PY
post 127.0.0.2 /v1/records "$T/junk.json"
[ "$code" = 401 ] && [ "$(j 'd["error"]')" = bad_signature ] && junk=$((junk + 1))
python3 -c 'import json,sys; b=json.load(open(sys.argv[1])); [r.pop("signature") for r in b["records"]]; print(json.dumps(b))' "$T/other.json" |
    python3 -c 'import json,sys; b=json.load(sys.stdin); b["device"]=sys.argv[1]; print(json.dumps(b))' "$B" >"$T/junk.json"
post 127.0.0.2 /v1/records "$T/junk.json"
[ "$code" = 400 ] && [ "$(j 'd["error"]')" = bad_record ] && junk=$((junk + 1))
[ $junk = 5 ] && [ "$(rows)" = 0 ] && ok "five batches in device B's name that B did not sign: refused, nothing stored" || bad "junk batches: $junk of 5 refused as expected" "$(cat "$T/body")"
"$P" batch "$T/b.json" "$T/ePB.json" 1 >"$T/good.json"
post 127.0.0.3 /v1/records "$T/good.json"
[ "$code" = 200 ] && [ "$(rows)" = 1 ] && ok "then B's own batch from another address: 200, stored (the junk did not use up B's limit)" || bad "B's batch after the junk" "$code $(cat "$T/body")"
# What B signed does count: one batch with a changed byte in one record
# but a good signature on the other, and three good ones, make five...
"$P" batch "$T/b.json" "$T/ePB.json" 2 '{"measure":"phq9"}' 1 >"$T/half.json"
post 127.0.0.4 /v1/records "$T/half.json"
h=$code
n=0
for i in 1 2 3; do
	"$P" batch "$T/b.json" "$T/ePB.json" 1 >"$T/good.json"
	post 127.0.0.4 /v1/records "$T/good.json"
	[ "$code" = 200 ] && n=$((n + 1))
done
[ "$h" = 401 ] && [ $n = 3 ] && ok "a batch B half signed is refused; three more of B's are stored" || bad "B's batches 2-5" "half: $h, good: $n"
# ... and the sixth in the minute is refused, from yet another address.
"$P" batch "$T/b.json" "$T/ePB.json" 1 >"$T/good.json"
rb=$(rows)
post 127.0.0.5 /v1/records "$T/good.json"
[ "$code" = 429 ] && [ "$(j 'd["error"]')" = rate_limited ] && [ "$(rows)" = "$rb" ] && ok "B's sixth signed batch in the minute: 429, nothing stored" || bad "B's sixth batch" "$code $(cat "$T/body")"
# The 429 comes before the rejection: a half-signed batch over the limit
# is not answered with its list of records.
post 127.0.0.5 /v1/records "$T/half.json"
[ "$code" = 429 ] && [ "$(j '"rejected" in d')" = False ] && ok "a half-signed batch over the limit: 429 without rejected" || bad "half-signed over the limit" "$code $(cat "$T/body")"
# Fetches signed with another key do not count against M either.
"$P" request "$T/a.json" GET '/v1/messages?after=0' | sed "s/^X-Stepwise-Device: .*/X-Stepwise-Device: $M/" >"$T/sig"
for i in 1 2 3 4 5; do
	curl -sS -o /dev/null --interface 127.0.0.6 -H @"$T/sig" "$U/v1/messages?after=0"
done
fetch m 0
[ "$code" = 200 ] && ok "five fetches in M's name with another device's signature leave M's own fetch alone" || bad "M's fetch" "$code $(cat "$T/body")"
kill -TERM "$PID"; wait "$PID"

# ---- the fetched mark: never past what was queued, never back ----
start main --rate 0
echo "first message" | "$SC" message --dir "$T/c" --patient PM >/dev/null 2>"$T/err" || bad "message 1" "$(cat "$T/err")"
# msgstate: "fetched/devices" for each message to PM, oldest first.
msgstate() {
	"$SC" messages --dir "$T/c" --patient PM --format json 2>/dev/null |
	    python3 -c 'import json,sys; print(" ".join("%d/%d" % (m["fetched"], m["devices"]) for m in json.load(sys.stdin)["messages"] if m["direction"] == "to_patient"))'
}
[ "$(msgstate)" = "0/1" ] && ok "a message queued: fetched by 0 of 1" || bad "queued" "$(msgstate)"
fetch m 99999999
[ "$code" = 200 ] && [ "$(j 'd["messages"]')" = "[]" ] && [ "$(fetched "$M")" = 1 ] && ok "after=99999999: nothing fetched; the mark stops at the last seq queued (1)" || bad "after=99999999" "$code $(fetched "$M") $(cat "$T/body")"
echo "second message" | "$SC" message --dir "$T/c" --patient PM >/dev/null 2>"$T/err" || bad "message 2" "$(cat "$T/err")"
[ "$(msgstate)" = "1/1 0/1" ] && ok "a message queued after that is not shown as fetched" || bad "message 2 shown as fetched" "$(msgstate)"
fetch m 1
[ "$code" = 200 ] && [ "$(j '[m["seq"] for m in d["messages"]]')" = "[2]" ] && [ "$(fetched "$M")" = 1 ] && [ "$(msgstate)" = "1/1 0/1" ] && ok "after=1 fetches it and does not yet mark it" || bad "after=1" "$code $(fetched "$M") $(msgstate)"
fetch m 2
[ "$code" = 200 ] && [ "$(fetched "$M")" = 2 ] && [ "$(msgstate)" = "1/1 1/1" ] && ok "after=2 marks it fetched" || bad "after=2" "$code $(fetched "$M") $(msgstate)"
fetch m 0
[ "$code" = 200 ] && [ "$(fetched "$M")" = 2 ] && ok "after=0 does not move the mark back" || bad "after=0" "$(fetched "$M")"

# ---- rejected echoes only record ids ----
"$P" batch "$T/a.json" "$T/ePA.json" 5 >"$T/b5.json"
python3 - "$T/b5.json" >"$T/ids.json" <<'PY'
import json, sys
b = json.load(open(sys.argv[1])); r = b["records"]
good = r[0]["id"]
r[0]["ciphertext"] = "AAAA"                               # bad_record, a real id
r[1]["id"] = "<script>alert(1)</script>"                  # not an id
r[2]["id"] = r[2]["id"].upper()                           # hex, but upper case
r[3]["id"] = r[3]["id"] * 2                               # 64 hex characters
r[4]["id"] = "a"                                          # too short
print(json.dumps(b))
PY
good=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["records"][0]["id"])' "$T/ids.json")
post 127.0.0.1 /v1/records "$T/ids.json"
[ "$code" = 400 ] && [ "$(j 'd["error"]')" = bad_record ] && ok "a batch of records with bad ids: 400 bad_record" || bad "bad ids" "$code $(cat "$T/body")"
[ "$(j '[r["id"] for r in d["rejected"]]')" = "['$good', None, None, None, None]" ] && ok "rejected echoes the real id and null for each id that is not one" || bad "rejected ids" "$(cat "$T/body")"
! grep -q -e script -e "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["records"][3]["id"])' "$T/ids.json")" "$T/body" && ok "nothing of the bad ids is in the answer" || bad "echoed" "$(cat "$T/body")"
kill -TERM "$PID"; wait "$PID"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
