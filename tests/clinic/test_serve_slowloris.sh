#!/bin/bash
# test_serve_slowloris.sh: clients that trickle their requests cannot keep
# an honest one out of stepwise-clinic serve: 64 connections from eight
# loopback addresses, each sending one header line every half second (one
# of them, its body a byte at a time), fill the server, and an upload made
# while their senders are still at it succeeds once the server has closed
# them at their deadlines (--header-timeout 10, --request-timeout 14: long
# enough that all 64 are open at once on a loaded 2-core machine).
# Then, in a network namespace of its own (unshare -n; skipped without
# one), the limits per client count an IPv6 /64 as one client: eight
# connections from eight addresses of one /64 shut out a ninth from the
# same /64 but not one from another, and so do the rate counters.
#   test_serve_slowloris.sh STEPWISE-CLINIC SW-PROTO
if [ "${SW_SLOWLORIS_NETNS:-}" != 1 ] && command -v unshare >/dev/null &&
    command -v ip >/dev/null && unshare -n true 2>/dev/null; then
	SW_SLOWLORIS_NETNS=1 exec unshare -n bash "$0" "$@"
fi
set -u
SC=$1 P=$2
SUFFIX=serve-slowloris . "$(dirname "$0")/serve_lib.sh"
export LC_ALL=C.UTF-8
netns=false
if [ "${SW_SLOWLORIS_NETNS:-}" = 1 ]; then
	ip link set lo up || { echo "cannot bring up lo"; exit 1; }
	netns=true
fi
rows() { sqlite3 "$DB" "SELECT count(*) FROM records"; }

# held ARGS: tests/tools/sw_held.py on the server's connections.
held() { python3 "$(dirname "$0")/../tools/sw_held.py" "$PID" "$port" "$@"; }

"$SC" init "$T/c" >/dev/null || { echo "init failed"; exit 1; }
"$SC" enroll --dir "$T/c" --patient PA -o "$T/ePA.json" >/dev/null || { echo "enroll failed"; exit 1; }
"$P" device "$T/a.json"

# ---- 64 trickling connections, then an honest upload ----
start slow --rate 0 --header-timeout 10 --request-timeout 14
port=${U##*:}
"$P" register "$T/a.json" "$T/ePA.json" >"$T/reg.json"
# (Connection: close, so that no idle connection of its own is left.)
code=$(curl -sS -o "$T/body" -w '%{http_code}' -H 'Connection: close' -H 'Content-Type: application/json' -H 'Expect:' --data-binary @"$T/reg.json" "$U/v1/enroll" 2>&1)
[ "$code" = 201 ] || { echo "registering failed: $code $(cat "$T/body")"; exit 1; }
# trickle.py: 8 connections from each of 127.0.0.2 to 127.0.0.9; each
# sends a request line, then a header line every half second, for ever;
# the first from 127.0.0.9 sends whole headers instead, then its body a
# byte every half second. It never closes one; it counts those the server
# closed, in $T/trickle.state ("open N closed M"), until $T/trickle.stop.
cat >"$T/trickle.py" <<'PY'
import os, select, socket, sys, time
port, state, stop = int(sys.argv[1]), sys.argv[2], sys.argv[3]
socks, closed = [], set()
for a in range(2, 10):
    for i in range(8):
        s = socket.socket()
        s.bind(("127.0.0.%d" % a, 0))
        s.connect(("127.0.0.1", port))
        slow_body = a == 9 and i == 0
        s.sendall(b"POST /v1/records HTTP/1.1\r\nHost: x\r\n" + (
            b"Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"
            if slow_body else b""))
        socks.append(s)
def write_state():
    with open(state + ".new", "w") as f:
        f.write("open %d closed %d\n" % (len(socks) - len(closed), len(closed)))
    os.replace(state + ".new", state)
n = 0
while not os.path.exists(stop):
    n += 1
    for k, s in enumerate(socks):
        if k in closed:
            continue
        try:
            r, _, _ = select.select([s], [], [], 0)
            if r and not s.recv(4096):
                raise ConnectionError("closed")
            s.sendall(b" " if k == 56 else b"X-Trickle-%d: %d\r\n" % (n, k))
        except OSError:
            closed.add(k)
    write_state()
    time.sleep(0.5)
PY
# The registration's connection must be gone first: until the server has
# let it go it counts against the 64, and the 64th trickler waits unseen
# in the listen queue until the header deadline.
[ "$(held wait 0)" = "held 0" ] || bad "the registration's connection lingers" "$(held)"
python3 "$T/trickle.py" "$port" "$T/trickle.state" "$T/trickle.stop" 2>"$T/trickle.err" &
tpid=$!
pids+=("$tpid")
full=$(held wait 64)
[ "$full" = "held 64" ] && ok "64 trickling connections from 8 addresses fill the server" || bad "the trickling connections" "$full $(cat "$T/trickle.err")"
# The honest upload, made while the server is full: it waits in the
# listen queue until the server has closed trickling connections.
"$P" batch "$T/a.json" "$T/ePA.json" 2 >"$T/b2.json"
code=$(curl -sS -o "$T/body" -w '%{http_code}' --max-time 120 -H 'Content-Type: application/json' -H 'Expect:' --data-binary @"$T/b2.json" "$U/v1/records" 2>&1)
st=$(cat "$T/trickle.state" 2>/dev/null)
[ "$code" = 200 ] && [ "$(rows)" = 2 ] && ok "an upload made while they trickle: 200, stored" || bad "the honest upload" "$code $(cat "$T/body"); trickle: $st"
kill -0 "$tpid" 2>/dev/null && ok "the trickling client was still at it" || bad "the trickling client ended" "$(cat "$T/trickle.err")"
for _ in $(seq 200); do
	[ "$(cat "$T/trickle.state")" = "open 0 closed 64" ] && break
	sleep 0.1
done
touch "$T/trickle.stop"
wait "$tpid"
[ "$(cat "$T/trickle.state")" = "open 0 closed 64" ] && ok "the server closed all 64 trickling connections; the client closed none" || bad "trickle state" "$(cat "$T/trickle.state")"
h=$(grep -c 'closed a connection: its request line and headers were not in within 10 seconds$' "$T/slow.log")
b=$(grep -c 'closed a connection: its request was not done within 14 seconds$' "$T/slow.log")
[ "$h" = 63 ] && [ "$b" = 1 ] && ok "the log says why: 63 at the header deadline, 1 (the slow body) at the request deadline" || bad "log" "headers: $h, request: $b; $(tail -5 "$T/slow.log")"
kill -TERM "$PID"; wait "$PID"; st=$?
[ $st -eq 0 ] && ok "SIGTERM: exit 0" || bad "SIGTERM exit $st"

# ---- an IPv6 /64 is one client ----
if ! $netns; then
	echo "ok - # SKIP no network namespace of its own (unshare -n) for IPv6 addresses"
	echo "$pass passed, $fail failed"
	[ $fail -eq 0 ]
	exit
fi
for i in 1 2 3 4 5 6 7 8 9 a; do ip -6 addr add "fd00:1::$i/64" dev lo nodad; done
ip -6 addr add fd00:2::2/64 dev lo nodad
start v6 --rate 5 --listen '[fd00:1::1]:0'
port=${U##*:}
health() { curl -s -o /dev/null -w '%{http_code}' --max-time 10 --interface "$1" "$U/v1/health"; }
python3 - "$port" "$T/hold.stop" <<'PY' &
import os, socket, sys, time
port, stop = int(sys.argv[1]), sys.argv[2]
socks = []
for i in range(2, 10):
    s = socket.socket(socket.AF_INET6)
    s.bind(("fd00:1::%d" % i, 0))
    s.connect(("fd00:1::1", port))
    socks.append(s)
while not os.path.exists(stop):
    time.sleep(0.05)
PY
hpid=$!
pids+=("$hpid")
h8=$(held wait 8)
c9=$(health fd00:1::a)
other=$(health fd00:2::2)
touch "$T/hold.stop"
wait "$hpid"
[ "$h8" = "held 8" ] && [ "$c9" = 000 ] && [ "$other" = 200 ] && ok "8 connections from 8 addresses of one /64: a 9th from that /64 is closed unanswered, one from another /64 answered" || bad "connections per /64" "$h8; 9th: $c9; other /64: $other"
[ "$(held wait 0)" = "held 0" ] || bad "the server still holds the 8" "$(held)"
r=""
for i in 2 3 4 5 6; do r="$r $(health fd00:1::$i)"; done
r7=$(health fd00:1::7)
o=$(health fd00:2::2)
[ "$r" = " 200 200 200 200 200" ] && [ "$r7" = 429 ] && [ "$o" = 200 ] && ok "rate: 5 requests from 5 addresses of one /64 use up its minute; a 6th from a 6th address gets 429, another /64 does not" || bad "rate per /64" "$r; 6th: $r7; other: $o"
kill -TERM "$PID"; wait "$PID"; st=$?
[ $st -eq 0 ] && ok "the IPv6 server: SIGTERM, exit 0" || bad "IPv6 server SIGTERM exit $st"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
