#!/bin/bash
# test_serve.sh: the real stepwise-clinic serve on 127.0.0.1 (port 0),
# driven with curl and the sw-proto device tool: every endpoint of
# stepwise-protocol(7), every documented refusal with its status, error
# code and headers, and after each refusal a database that has not changed
# by one byte. Then the rate limit, TLS with a CA made here, and SIGTERM.
#   test_serve.sh STEPWISE-CLINIC SW-PROTO
set -u
SC=$1 P=$2
SUFFIX=serve . "$(dirname "$0")/serve_lib.sh"
# The interpreter itself, not a wrapper script: it runs a few hundred times.
PY=$(python3 -c 'import sys; print(sys.executable)')
python3() { "$PY" -S "$@"; }

# req METHOD PATH [CURL-ARGS]: sets code; the body is in $T/body and the
# headers in $T/hdr.
req() {
	local m=$1 path=$2
	shift 2
	code=$(curl -sS -o "$T/body" -D "$T/hdr" -w '%{http_code}' -X "$m" "$@" "$U$path" 2>"$T/curlerr")
}
# post PATH FILE [CURL-ARGS]: a JSON body as it is in FILE.
post() {
	local path=$1 file=$2
	shift 2
	req POST "$path" -H 'Content-Type: application/json' -H 'Expect:' --data-binary @"$file" "$@"
}
hdr() { grep -i "^$1:" "$T/hdr" | head -1 | cut -d' ' -f2- | tr -d '\r'; }
# j EXPR: a Python expression over the answer body d.
j() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$T/body" "$1" 2>/dev/null; }
snap() { sqlite3 "$DB" .dump | sha256sum; }
rows() { sqlite3 "$DB" "SELECT count(*) FROM $1"; }
# The headers every answer has.
common() {
	[ "$(hdr Content-Type)" = application/json ] && [ "$(hdr Cache-Control)" = no-store ]
}

# refused STATUS ERROR WHAT: the last answer was this error, in the
# documented JSON, with the documented headers, and nothing was stored.
refused() {
	local why=""
	[ "$code" = "$1" ] || why="status $code;"
	[ "$(j 'd["error"] + " " + ",".join(sorted(set(d) - {"rejected", "server_time"}))')" = "$2 error,message" ] ||
	    why="$why body $(head -c 300 "$T/body");"
	common || why="$why headers;"
	if [ "$1" = 401 ] && [ "$(hdr WWW-Authenticate)" != Stepwise ]; then why="$why no WWW-Authenticate;"; fi
	[ "$(snap)" = "$state" ] || why="$why the database changed;"
	[ -z "$why" ] && ok "$3: $1 $2, nothing stored" || bad "$3" "$why"
}

"$SC" init "$T/c" >/dev/null || { echo "init failed"; exit 1; }
for p in P1 P2 P3 P4 P5; do
	"$SC" enroll --dir "$T/c" --patient $p -o "$T/e$p.json" >/dev/null || bad "enroll $p"
done
for d in d1 d2 d3 d5 dx; do "$P" device "$T/$d.json"; done
D1=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["device"])' "$T/d1.json")

"$SC" serve --dir "$T/c" --listen 127.0.0.1:99999 >/dev/null 2>&1; [ $? -eq 2 ] && ok "a bad --listen is a usage error" || bad "--listen 99999"
"$SC" serve --dir "$T/c" --tls-cert x >/dev/null 2>&1; [ $? -eq 2 ] && ok "--tls-cert without --tls-key is a usage error" || bad "--tls-cert alone"
"$SC" serve --dir "$T/nowhere" --listen 127.0.0.1:0 >/dev/null 2>&1; [ $? -eq 1 ] && ok "not a clinic folder: exit 1" || bad "no clinic folder"

# The main server: no rate limit here (this test sends far more than 60
# requests a minute from one address); the limit has its own server below.
# The server needs no secret key: they are moved away while it runs.
mkdir "$T/away" && mv "$T/c/box.sk" "$T/c/sign.sk" "$T/away/"
start main --rate 0
grep -Eqx 'listening on http://127\.0\.0\.1:[0-9]+' "$T/main.out" && [ "${U##*:}" != 0 ] && ok "prints 'listening on http://127.0.0.1:PORT' with the real port" || bad "listening line" "$(cat "$T/main.out" "$T/main.log")"
state=$(snap)

# ---- health ----
req GET /v1/health
[ "$code" = 200 ] && [ "$(cat "$T/body")" = '{"status":"ok","versions":[1,2,3]}' ] && common && ok "health: 200 {\"status\":\"ok\",\"versions\":[1,2,3]}" || bad "health" "$code $(cat "$T/body")"
req GET '/v1/health?x=1'; refused 400 bad_request "health with a query"
req POST /v1/health -H 'Content-Type: application/json' -d '{}'
refused 405 method_not_allowed "POST /v1/health"; [ "$(hdr Allow)" = GET ] && ok "405 names Allow: GET" || bad "Allow GET" "$(cat "$T/hdr")"
req GET /v1/records; refused 405 method_not_allowed "GET /v1/records"; [ "$(hdr Allow)" = POST ] && ok "405 names Allow: POST" || bad "Allow POST"
req GET /v1/nothing; refused 404 not_found "an unknown path"
req GET /; refused 404 not_found "/"

# ---- enrollment ----
"$P" register "$T/d1.json" "$T/eP1.json" >"$T/reg1.json"
post /v1/enroll "$T/reg1.json"
cp "$T/body" "$T/reg1.answer"
[ "$code" = 201 ] && [ "$(j 'd["device"]')" = "$D1" ] && [ "$(j 'sorted(d)')" = "['device', 'registered_at']" ] && common && ok "enroll: 201 with device and registered_at" || bad "enroll" "$code $(cat "$T/body")"
[ "$(sqlite3 "$DB" "SELECT count(*) FROM devices d JOIN tokens t USING (token_pk) WHERE d.device = '$D1' AND d.patient = 'P1' AND t.device = '$D1' AND length(d.reg_signature) = 64")" = 1 ] && ok "the device is stored under the token's patient and the token is used" || bad "device row" "$(sqlite3 "$DB" 'SELECT * FROM devices')"
state=$(snap)
post /v1/enroll "$T/reg1.json"
[ "$code" = 200 ] && cmp -s "$T/body" "$T/reg1.answer" && [ "$(snap)" = "$state" ] && ok "enroll resent: 200 with the same body, nothing changed" || bad "enroll resend" "$code $(cat "$T/body")"
"$P" register "$T/d2.json" "$T/eP1.json" >"$T/reg2.json"
post /v1/enroll "$T/reg2.json"; refused 409 token_used "another device with a used token"
# The same device id with other keys is not a resend.
python3 - "$T/d1.json" "$T/d2.json" >"$T/d1other.json" <<'PY'
import json, sys
a = json.load(open(sys.argv[1])); b = json.load(open(sys.argv[2])); b["device"] = a["device"]
print(json.dumps(b))
PY
"$P" register "$T/d1other.json" "$T/eP1.json" >"$T/reg1other.json"
post /v1/enroll "$T/reg1other.json"; refused 409 token_used "the same device id with other keys"
python3 - "$T/eP2.json" >"$T/eunknown.json" <<'PY'
import base64, json, os, sys
e = json.load(open(sys.argv[1])); e["token"] = base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip("=")
print(json.dumps(e))
PY
"$P" register "$T/d2.json" "$T/eunknown.json" >"$T/regu.json"
post /v1/enroll "$T/regu.json"; refused 401 unknown_token "a token the server does not know"
"$P" register "$T/d2.json" "$T/eP2.json" >"$T/reg2b.json"
python3 - "$T/reg2b.json" "$T/d3.json" >"$T/regbad.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); r["box_pk"] = json.load(open(sys.argv[2]))["box_pk"]
print(json.dumps(r))
PY
post /v1/enroll "$T/regbad.json"; refused 401 bad_signature "a registration whose signature does not verify"
sqlite3 "$DB" "UPDATE tokens SET expires_at = strftime('%s','now') - 10 WHERE patient = 'P3'"
state=$(snap)
"$P" register "$T/d3.json" "$T/eP3.json" >"$T/reg3.json"
post /v1/enroll "$T/reg3.json"; refused 410 token_expired "an expired token"
"$P" register "$T/d1.json" "$T/eP4.json" >"$T/reg1p4.json"
post /v1/enroll "$T/reg1p4.json"; refused 409 device_exists "a new token for a device id already registered"
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); del r["request_pk"]; print(json.dumps(r))' "$T/reg2b.json" >"$T/regmiss.json"
post /v1/enroll "$T/regmiss.json"; refused 400 bad_request "a registration without request_pk"
post /v1/enroll "$T/reg2b.json"
[ "$code" = 201 ] && ok "a second patient's device enrolls" || bad "enroll d2" "$code $(cat "$T/body")"
"$P" register "$T/d5.json" "$T/eP5.json" >"$T/reg5.json"
post /v1/enroll "$T/reg5.json"; [ "$code" = 201 ] || bad "enroll d5"
state=$(snap)

# ---- records ----
"$P" batch "$T/d1.json" "$T/eP1.json" 3 >"$T/b3.json"
ids=$(python3 -c 'import json,sys; print(json.dumps([r["id"] for r in json.load(open(sys.argv[1]))["records"]]))' "$T/b3.json")
t0=$(date +%s)
post /v1/records "$T/b3.json"
[ "$code" = 200 ] && [ "$(j 'json.dumps(d["acked"])')" = "$ids" ] && [ "$(j 'd["duplicate"]')" = "[]" ] && [ "$(rows records)" = 3 ] && ok "a batch of 3: 200, every id acked in order, 3 rows" || bad "batch" "$code $(cat "$T/body")"
python3 - "$T/b3.json" "$DB" <<'PY' && ok "stored: the ciphertext and signature as sent, under the device" || bad "stored bytes"
import base64, json, sqlite3, sys
b = json.load(open(sys.argv[1])); db = sqlite3.connect(sys.argv[2])
d = lambda s: base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))
for r in b["records"]:
    row = db.execute("SELECT ciphertext, signature FROM records WHERE device = ? AND id = ?", (b["device"], r["id"])).fetchone()
    assert row == (d(r["ciphertext"]), d(r["signature"]))
PY
[ "$(sqlite3 "$DB" "SELECT last_seen >= $t0 FROM devices WHERE device = '$D1'")" = 1 ] && ok "last_seen is updated" || bad "last_seen"
state=$(snap)
post /v1/records "$T/b3.json"
[ "$code" = 200 ] && [ "$(j 'json.dumps(d["acked"])')" = "$ids" ] && [ "$(j 'json.dumps(d["duplicate"])')" = "$ids" ] && [ "$(rows records)" = 3 ] && ok "the same batch again: 200, all duplicate, still exactly one row each" || bad "resend" "$code $(cat "$T/body")"
state=$(snap)
"$P" batch "$T/d1.json" "$T/eP1.json" 3 '{"measure":"gad7"}' 1 >"$T/bt.json"
tid=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["records"][1]["id"])' "$T/bt.json")
post /v1/records "$T/bt.json"; refused 401 bad_signature "one tampered ciphertext byte in a batch of 3"
[ "$(j 'd["rejected"]')" = "[{'id': '$tid', 'error': 'bad_signature'}]" ] && ok "rejected names exactly the tampered record; the whole batch is refused" || bad "rejected" "$(cat "$T/body")"
"$P" batch "$T/dx.json" "$T/eP1.json" 1 >"$T/bx.json"
post /v1/records "$T/bx.json"; refused 401 unknown_device "a batch from a device that never enrolled"
"$P" batch "$T/d1.json" "$T/eP1.json" 65 >"$T/b65.json"
post /v1/records "$T/b65.json"; refused 413 too_large "65 records in one batch"
[ "$(j '"rejected" in d')" = False ] && ok "too many records: no rejected list (the client halves the batch)" || bad "65 rejected"
python3 -c 'import sys; sys.stdout.write("{\"v\":1,\"pad\":\"" + "a" * (1024 * 1024) + "\"}")' >"$T/big.json"
# Sent with Expect: 100-continue, as a well-behaved client sends a large
# body: the server must answer 413 from Content-Length alone, before any of
# the body is read. (With the whole body pushed at once, the server's early
# answer can be lost to the reset when it closes an unread connection.)
req POST /v1/records -H 'Content-Type: application/json' -H 'Expect: 100-continue' --expect100-timeout 60 --data-binary @"$T/big.json"; refused 413 too_large "a body over 1 MiB (Content-Length)"
req POST /v1/records -H 'Content-Type: application/json' -H 'Expect:' -H 'Transfer-Encoding: chunked' --data-binary @"$T/big.json"
refused 413 too_large "a chunked body over 1 MiB"
python3 -c '
import sys, zlib
sys.stdout.buffer.write(zlib.compress(b"{\"v\":1,\"pad\":\"" + b"a" * (2 * 1024 * 1024) + b"\"}", 9))' >"$T/bomb.z"
[ "$(stat -c %s "$T/bomb.z")" -lt 10000 ] || bad "the bomb is not small"
post /v1/records "$T/bomb.z" -H 'Content-Encoding: deflate'; refused 413 too_large "a deflate bomb ($(stat -c %s "$T/bomb.z") bytes, 2 MiB inflated)"
printf '{"v":1,"device":' >"$T/trunc.json"
post /v1/records "$T/trunc.json"; refused 400 malformed_json "truncated JSON"
printf '{"v":1,"v":1,"device":"%s","records":[]}' "$D1" >"$T/dupkey.json"
post /v1/records "$T/dupkey.json"; refused 400 malformed_json "a key twice"
printf '[1,2]' >"$T/arr.json"
post /v1/records "$T/arr.json"; refused 400 malformed_json "an array, not an object"
printf '{"v":1,"x":"\xff"}' >"$T/utf.json"
post /v1/records "$T/utf.json"; refused 400 malformed_json "invalid UTF-8"
"$P" batch "$T/d1.json" "$T/eP1.json" 2 >"$T/b2.json"
# edit EXPR: b2.json changed by a Python statement over r, to $T/edit.json.
edit() { python3 -c 'import json,sys,base64; r=json.load(open(sys.argv[1])); exec(sys.argv[2]); print(json.dumps(r))' "$T/b2.json" "$1" >"$T/edit.json"; }
edit 'r["extra"] = 1'
post /v1/records "$T/edit.json"; refused 400 bad_request "an unknown key"
edit 'r["v"] = 2'
post /v1/records "$T/edit.json"; refused 400 unsupported_version "v 2"
edit 'del r["v"]'
post /v1/records "$T/edit.json"; refused 400 bad_request "no v"
edit 'r["records"] = []'
post /v1/records "$T/edit.json"; refused 400 bad_request "an empty batch"
edit 'r["device"] = r["device"].upper()'
post /v1/records "$T/edit.json"; refused 400 bad_request "an upper-case device id"
edit 'r["records"][1]["id"] = r["records"][0]["id"]'
post /v1/records "$T/edit.json"; refused 400 duplicate_id "the same id twice in a batch"
[ "$(j 'd["rejected"][0]["error"]')" = duplicate_id ] && ok "rejected lists the duplicate" || bad "dup rejected" "$(cat "$T/body")"
edit 'r["records"][0]["ciphertext"] = base64.urlsafe_b64encode(bytes(100)).decode().rstrip("=")'
post /v1/records "$T/edit.json"; refused 400 bad_record "a ciphertext of 100 bytes"
edit 'r["records"][0]["ciphertext"] = base64.urlsafe_b64encode(bytes(48 + 256 * 257)).decode().rstrip("=")'
post /v1/records "$T/edit.json"; refused 413 too_large "a ciphertext over 65584 bytes"
[ "$(j 'd["rejected"][0]["error"]')" = too_large ] && ok "rejected names the oversized record" || bad "too_large rejected"
edit 'r["records"][0]["signature"] += "A"'
post /v1/records "$T/edit.json"; refused 400 bad_record "a signature of the wrong length"
req POST /v1/records -H 'Content-Type: text/plain' -H 'Expect:' --data-binary @"$T/b2.json"; refused 415 unsupported_media_type "Content-Type: text/plain"
req POST /v1/records -H 'Content-Type:' -H 'Expect:' --data-binary @"$T/b2.json"; refused 415 unsupported_media_type "no Content-Type"
post /v1/records "$T/b2.json" -H 'Content-Encoding: br'; refused 415 unsupported_encoding "Content-Encoding: br"
[ "$(hdr Accept-Encoding)" = "deflate, gzip" ] && ok "415 unsupported_encoding says Accept-Encoding: deflate, gzip" || bad "Accept-Encoding" "$(cat "$T/hdr")"
post /v1/records "$T/b2.json" -H 'Content-Encoding: gzip, deflate'; refused 415 unsupported_encoding "two codings"
printf 'not zlib at all' >"$T/junk.z"
post /v1/records "$T/junk.z" -H 'Content-Encoding: deflate'; refused 400 bad_encoding "a body that does not inflate"
post /v1/records "$T/b2.json" -H 'Content-Encoding: identity'
[ "$code" = 200 ] && [ "$(rows records)" = 5 ] && ok "Content-Encoding: identity accepted" || bad "identity" "$code $(cat "$T/body")"
for enc in zlib raw gzip; do
	"$P" batch "$T/d1.json" "$T/eP1.json" 2 >"$T/b$enc.json"
	python3 - "$enc" "$T/b$enc.json" >"$T/b$enc.z" <<'PY'
import gzip, sys, zlib
data = open(sys.argv[2], "rb").read()
if sys.argv[1] == "zlib": out = zlib.compress(data)
elif sys.argv[1] == "gzip": out = gzip.compress(data)
else:
    c = zlib.compressobj(9, zlib.DEFLATED, -15); out = c.compress(data) + c.flush()
sys.stdout.buffer.write(out)
PY
	h=deflate; [ $enc = gzip ] && h=gzip
	n=$(rows records)
	post /v1/records "$T/b$enc.z" -H "Content-Encoding: $h"
	[ "$code" = 200 ] && [ "$(j 'len(d["acked"])')" = 2 ] && [ "$(rows records)" = $((n + 2)) ] && ok "a $enc body (Content-Encoding: $h) is stored" || bad "$enc body" "$code $(cat "$T/body")"
done
state=$(snap)
post /v1/records?x=1 "$T/b2.json"; refused 400 bad_request "a query on /v1/records"

# ---- messages ----
# sig TARGET [TIME]: signed headers for d1 in $T/sig.
sig() { "$P" request "$T/d1.json" GET "$@" >"$T/sig"; }
sig '/v1/messages?after=0'
req GET '/v1/messages?after=0' -H @"$T/sig"
[ "$code" = 200 ] && [ "$(cat "$T/body")" = '{"messages":[],"more":false}' ] && common && ok "messages: a signed fetch with none waiting: 200, empty" || bad "messages empty" "$code $(cat "$T/body")"
state=$(snap)
now=$(date +%s)
for s in $(seq 1 34); do echo "INSERT INTO messages VALUES('$D1', $s, lower(hex(randomblob(16))), randomblob(304), randomblob(64), x'00', $now);"; done | sqlite3 "$DB"
sqlite3 "$DB" "INSERT INTO messages VALUES((SELECT device FROM devices WHERE device <> '$D1' LIMIT 1), 1, lower(hex(randomblob(16))), randomblob(304), randomblob(64), x'00', $now)"
state=$(snap)
sig '/v1/messages?after=0'
req GET '/v1/messages?after=0' -H @"$T/sig" --compressed
[ "$code" = 200 ] && [ "$(j '[m["seq"] for m in d["messages"]] == list(range(1, 33))')" = True ] && [ "$(j 'd["more"]')" = True ] && ok "34 waiting: the first 32 in seq order, more is true" || bad "fetch 32" "$code $(head -c 300 "$T/body")"
[ "$(hdr Content-Encoding)" = deflate ] && ok "an answer over 1 KiB is deflated when the client allows it" || bad "deflate answer" "$(cat "$T/hdr")"
python3 - "$T/body" "$DB" <<'PY' && ok "each message as stored: id, ciphertext and signature" || bad "message bytes"
import base64, json, sqlite3, sys
d = json.load(open(sys.argv[1])); db = sqlite3.connect(sys.argv[2])
b = lambda s: base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))
for m in d["messages"]:
    assert sorted(m) == ["ciphertext", "id", "seq", "signature"]
    row = db.execute("SELECT id, ciphertext, signature FROM messages WHERE seq = ? AND device = (SELECT device FROM devices WHERE patient = 'P1')", (m["seq"],)).fetchone()
    assert row == (m["id"], b(m["ciphertext"]), b(m["signature"]))
PY
sig '/v1/messages?after=32'
req GET '/v1/messages?after=32' -H @"$T/sig"
[ "$code" = 200 ] && [ "$(j '[m["seq"] for m in d["messages"]]')" = "[33, 34]" ] && [ "$(j 'd["more"]')" = False ] && [ -z "$(hdr Content-Encoding)" ] && ok "after=32: 33 and 34, more is false (small answer not compressed)" || bad "fetch rest" "$code $(head -c 300 "$T/body")"
[ "$(sqlite3 "$DB" "SELECT delivered FROM devices WHERE device = '$D1'")" = 32 ] && ok "after=32 records 32 as fetched" || bad "fetched mark"
sig '/v1/messages?after=5'
req GET '/v1/messages?after=5' -H @"$T/sig"
[ "$code" = 200 ] && [ "$(sqlite3 "$DB" "SELECT delivered FROM devices WHERE device = '$D1'")" = 32 ] && ok "an older cursor does not move the fetched mark back" || bad "fetched mark kept"
state=$(snap)
req GET '/v1/messages?after=0' -H @"$T/sig"; refused 401 bad_signature "a signature made for another target"
req GET '/v1/messages?after=0'; refused 401 bad_signature "no signature headers"
grep -v Signature "$T/sig" >"$T/sig2"
req GET '/v1/messages?after=0' -H @"$T/sig2"; refused 401 bad_signature "no X-Stepwise-Signature"
t1=$(date +%s)
sig '/v1/messages?after=0' $((t1 - 1000))
req GET '/v1/messages?after=0' -H @"$T/sig"
t2=$(date +%s)
refused 401 stale_request "a request 1000 s old"
st=$(j 'd["server_time"]')
[ -n "$st" ] && [ "$st" -ge "$t1" ] && [ "$st" -le "$t2" ] && ok "stale_request gives server_time" || bad "server_time" "$(cat "$T/body")"
sig '/v1/messages?after=01'
req GET '/v1/messages?after=01' -H @"$T/sig"; refused 400 bad_request "after=01"
sig '/v1/messages?after=1&x=2'
req GET '/v1/messages?after=1&x=2' -H @"$T/sig"; refused 400 bad_request "another query parameter"
sig '/v1/messages'
req GET '/v1/messages' -H @"$T/sig"; refused 400 bad_request "no after"
"$P" request "$T/dx.json" GET '/v1/messages?after=0' >"$T/sigx"
req GET '/v1/messages?after=0' -H @"$T/sigx"; refused 401 unknown_device "a fetch by a device that never enrolled"
sig '/v1/messages?after=0'
req GET '/v1/messages?after=0' -H @"$T/sig" -d 'x'; refused 400 bad_request "a GET with a body"

# ---- limits on the request line and headers ----
long=$(head -c 1100 /dev/zero | tr '\0' a)
req GET "/v1/health?$long"; refused 414 uri_too_long "a 1100-byte target"
pad=$(head -c 9000 /dev/zero | tr '\0' a)
req GET /v1/health -H "X-Pad: $pad"; refused 431 headers_too_large "a 9000-byte header"
printf 'X-Pad: %s\n' "$(head -c 100000 /dev/zero | tr '\0' a)" >"$T/hugehdr"
req GET /v1/health -H @"$T/hugehdr"
[ "$code" = 431 ] && ok "a header too big for libmicrohttpd's memory: still 431 (its own answer)" || bad "huge header" "$code"
req GET /v1/health
[ "$code" = 200 ] && ok "and the server still answers" || bad "alive after huge header"

# ---- connections: 8 at once from one address ----
# hold N CMD...: run CMD while N idle connections to the server are open,
# once the server holds no other connection and has taken all N (each is
# a socket of the server's process, not one waiting in the listen queue).
# Prints CMD's output, or "not-held: ..." when that did not come to be in
# 10 seconds.
hold() {
	local n=$1
	shift
	python3 - "$(dirname "$0")/../tools" "$U" "$PID" "$n" "$@" <<'PY'
import socket, subprocess, sys, urllib.parse
sys.dont_write_bytecode = True
sys.path.insert(0, sys.argv.pop(1))
from sw_held import connections, until
u = urllib.parse.urlparse(sys.argv[1])
pid, n = sys.argv[2], int(sys.argv[3])
def held():
    """The client ports of the connections the server's process holds."""
    return set(connections(pid, u.port))
socks = []
if not until(lambda: not held(), 10):
    print("not-held: the server still holds %s" % held())
else:
    socks = [socket.create_connection((u.hostname, u.port)) for _ in range(n)]
    mine = {s.getsockname()[1] for s in socks}
    if not until(lambda: held() == mine, 10):
        print("not-held: the server holds %s of %s" % (held(), mine))
    else:
        print(subprocess.run(sys.argv[4:], capture_output=True,
                             text=True).stdout, end="")
for s in socks:
    s.close()
PY
}
c7=$(hold 7 curl -s -o /dev/null -w '%{http_code}' "$U/v1/health")
c8=$(hold 8 curl -s -o /dev/null -w '%{http_code}' "$U/v1/health")
# Once the 8 are closed, the server answers again as soon as it has seen
# them go.
for _ in $(seq 100); do
	req GET /v1/health
	[ "$code" = 200 ] && break
	sleep 0.1
done
[ "$c7" = 200 ] && [ "$c8" = 000 ] && [ "$code" = 200 ] && ok "8 open connections from one address: a 9th is closed unanswered; 7 leave room" || bad "per-address connections" "7: $c7, 8: $c8, after: $code"

# ---- revocation ----
sqlite3 "$DB" "UPDATE devices SET revoked_at = strftime('%s','now') WHERE device = '$D1'"
state=$(snap)
"$P" batch "$T/d1.json" "$T/eP1.json" 1 >"$T/b1r.json"
post /v1/records "$T/b1r.json"; refused 403 device_revoked "a batch from a revoked device"
sig '/v1/messages?after=0'
req GET '/v1/messages?after=0' -H @"$T/sig"; refused 403 device_revoked "a fetch by a revoked device"

# ---- the log: one line per request, never a body or a signature ----
secret=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["records"][0]["ciphertext"][:40])' "$T/b3.json")
sigval=$(sed -n 's/^X-Stepwise-Signature: //p' "$T/sig")
grep -q "POST /v1/records 200 in=" "$T/main.log" && grep -q "GET /v1/messages?\.\.\. 401" "$T/main.log" && ok "one log line per request: method, path, status, bytes" || bad "log" "$(tail -5 "$T/main.log")"
! grep -q -e "$secret" -e "${sigval:0:40}" -e "after=" -e "$D1" "$T/main.log" && ok "the log holds no body, signature, query value or device id" || bad "log leaks"

# ---- SIGTERM ----
kill -TERM "$PID"; wait "$PID"; st=$?
[ $st -eq 0 ] && ok "SIGTERM: exit 0" || bad "SIGTERM exit $st" "$(tail -3 "$T/main.log")"
mv "$T/away/box.sk" "$T/away/sign.sk" "$T/c/"

# ---- rate limit: 60 a minute per address and per device (the default) ----
start rate
# many N PATH: N requests on one curl command line, bodies thrown away.
many() { local i; urls=(); for ((i = 0; i < $1; i++)); do urls+=(-o /dev/null "$U$2"); done; }
many 61 /v1/health
codes=$(curl -s -w '%{http_code}\n' "${urls[@]}" | sort | uniq -c | tr -s ' ' | tr '\n' ' ')
[ "$codes" = " 60 200  1 429 " ] && ok "61 requests in a minute from one address: 60 answered, then 429" || bad "rate: $codes"
req GET /v1/health
ra=$(hdr Retry-After)
[ "$code" = 429 ] && [ "$(j 'd["error"]')" = rate_limited ] && [ -n "$ra" ] && [ "$ra" -ge 1 ] && [ "$ra" -le 60 ] && ok "429 rate_limited with Retry-After: $ra" || bad "429" "$code $ra $(cat "$T/body")"
req GET /v1/health --interface 127.0.0.2
[ "$code" = 200 ] && ok "another address is not limited" || bad "other address" "$code"
D5=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["device"])' "$T/d5.json")
"$P" request "$T/d5.json" GET '/v1/messages?after=0' >"$T/sig5"
many 30 '/v1/messages?after=0'
a=$(curl -s -w '%{http_code}\n' --interface 127.0.0.3 -H @"$T/sig5" "${urls[@]}" | grep -c '^200$')
b=$(curl -s -w '%{http_code}\n' --interface 127.0.0.4 -H @"$T/sig5" "${urls[@]}" | grep -c '^200$')
req GET '/v1/messages?after=0' --interface 127.0.0.5 -H @"$T/sig5"
[ "$a" = 30 ] && [ "$b" = 30 ] && [ "$code" = 429 ] && [ "$(j 'd["error"]')" = rate_limited ] && [ -n "$(hdr Retry-After)" ] && ok "the 61st request for one device from a third address: 429" || bad "device rate" "$a $b $code $(cat "$T/body")"
kill -TERM "$PID"; wait "$PID"

# ---- TLS: a CA made here, a certificate for 127.0.0.1 ----
(
cd "$T" || exit 1
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem -days 2 -subj /CN=test-ca
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout other.key -out other.pem -days 2 -subj /CN=other-ca
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout srv.key -out srv.csr -subj /CN=127.0.0.1
printf 'subjectAltName=IP:127.0.0.1\n' >san.ext
openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out srv.pem -days 2 -extfile san.ext
) >/dev/null 2>&1
start tls --rate 0 --tls-cert "$T/srv.pem" --tls-key "$T/srv.key"
grep -Eqx 'listening on https://127\.0\.0\.1:[0-9]+' "$T/tls.out" && ok "TLS: prints an https URL" || bad "https line" "$(cat "$T/tls.out" "$T/tls.log")"
req GET /v1/health --cacert "$T/ca.pem"
[ "$code" = 200 ] && ok "TLS: curl --cacert with the test CA gets 200" || bad "TLS health" "$code $(cat "$T/curlerr")"
"$P" batch "$T/d2.json" "$T/eP2.json" 1 >"$T/btls.json"
n=$(rows records)
post /v1/records "$T/btls.json" --cacert "$T/ca.pem"
[ "$code" = 200 ] && [ "$(rows records)" = $((n + 1)) ] && ok "TLS: a batch is stored over https" || bad "TLS batch" "$code $(cat "$T/body")"
curl -sS -o /dev/null --cacert "$T/other.pem" "$U/v1/health" 2>"$T/curlerr"; st=$?
[ $st -eq 60 ] && ok "TLS: a client trusting another CA refuses the server (curl exit 60)" || bad "wrong CA" "exit $st $(cat "$T/curlerr")"
# Plain http to the TLS port: the server closes the connection without an
# answer (curl 52, empty reply; or 56, reset), not refused (7).
curl -sS -o /dev/null "http://${U#https://}/v1/health" 2>"$T/curlerr"; st=$?
req GET /v1/health --cacert "$T/ca.pem"
[ $st -eq 52 ] || [ $st -eq 56 ] && [ "$code" = 200 ] &&
    ok "TLS: plain http to the TLS port gets no answer (curl exit $st), and https still works" ||
    bad "plain http on TLS port: curl exit $st, then https $code" "$(cat "$T/curlerr")"
# A client that allows TLS 1.0 and 1.1, shown to work against openssl's own
# TLS 1.1 server, cannot reach stepwise-clinic serve with TLS 1.1.
printf '%s\n' 'openssl_conf = conf' '[conf]' 'ssl_conf = ssl' '[ssl]' 'system_default = sys' \
    '[sys]' 'MinProtocol = TLSv1' 'CipherString = DEFAULT@SECLEVEL=0' >"$T/old.cnf"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
OPENSSL_CONF=$T/old.cnf openssl s_server -accept "127.0.0.1:$port" -cert "$T/srv.pem" -key "$T/srv.key" -tls1_1 -www >"$T/s_server.out" 2>&1 &
spid=$!
pids+=("$spid")
for _ in $(seq 100); do grep -q ACCEPT "$T/s_server.out" && break; sleep 0.05; done
control=$(OPENSSL_CONF=$T/old.cnf curl -s -o /dev/null -w '%{http_code}' --cacert "$T/ca.pem" --tls-max 1.1 "https://127.0.0.1:$port/")
kill "$spid"
old11=$(OPENSSL_CONF=$T/old.cnf curl -s -o /dev/null -w '%{http_code}' --cacert "$T/ca.pem" --tls-max 1.1 "$U/v1/health")
new12=$(OPENSSL_CONF=$T/old.cnf curl -s -o /dev/null -w '%{http_code}' --cacert "$T/ca.pem" --tlsv1.2 "$U/v1/health")
if [ "$control" != 200 ]; then
	echo "ok - # SKIP this curl cannot speak TLS 1.1 at all (control: $control)"
else
	[ "$old11" != 200 ] && [ "$new12" = 200 ] && ok "TLS: a TLS 1.1 client is refused, TLS 1.2 accepted" || bad "TLS versions" "1.1: $old11, 1.2: $new12"
fi
kill -TERM "$PID"; wait "$PID"; st=$?
[ $st -eq 0 ] && ok "TLS server: SIGTERM exit 0" || bad "TLS SIGTERM $st"

[ $fail -eq 0 ] || tail -n 20 "$T"/*.log
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
