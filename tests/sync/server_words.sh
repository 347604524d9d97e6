#!/bin/bash
# server_words.sh: what a clinic server says in an error is never printed
# or kept, only a code of the protocol's own list (else "HTTP <status>"):
# a fake server on the clinic's address answers with terminal escapes and a
# phone number in the error code, in the message, and in a rejected
# record's code; neither stepwise sync nor stepwise status afterwards shows
# an escape or the number, and the profile's files do not hold it.
#   server_words.sh STEPWISE STEPWISE-CLINIC SW-SEED CONTENT-DIR SW-PROXY
. "$(dirname "$0")/lib.sh"

make_clinic "$T/c" && start_server srv "$T/c" || finish
port=${PORT[srv]}
set_url "$T/c" "http://127.0.0.1:$port"
make_patient p "$T/c" R1 || finish
sw_sync p; st=$?
expect "the device registers with the real server: exit 0" 0 $st "$(cat "$T/p.sync")"
stop_server srv

# fake MODE: a server on the clinic's port that answers every request 400
# with MODE's body, in $T/fake-MODE.log what it was asked.
cat >"$T/fake.py" <<'PY'
import http.server, importlib.util, json, sys, zlib
port, mode = int(sys.argv[1]), sys.argv[2]
# The proxy's reader of a POST /v2/sync body, for the records' ids.
spec = importlib.util.spec_from_file_location("proxy", sys.argv[3])
proxy = importlib.util.module_from_spec(spec)
spec.loader.exec_module(proxy)
evil = "\u001b]0;owned\u0007\u001b[2J\u001b[H Call 0900 000000 now \u009b31m"
class H(http.server.BaseHTTPRequestHandler):
    def answer(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        ids = []
        if body[:1] in (b"\x02", b"\x03"):    # POST /v2/sync
            ids = [r["id"] for r in
                   json.loads(proxy.sync2_json(body))["records"]]
        elif body:
            if self.headers.get("Content-Encoding") == "deflate":
                body = zlib.decompress(body)
            ids = [r["id"] for r in json.loads(body).get("records", [])]
        if mode == "code":
            a = {"error": evil, "message": evil}
        elif mode == "message":
            a = {"error": "bad_request", "message": evil}
        else:
            a = {"error": "bad_record", "message": evil,
                 "rejected": [{"id": i, "error": evil} for i in ids]}
        out = json.dumps(a).encode()
        self.send_response(400)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)
    do_GET = do_POST = answer
    def log_message(self, *a):
        sys.stderr.write("%s %s\n" % (self.command, self.path))
s = http.server.HTTPServer(("127.0.0.1", port), H)
print("listening", flush=True)
s.serve_forever()
PY
# clean NAME FILE: FILE holds no escape, no C1 control and not the number.
clean() {
	if grep -aqP '[\x1b\x07]|\xc2[\x80-\x9f]|0900' "$2"; then
		bad "$1" "$(cat -v "$2")"
	else
		ok "$1"
	fi
}
n=0
for mode in code message rejected; do
	python3 "$T/fake.py" "$port" "$mode" "$PROXY" >"$T/fake-$mode.out" 2>"$T/fake-$mode.log" &
	PID[fake]=$!
	wait_line "$T/fake-$mode.out" '^listening' 10 || { bad "the fake server ($mode) starts" "$(cat "$T/fake-$mode.log")"; finish; }
	n=$((n + 1))
	seed p phq9 1,1,1,1,1,1,1,1,0 $((1700000000 + n)) || finish
	sw_sync p; st=$?
	grep -q '^POST /v2/sync' "$T/fake-$mode.log" && ok "$mode: the fake server was asked for the batch" || bad "$mode: not asked" "$(cat "$T/fake-$mode.log")"
	[ $st -ne 0 ] && [ $st -ne 3 ] && ok "$mode: sync fails (exit $st)" || bad "$mode: sync exit $st" "$(cat "$T/p.sync")"
	clean "$mode: stepwise sync printed no escape and not the server's text" "$T/p.sync"
	case $mode in
	code) grep -q 'reference: HTTP 400\.' "$T/p.sync" && ok "code: an error code not of the protocol is shown as HTTP 400" || bad "code: reference" "$(cat -v "$T/p.sync")" ;;
	message) grep -q 'reference: bad_request\.' "$T/p.sync" && ok "message: a protocol code is given as the reference, and the message is not" || bad "message: reference" "$(cat -v "$T/p.sync")" ;;
	rejected) grep -q 'does not understand' "$T/p.sync" && ! grep -q 'set aside' "$T/p.sync" && ok "rejected: a record code not of the protocol makes the answer one Stepwise does not understand, and sets nothing aside" || bad "rejected: words" "$(cat -v "$T/p.sync")" ;;
	esac
	sw p status >"$T/status.$mode" 2>&1
	clean "$mode: stepwise status afterwards shows no escape and not the server's text" "$T/status.$mode"
	grep -q 'Last error: ' "$T/status.$mode" && ok "$mode: status does say what went wrong" || bad "$mode: status" "$(cat -v "$T/status.$mode")"
	stop_server fake
done
# The profile's own files: the database and anything SQLite keeps beside it.
found=$(grep -alP '\x1b\]0;owned|0900 000000' "$T/p"/* 2>/dev/null)
[ -z "$found" ] && ok "the profile's files hold none of the server's text" || bad "server text kept in" "$found"
finish
