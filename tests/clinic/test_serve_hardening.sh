#!/bin/bash
# test_serve_hardening.sh: what one party must not be able to do to a
# device's uploads through stepwise-clinic serve: an admin's read
# transaction must not stall them (the database is in WAL mode); fetches
# signed with the device's request key must not use up their rate limit
# (uploads and fetches count apart, per device and per address); and a
# request whose length is ambiguous (request smuggling behind a proxy) is
# refused in the protocol's JSON before its body is read.
#   test_serve_hardening.sh STEPWISE-CLINIC SW-PROTO
set -u
SC=$1 P=$2
SUFFIX=serve-hardening . "$(dirname "$0")/serve_lib.sh"
export LC_ALL=C.UTF-8

# post FROM PATH FILE: a JSON body from the loopback address FROM; sets
# code, the body in $T/body.
post() {
	code=$(curl -sS -o "$T/body" -w '%{http_code}' --interface "$1" -H 'Content-Type: application/json' -H 'Expect:' --data-binary @"$3" "$U$2" 2>"$T/curlerr")
}
j() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$T/body" "$1" 2>/dev/null; }
rows() { sqlite3 "$DB" "SELECT count(*) FROM records"; }
# stop NAME: SIGTERM to the server; it must exit 0 (in a sanitizer build,
# an error or a leak would make that fail).
stop() {
	kill -TERM "$PID"; wait "$PID"; local st=$?
	[ $st -eq 0 ] || bad "server $1: exit $st on SIGTERM" "$(tail -5 "$T/$1.log")"
}

"$SC" init "$T/c" >/dev/null || { echo "init failed"; exit 1; }
for p in PA PB; do
	"$SC" enroll --dir "$T/c" --patient $p -o "$T/e$p.json" >/dev/null || { echo "enroll $p failed"; exit 1; }
done
for d in a b; do "$P" device "$T/$d.json"; done

# ---- an admin's read transaction does not stall an upload ----
[ "$(sqlite3 "$DB" 'PRAGMA journal_mode')" = wal ] && ok "a new clinic database is in WAL mode" || bad "journal mode" "$(sqlite3 "$DB" 'PRAGMA journal_mode')"
sqlite3 "$DB" 'PRAGMA journal_mode = DELETE' >/dev/null
start main --rate 0
[ "$(sqlite3 "$DB" 'PRAGMA journal_mode')" = wal ] && ok "serve puts a database back in WAL mode when it opens it" || bad "journal mode after serve" "$(sqlite3 "$DB" 'PRAGMA journal_mode')"
for d in a:PA b:PB; do
	"$P" register "$T/${d%:*}.json" "$T/e${d#*:}.json" >"$T/reg.json"
	post 127.0.0.1 /v1/enroll "$T/reg.json"
	[ "$code" = 201 ] || { echo "registering ${d%:*} failed: $code $(cat "$T/body")"; exit 1; }
done
# A reader in the middle of a transaction, as an admin's sqlite3 shell left
# at "BEGIN; SELECT ..." would be: it holds its read lock until told to end.
mkfifo "$T/reader.in"
python3 -c '
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN")
n = db.execute("SELECT count(*) FROM records").fetchone()[0]
print("reading", n, flush=True)
sys.stdin.read()
print("still", db.execute("SELECT count(*) FROM records").fetchone()[0], flush=True)
db.execute("COMMIT")' "$DB" <"$T/reader.in" >"$T/reader.out" 2>&1 &
rpid=$!
pids+=("$rpid")
exec 7>"$T/reader.in"
for _ in $(seq 100); do grep -q '^reading' "$T/reader.out" && break; sleep 0.05; done
"$P" batch "$T/a.json" "$T/ePA.json" 3 >"$T/b3.json"
post 127.0.0.1 /v1/records "$T/b3.json"
exec 7>&-
wait "$rpid"
[ "$code" = 200 ] && [ "$(rows)" = 3 ] && ok "an upload while an admin holds a read transaction: 200, stored" || bad "upload during a read transaction" "$code $(cat "$T/body")"
[ "$(cat "$T/reader.out")" = "$(printf 'reading 0\nstill 0')" ] && ok "and the reader's transaction kept its own view to its end" || bad "reader" "$(cat "$T/reader.out")"
stop main

# ---- signed message fetches do not use up a device's uploads ----
# The request key sits in clear in the profile (a sync without the
# passphrase signs with it), so whoever copies it can sign fetches: 70 of
# them, 60 from the address the device then uploads from, fill the fetch
# limits of the device and of that address, and nothing else.
start rate
"$P" request "$T/a.json" GET '/v1/messages?after=0' >"$T/sig"
urls=(); for i in $(seq 60); do urls+=(-o /dev/null "$U/v1/messages?after=0"); done
f3=$(curl -s -w '%{http_code}\n' --interface 127.0.0.3 -H @"$T/sig" "${urls[@]}" | sort | uniq -c | tr -s ' ' | tr '\n' ' ')
urls=(); for i in $(seq 10); do urls+=(-o /dev/null "$U/v1/messages?after=0"); done
f4=$(curl -s -w '%{http_code}\n' --interface 127.0.0.4 -H @"$T/sig" "${urls[@]}" | sort | uniq -c | tr -s ' ' | tr '\n' ' ')
[ "$f3" = " 60 200 " ] && [ "$f4" = " 10 429 " ] && ok "70 fetches signed with A's request key: 60 answered, then 429" || bad "fetches" "from .3:$f3 from .4:$f4"
"$P" batch "$T/a.json" "$T/ePA.json" 2 >"$T/b2.json"
n=$(rows)
post 127.0.0.3 /v1/records "$T/b2.json"
[ "$code" = 200 ] && [ "$(rows)" = $((n + 2)) ] && ok "then A's upload, from the address the fetches came from: 200, stored" || bad "upload after 70 fetches" "$code $(cat "$T/body")"
code=$(curl -s -o /dev/null -w '%{http_code}' --interface 127.0.0.3 "$U/v1/health")
[ "$code" = 200 ] && ok "and that address may still ask for health" || bad "health after fetches" "$code"
stop rate

# ---- a body's length given twice, or two ways: refused, closed ----
# raw CASE BATCH: one request of CASE written to a socket, then whatever
# the server sends until it closes; prints each answer as
# "STATUS CONTENT-TYPE CONNECTION ERROR", then "closed" or "open" (the
# server did not close within 10 seconds).
cat >"$T/raw.py" <<'PY'
import json, re, socket, sys, urllib.parse
u = urllib.parse.urlparse(sys.argv[1]); case = sys.argv[2]
body = open(sys.argv[3], "rb").read()
n = str(len(body)).encode()
chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
smuggled = b"GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n"
head = b"POST /v1/records HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
cases = {
    "good": head + b"Connection: close\r\nContent-Length: " + n + b"\r\n\r\n" + body,
    "chunked": head + b"Connection: close\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked,
    "two-lengths": head + b"Content-Length: " + n + b"\r\nContent-Length: " + n + b"\r\n\r\n" + body,
    "two-lengths-differ": head + b"Content-Length: " + n + b"\r\nContent-Length: 0\r\n\r\n" + body,
    "length-and-chunked": head + b"Content-Length: " + n + b"\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked + smuggled,
    "chunked-and-zero": head + b"Transfer-Encoding: chunked\r\nContent-Length: 0\r\n\r\n" + chunked + smuggled,
    "encoding-twice": head + b"Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked,
    "not-chunked": head + b"Transfer-Encoding: xchunked\r\n\r\n" + chunked,
    "chunked-identity": head + b"Transfer-Encoding: chunked, identity\r\n\r\n" + chunked,
    "space-before-colon": head + b"Content-Length : " + n + b"\r\n\r\n" + body,
}
s = socket.create_connection((u.hostname, u.port))
s.settimeout(10)
s.sendall(cases[case])
data, end = b"", "closed"
try:
    while True:
        b = s.recv(65536)
        if not b:
            break
        data += b
except socket.timeout:
    end = "open"
except ConnectionResetError:
    end = "reset"
out = []
while data:
    h, _, rest = data.partition(b"\r\n\r\n")
    lines = h.decode("latin-1").split("\r\n")
    hd = {k.lower(): v.strip() for k, _, v in (l.partition(":") for l in lines[1:])}
    cl = int(hd.get("content-length", 0))
    b, data = rest[:cl], rest[cl:]
    try:
        err = json.loads(b).get("error", "-")
    except ValueError:
        err = "not-json"
    out.append("%s %s %s %s" % (lines[0].split()[1], hd.get("content-type", "-"), hd.get("connection", "-"), err))
print("; ".join(out), end)
PY
raw() { python3 "$T/raw.py" "$U" "$1" "$2" 2>&1; }
start framing --rate 0
"$P" batch "$T/b.json" "$T/ePB.json" 1 >"$T/one.json"
n=$(rows)
got=$(raw good "$T/one.json")
[ "${got%% *}" = 200 ] && [ "$(rows)" = $((n + 1)) ] && ok "a raw request with one Content-Length: 200, stored" || bad "raw good" "$got"
"$P" batch "$T/b.json" "$T/ePB.json" 1 >"$T/one.json"
got=$(raw chunked "$T/one.json")
[ "${got%% *}" = 200 ] && [ "$(rows)" = $((n + 2)) ] && ok "a raw chunked request: 200, stored" || bad "raw chunked" "$got"
for c in two-lengths two-lengths-differ length-and-chunked chunked-and-zero encoding-twice not-chunked chunked-identity space-before-colon; do
	"$P" batch "$T/b.json" "$T/ePB.json" 1 >"$T/one.json"
	n=$(rows)
	got=$(raw $c "$T/one.json")
	[ "$got" = "400 application/json close bad_request closed" ] && [ "$(rows)" = "$n" ] &&
	    ok "$c: one JSON answer, 400 bad_request, and the connection closed; nothing stored" || bad "$c" "$got, rows $(rows) (were $n)"
done
stop framing

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
