#!/bin/bash
# bench.sh: Stepwise's speed and frugality, measured in one run and printed
# as one table (issue 18, section 1). A benchmark, not a test: it asserts
# nothing and is not part of tools/test.sh.
#   tools/bench.sh [BUILD-DIR]            (default: build)
# Each figure is measured in the same run as what it is compared with:
# - the TUI at 80x24 in tmux: start-up to the unlock screen and from the
#   passphrase to the first full Home; peak RSS (/usr/bin/time -v) and
#   steady RSS at Home (/proc: VmRSS, and its private part from
#   smaps_rollup), for a new profile and for an enrolled one after its
#   sync at start over https; terminal bytes (tmux pipe-pane) for one whole PHQ-9,
#   from the key that opens it to its result, against dialog(1) asking the
#   same nine items as radio lists on the same terminal;
# - bytes on the wire, both ways, headers and bodies (counted by
#   tests/tools/sw-proxy.py between client and server): one PHQ-9 check-in
#   sent on its own with the message fetch that goes with it, and a batch
#   of 100, over http and over https;
# - 100 queued records synced over a 2G-like link (a network namespace of
#   its own: lo at mtu 1500, tc tbf 100 kbit/s, sw-proxy.py --delay 300,
#   so 600 ms more on each round trip, and 5% of packets to and from the
#   proxy dropped by an nftables numgen rule), against curl sending the
#   same requests (the same bytes, captured from the sync on loopback) over
#   the same link; needs root and unshare -n, else skipped;
# - keystroke-to-screen latency in the TUI while its sync is stalled (the
#   proxy holds the upload): ? opens the keys screen, Esc closes it; from
#   tmux send-keys to the change seen by capture-pane (which adds a few ms);
# - open, unlock and draw progress (plain mode's Your progress) with 10,
#   1,000 and 10,000 stored check-ins, against unlocking alone;
# - unlock time with the profile's Argon2id parameters.
# The README's performance section quotes this table.
# BENCH_ONLY="wire 2g" (any of tui wire 2g latency scale) runs only those.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
B=$(cd "${1:-build}" && pwd) || exit 2
SW=$B/src/cli/stepwise
SC=$B/src/clinic/stepwise-clinic
SEED=$B/tests/sw-seed
PROXY=$ROOT/tests/tools/sw-proxy.py
CONTENT=$ROOT/content
PW="a long enough passphrase"
export STEPWISE_CONTENT_DIR=$CONTENT LANG=C.UTF-8 TZ=UTC
unset STEPWISE_CA_FILE http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY
for f in "$SW" "$SC" "$SEED"; do
	[ -x "$f" ] || { echo "bench: build first ($f missing)" >&2; exit 2; }
done
for t in tmux dialog curl python3 openssl /usr/bin/time; do
	command -v $t >/dev/null || { echo "bench: needs $t (tools/install-deps.sh)" >&2; exit 2; }
done
T=$(mktemp -d "${TMPDIR:-/tmp}/stepwise-bench.XXXXXX") || exit 2
export HOME=$T/home XDG_DATA_HOME=$T/home/.local/share XDG_CONFIG_HOME=$T/home/.config
mkdir -p "$HOME"
SOCK=sw-bench-$$
PIDS=()
cleanup() {
	tmux -L "$SOCK" kill-server 2>/dev/null
	for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
	wait 2>/dev/null
	[ -n "${BENCH_KEEP:-}" ] && note "kept $T" || rm -rf "$T"
}
trap cleanup EXIT
ROWS=()
row() { ROWS+=("$(printf '%s|%s|%s|%s|%s' "$@")"); }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
note() { echo "bench: $*" >&2; }

# ---- helpers ----

# set_url CLINIC-DIR URL: the address the clinic's enrollment files give.
set_url() {
	python3 - "$1/clinic.json" "$2" <<'PYEOF'
import json, sys
c = json.load(open(sys.argv[1]))
c["url"] = sys.argv[2]
json.dump(c, open(sys.argv[1], "w"))
PYEOF
}
# profile DIR COUNT [CLINIC]: a profile with COUNT PHQ-9 check-ins, enrolled
# (without a sync, earlier check-ins sent) when CLINIC is given.
profile() {
	echo "$PW" | "$SW" --data-dir "$1" --passphrase-fd 0 init >/dev/null 2>&1 || exit 1
	if [ "$2" -gt 0 ]; then
		echo "$PW" | "$SEED" "$1/default.db" "$CONTENT" phq9 \
		    1,1,1,1,1,1,1,1,0 1790000000 "$2" >/dev/null || exit 1
	fi
	if [ -n "${3:-}" ]; then
		"$SC" enroll --dir "$3" --patient "B$RANDOM" -o "$1.enroll" >/dev/null || exit 1
		echo "$PW" | "$SW" --data-dir "$1" --passphrase-fd 0 enroll --no-sync \
		    --send-earlier "$1.enroll" >/dev/null 2>&1 || exit 1
	fi
}
# serve DIR [ARGS]: the clinic's server on a port the kernel chooses; sets
# SPORT and SRV.
serve() {
	local d=$1
	shift
	"$SC" serve --dir "$d" --listen 127.0.0.1:0 --rate 0 "$@" >"$d.port" 2>"$d.log" &
	SRV=$!
	PIDS+=($SRV)
	for _ in $(seq 100); do
		grep -q listening "$d.port" 2>/dev/null &&
		    { SPORT=$(sed -n 's/.*://p' "$d.port"); return 0; }
		sleep 0.05
	done
	note "the server did not start: $(cat "$d.log")"
	exit 1
}
# proxy NAME TARGET-PORT [ARGS]: sw-proxy.py; sets PXPORT and PX.
proxy() {
	local n=$1 port=$2
	shift 2
	python3 "$PROXY" "$@" "$port" >"$T/$n.px" 2>"$T/$n.pxerr" &
	PX=$!
	PIDS+=($PX)
	for _ in $(seq 100); do
		grep -q '^listening' "$T/$n.px" 2>/dev/null &&
		    { PXPORT=$(sed -n '1s/.*://p' "$T/$n.px"); return 0; }
		sleep 0.05
	done
	note "the proxy did not start"
	exit 1
}
# sync_all DIR: stepwise sync until nothing is left (30 runs at most).
sync_all() {
	local i st
	for i in $(seq 30); do
		"$SW" --data-dir "$1" sync --quiet >>"$T/sync.log" 2>&1
		st=$?
		[ $st -eq 3 ] && return 0
	done
	return 1
}
# tls_files DIR: a CA (DIR/ca.pem) and a certificate for 127.0.0.1 signed
# by it (DIR/srv.pem, DIR/srv.key), made here.
tls_files() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	    -keyout "$1/ca.key" -out "$1/ca.pem" -days 2 -subj "/CN=bench CA" \
	    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	    -keyout "$1/srv.key" -out "$1/srv.csr" -subj "/CN=127.0.0.1" 2>/dev/null
	printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >"$1/srv.ext"
	openssl x509 -req -in "$1/srv.csr" -CA "$1/ca.pem" -CAkey "$1/ca.key" -CAcreateserial \
	    -out "$1/srv.pem" -days 2 -extfile "$1/srv.ext" 2>/dev/null
}
bytes() { cat "$@" 2>/dev/null | wc -c; }
# requests_since CAPTURE OFFSET: HTTP requests in the capture after OFFSET
# (for https, the connections: the requests inside are not to be seen).
requests_since() {
	local n
	n=$(tail -c +$(($2 + 1)) "$1" | grep -aoE '(GET|POST) /v[12]/[a-z]+[^ ]* HTTP/1' | wc -l)
	[ "$n" -gt 0 ] && echo "$n requests" ||
	    echo "$(( $(ls "$1".*.up | wc -l) - ${c0:-0} )) TLS connections"
}
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : int((v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "-" }'; }
kib() { awk -v k="$1" 'BEGIN { printf "%.1f MiB", k / 1024 }'; }

# ---- the TUI: start-up, memory, terminal bytes ----

T_() { tmux -L "$SOCK" "$@"; }
screen_has() { T_ capture-pane -p -t "$1" | grep -qF -- "$2"; }
# wait_screen SESSION TEXT [SECONDS]: polls every 5 ms.
wait_screen() {
	local n=$(( ${3:-30} * 200 ))
	while [ $n -gt 0 ]; do
		screen_has "$1" "$2" && return 0
		sleep 0.005
		n=$((n - 1))
	done
	note "timed out waiting for '$2' in $1"
	T_ capture-pane -p -t "$1" >&2
	return 1
}
# session NAME COMMAND: a tmux session at 80x24 that runs COMMAND once
# $T/NAME.go exists, with every byte it writes to the terminal appended to
# $T/NAME.tty.
session() {
	T_ -f /dev/null new-session -d -x 80 -y 24 -s "$1" \
	    "while [ ! -e $T/$1.go ]; do sleep 0.01; done; env TERM=screen-256color LANG=C.UTF-8 $2; sleep 600"
	T_ pipe-pane -o -t "$1" "cat >>$T/$1.tty"
	sleep 0.2
}
go() { touch "$T/$1.go"; }
# The stepwise process under the session's /usr/bin/time.
stepwise_pid() {
	local sh p
	sh=$(T_ display -p -t "$1" '#{pane_pid}')
	p=$(pgrep -P "$sh" time | head -1)
	pgrep -P "${p:-$sh}" stepwise | head -1
}
# unlock_session NAME TEXT: start the session's stepwise, type the
# passphrase on the unlock screen, and wait for TEXT.
unlock_session() {
	go "$1"
	wait_screen "$1" "Type your passphrase" || return 1
	T_ send-keys -t "$1" -l "$PW"
	T_ send-keys -t "$1" Enter
	wait_screen "$1" "$2"
}
# rss_now NAME: the session's stepwise's VmRSS and, in brackets, its
# private part (smaps_rollup).
rss_now() {
	local pid rss priv
	pid=$(stepwise_pid "$1")
	rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$pid/status")
	priv=$(awk '/^Private_(Clean|Dirty)/ { s += $2 } END { print s }' "/proc/$pid/smaps_rollup")
	echo "$(kib "$rss") ($(kib "$priv") private)"
}

bench_tui() {
	local t0 t1 t2 t3 b0 b1 a
	profile "$T/tui" 0
	session tui "/usr/bin/time -v -o $T/tui.time $SW --data-dir $T/tui"
	t0=$(now_ms)
	go tui
	wait_screen tui "Type your passphrase" || return
	t1=$(now_ms)
	T_ send-keys -t tui -l "$PW"
	t2=$(now_ms)
	T_ send-keys -t tui Enter
	wait_screen tui "Not connected to a clinic yet" || return
	t3=$(now_ms)
	row "start-up to the unlock screen" "$((t1 - t0)) ms" "" "" ""
	row "passphrase to the first full Home" "$((t3 - t2)) ms" "" "" "(Argon2id included)"
	sleep 2
	row "steady RSS at Home" "$(rss_now tui)" "" "" "<= 8 MiB"
	# One whole PHQ-9: Enter opens it from Home, nine answers, the
	# optional question, Enter on the review; up to the result.
	b0=$(bytes "$T/tui.tty")
	T_ send-keys -t tui Enter
	wait_screen tui "1 of 9" || return
	for a in 1 2 1 2 1 2 1 2; do
		T_ send-keys -t tui $a
		sleep 0.05
	done
	wait_screen tui "9 of 9" || return
	T_ send-keys -t tui 0
	wait_screen tui "This one is optional" || return
	T_ send-keys -t tui 1
	wait_screen tui "Check your answers" || return
	T_ send-keys -t tui Enter
	wait_screen tui "Your PHQ-9 score is 12" || return
	sleep 0.3
	b1=$(bytes "$T/tui.tty")
	SW_TTY=$((b1 - b0))
	T_ send-keys -t tui Enter
	sleep 0.3
	T_ send-keys -t tui q
	for _ in $(seq 100); do [ -s "$T/tui.time" ] && break; sleep 0.1; done
	SW_PEAK=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$T/tui.time")
}

# The TUI at Home on an enrolled profile after its sync at start, over
# https to the clinic's server: libcurl is loaded for the sync and closed
# at its end (src/sync/curl_load.c); OpenSSL and p11-kit stay, as they are
# linked NODELETE.
bench_tui_synced() {
	local d=$T/synced
	mkdir -p "$d"
	"$SC" init "$d/c" --name "Bench Clinic" >/dev/null || exit 1
	tls_files "$d"
	serve "$d/c" --tls-cert "$d/srv.pem" --tls-key "$d/srv.key"
	set_url "$d/c" "https://127.0.0.1:$SPORT"
	profile "$d/p" 0 "$d/c"
	session synced "env STEPWISE_CA_FILE=$d/ca.pem $SW --data-dir $d/p"
	unlock_session synced "Everything is sent" || return
	sleep 2
	row "steady RSS at Home after a sync (enrolled, https)" "$(rss_now synced)" "" "" ""
	T_ send-keys -t synced q
	kill $SRV
	wait $SRV 2>/dev/null
}

# dialog asking the nine items, one radio list each, on the same terminal.
bench_dialog() {
	local i a b0
	python3 - "$CONTENT/measures/phq9.json" >"$T/dialog.sh" <<'PYEOF'
import json, shlex, sys
m = json.load(open(sys.argv[1]))
opts = " ".join("%d %s off" % (o["value"], shlex.quote(o["label"])) for o in m["options"])
print("set -e")
for i, it in enumerate(m["items"], 1):
    text = "%s\n\n%d of %d\n%s" % (m["stem"], i, len(m["items"]), it["text"])
    print("/usr/bin/time -a -f %%M -o \"$1\" dialog --title PHQ-9 --radiolist %s 0 0 %d %s 2>>\"$2\""
          % (shlex.quote(text), len(m["options"]), opts))
print("echo DIALOG-DONE")
PYEOF
	session dialog "sh $T/dialog.sh $T/dialog.mem $T/dialog.answers"
	go dialog
	b0=0
	i=0
	for a in 1 2 1 2 1 2 1 2 0; do
		i=$((i + 1))
		wait_screen dialog "$i of 9" || return
		sleep 0.1
		for _ in $(seq $a); do T_ send-keys -t dialog Down; done
		T_ send-keys -t dialog Space
		sleep 0.05
		T_ send-keys -t dialog Enter
	done
	wait_screen dialog "DIALOG-DONE" || return
	sleep 0.3
	DIALOG_TTY=$(bytes "$T/dialog.tty")
	DIALOG_PEAK=$(sort -n "$T/dialog.mem" | tail -1)
	[ "$(tr -d '\n' <"$T/dialog.answers")" = "121212120" ] ||
	    note "dialog's answers were $(cat "$T/dialog.answers")"
}

# ---- bytes on the wire ----

bench_wire() {
	local scheme=$1 d=$T/wire-$1 b0 c0
	shift
	rm -rf "$d"
	mkdir -p "$d"
	"$SC" init "$d/c" --name "Bench Clinic" >/dev/null || exit 1
	serve "$d/c" "$@"
	# One proxy for the whole run (the profile keeps its address); each
	# figure is what its capture grew by.
	proxy "wire-$scheme" "$SPORT" --capture "$d/cap"
	set_url "$d/c" "$scheme://127.0.0.1:$PXPORT"
	profile "$d/p" 0 "$d/c"
	sync_all "$d/p" || note "$scheme: the registration did not go: $(tail -3 "$T/sync.log")"
	# One check-in, then its sync alone.
	echo "$PW" | "$SEED" "$d/p/default.db" "$CONTENT" phq9 1,1,1,1,1,1,1,1,0 1790000100 1 >/dev/null
	b0=$(bytes "$d/cap") c0=$(ls "$d"/cap.*.up 2>/dev/null | wc -l)
	"$SW" --data-dir "$d/p" sync --quiet >>"$T/sync.log" 2>&1
	WIRE_ONE=$(( $(bytes "$d/cap") - b0 ))
	REQS_ONE=$(requests_since "$d/cap" "$b0")
	echo "$PW" | "$SEED" "$d/p/default.db" "$CONTENT" phq9 1,1,1,1,1,1,1,1,0 1790001000 100 >/dev/null
	b0=$(bytes "$d/cap") c0=$(ls "$d"/cap.*.up | wc -l)
	sync_all "$d/p" || note "$scheme: 100 records did not all go: $(tail -3 "$T/sync.log")"
	WIRE_100=$(( $(bytes "$d/cap") - b0 ))
	REQS_100=$(requests_since "$d/cap" "$b0")
	# The connections of the 100, for curl to replay.
	CAP100_FIRST=$((c0 + 1)) CAP100=$d/cap
	kill $PX $SRV
	wait $PX $SRV 2>/dev/null
	[ "$(sqlite3 "$d/c/db/clinic.db" 'SELECT count(*) FROM records')" = 101 ] ||
	    note "$scheme: the clinic holds $(sqlite3 "$d/c/db/clinic.db" 'SELECT count(*) FROM records') records, not 101"
}

# ---- 2G: 100 records through a shaped, delayed, lossy link ----

# Inside the namespace: the server, the delaying proxy, the sync, then
# curl replaying the loopback capture's requests over the same link.
bench_2g_inside() {
	local d=$T/g t0 t1 i st
	ip link set lo up && ip link set lo mtu 1500 || return 1
	tc qdisc add dev lo root tbf rate 100kbit burst 4kb latency 400ms || return 1
	mkdir -p "$d"
	"$SC" init "$d/c" --name "Bench Clinic" >/dev/null || return 1
	serve "$d/c"
	proxy g "$SPORT" --delay 300
	nft add table inet bench &&
	nft add chain inet bench c '{ type filter hook input priority 0; }' &&
	nft add rule inet bench c tcp dport "$PXPORT" numgen random mod 100 '<' 5 drop &&
	nft add rule inet bench c tcp sport "$PXPORT" numgen random mod 100 '<' 5 drop || return 1
	set_url "$d/c" "http://127.0.0.1:$PXPORT"
	profile "$d/p" 100 "$d/c"
	t0=$(now_ms)
	sync_all "$d/p"
	st=$?
	t1=$(now_ms)
	echo "sync $((t1 - t0)) $st $(sqlite3 "$d/c/db/clinic.db" 'SELECT count(DISTINCT id) FROM records') $(sqlite3 "$d/c/db/clinic.db" 'SELECT count(*) FROM records')"
	# curl: the same requests, one connection each as the client made
	# them (bodies and signed headers from the loopback capture).
	t0=$(now_ms)
	for i in $(seq "$(cat "$T/replay/n")"); do
		curl -s -o /dev/null --max-time 600 --retry 10 --retry-all-errors \
		    -X "$(cat "$T/replay/$i.method")" -H 'Expect:' \
		    $(cat "$T/replay/$i.headers") \
		    ${REPLAY_BODY:+--data-binary @"$T/replay/$i.body"} \
		    "http://127.0.0.1:$PXPORT$(cat "$T/replay/$i.target")"
	done
	t1=$(now_ms)
	echo "curl $((t1 - t0))"
}

# The loopback capture of 100 records split into requests for curl.
replay_files() {
	mkdir -p "$T/replay"
	python3 - "$1" "$T/replay" "$2" <<'PYEOF'
import glob, os, re, sys
prefix, out, first = sys.argv[1], sys.argv[2], int(sys.argv[3])
n = 0
def key(p):
    return int(p.rsplit(".", 2)[1])
for f in sorted(glob.glob(prefix + ".*.up"), key=key):
    if key(f) < first:
        continue
    data = open(f, "rb").read()
    pos = 0
    while pos < len(data):
        end = data.find(b"\r\n\r\n", pos)
        if end < 0:
            break
        head = data[pos:end].decode("latin-1").split("\r\n")
        method, target, _ = head[0].split(" ", 2)
        hdrs = dict(h.split(": ", 1) for h in head[1:] if ": " in h)
        length = int(hdrs.get("Content-Length", 0))
        body = data[end + 4:end + 4 + length]
        pos = end + 4 + length
        n += 1
        open("%s/%d.method" % (out, n), "w").write(method)
        open("%s/%d.target" % (out, n), "w").write(target)
        open("%s/%d.body" % (out, n), "wb").write(body)
        keep = [k for k in hdrs if k.lower() in ("content-type", "content-encoding",
                "x-stepwise-device", "x-stepwise-time", "x-stepwise-signature")]
        open("%s/%d.headers" % (out, n), "w").write(" ".join(
            "-H %s:%s" % (k, hdrs[k].replace(" ", "")) for k in keep))
open(out + "/n", "w").write(str(n))
PYEOF
}

bench_2g() {
	if [ "$(id -u)" -ne 0 ] || ! unshare -n true 2>/dev/null ||
	    ! command -v tc >/dev/null || ! command -v nft >/dev/null; then
		row "100 records over 2G (100 kbit/s, +600 ms, 5% loss)" "skipped" "" "" "needs root, unshare -n, tc, nft"
		return
	fi
	replay_files "$CAP100" "$CAP100_FIRST"
	export -f bench_2g_inside serve proxy profile sync_all now_ms note set_url
	export SW SC SEED PROXY CONTENT PW T REPLAY_BODY=1
	unshare -n bash -c 'PIDS=(); bench_2g_inside; for p in "${PIDS[@]}"; do kill -9 $p 2>/dev/null; done' >"$T/g.out" 2>"$T/g.err"
	local s c st rows distinct
	read -r _ s st distinct rows < <(grep '^sync ' "$T/g.out")
	read -r _ c < <(grep '^curl ' "$T/g.out")
	if [ -z "${s:-}" ] || [ -z "${c:-}" ]; then
		row "100 records over 2G (100 kbit/s, +600 ms, 5% loss)" "failed" "" "" "$(tail -1 "$T/g.err")"
		return
	fi
	row "100 records over 2G (100 kbit/s, +600 ms, 5% loss)" \
	    "$(awk -v m="$s" 'BEGIN { printf "%.1f s", m / 1000 }') ($distinct of 100 arrived, $rows rows)" \
	    "curl: $(awk -v m="$c" 'BEGIN { printf "%.1f s", m / 1000 }')" "$(ratio "$s" "$c")" "<= 1.5x"
}

# ---- keystroke latency while the sync is stalled ----

bench_latency() {
	local d=$T/lat i t0 t1 lat=()
	mkdir -p "$d"
	"$SC" init "$d/c" --name "Bench Clinic" >/dev/null || exit 1
	serve "$d/c"
	proxy lat "$SPORT" --at 'POST /v2/sync' --action stall --offset 200
	set_url "$d/c" "http://127.0.0.1:$PXPORT"
	profile "$d/p" 20 "$d/c"
	session lat "$SW --data-dir $d/p"
	# Home drawn; its sync at start may already be under way ("Sending to").
	unlock_session lat "Press Enter to start" || return
	for _ in $(seq 600); do grep -q '^stalled' "$T/lat.px" && break; sleep 0.05; done
	grep -q '^stalled' "$T/lat.px" || { row "keystroke latency, sync stalled" "the sync never stalled" "" "" ""; return; }
	sleep 0.5
	for i in $(seq 10); do
		t0=$(date +%s%N)
		T_ send-keys -t lat '?'
		wait_screen lat "Keys" 5 || break
		t1=$(date +%s%N)
		lat+=($(( (t1 - t0) / 1000000 )))
		T_ send-keys -t lat Escape
		wait_screen lat "Press Enter to start" 5 || break
		sleep 0.1
	done
	# tmux's own round trip, for scale: the same on a shell's echo.
	row "keystroke to screen, sync stalled (median of ${#lat[@]})" \
	    "$(printf '%s\n' "${lat[@]}" | median) ms" "" "" "< 50 ms"
	T_ send-keys -t lat q
	kill $PX $SRV 2>/dev/null
}

# ---- open, unlock and draw progress with many records ----

bench_scale() {
	local n i t0 t1 t tu d ts tus
	for n in 10 1000 10000; do
		d=$T/scale$n
		profile "$d" "$n"
		ts=() tus=()
		for i in 1 2 3; do
			# Unlock alone: stepwise status (opens, unlocks, one line).
			t0=$(date +%s%N)
			"$SW" --data-dir "$d" --passphrase-fd 0 status <<<"$PW" >/dev/null 2>&1
			t1=$(date +%s%N)
			tus+=($(( (t1 - t0) / 1000000 )))
			# Open, unlock, draw Your progress (6 in plain mode), quit.
			t0=$(date +%s%N)
			printf '%s\n6\n\nq\nq\n' "$PW" | "$SW" --data-dir "$d" --passphrase-fd 0 --plain >"$d.out" 2>&1
			t1=$(date +%s%N)
			ts+=($(( (t1 - t0) / 1000000 )))
		done
		grep -q "PHQ-9" "$d.out" || note "progress with $n records did not show PHQ-9"
		t=$(printf '%s\n' "${ts[@]}" | median)
		tu=$(printf '%s\n' "${tus[@]}" | median)
		row "open+unlock+progress, $n check-ins (median of 3)" "$t ms" "status (opens, unlocks): $tu ms" \
		    "$(printf "%+d ms" $((t - tu)))" "no worse than linear"
		[ "$n" = 10 ] && UNLOCK=$tu
	done
	row "unlock: stepwise status (Argon2id, ops 3, 64 MiB)" "$UNLOCK ms" "" "" ""
}

# ---- the run ----

part() { [ -z "${BENCH_ONLY:-}" ] || [[ " $BENCH_ONLY " == *" $1 "* ]]; }
note "$(nproc) CPUs, $(uname -m); build $B"
if part tui; then
bench_tui
bench_tui_synced
bench_dialog
row "terminal bytes, one whole PHQ-9" "${SW_TTY:-?} B" "dialog: ${DIALOG_TTY:-?} B" "$(ratio "${SW_TTY:-0}" "${DIALOG_TTY:-0}")" "<= 0.12x"
row "peak RSS (one PHQ-9 session)" "$(kib "${SW_PEAK:-0}")" "dialog: $(kib "${DIALOG_PEAK:-0}")" "$(ratio "${SW_PEAK:-0}" "${DIALOG_PEAK:-0}")" ""
T_ kill-server 2>/dev/null
fi

if part wire || part 2g; then
bench_wire http
row "wire, one check-in + its message fetch (http)" "$WIRE_ONE B, $REQS_ONE" "" "" "<= 800 B"
row "wire, 100 check-ins (http)" "$WIRE_100 B, $((WIRE_100 / 100)) B each, $REQS_100" "" "" "<= 20 KB"
CAP_HTTP=$CAP100 FIRST_HTTP=$CAP100_FIRST
tls_files "$T"
export STEPWISE_CA_FILE=$T/ca.pem
bench_wire https --tls-cert "$T/srv.pem" --tls-key "$T/srv.key"
unset STEPWISE_CA_FILE
row "wire, one check-in + its message fetch (https)" "$WIRE_ONE B, $REQS_ONE" "" "" ""
row "wire, 100 check-ins (https)" "$WIRE_100 B, $((WIRE_100 / 100)) B each, $REQS_100" "" "" ""
CAP100=$CAP_HTTP CAP100_FIRST=$FIRST_HTTP
fi

part 2g && bench_2g
if part latency; then
bench_latency
T_ kill-server 2>/dev/null
fi
part scale && bench_scale

printf '\n%-52s | %-34s | %-26s | %-8s | %s\n' "figure" "Stepwise" "against" "ratio" "target"
printf '%s\n' "-----------------------------------------------------+------------------------------------+----------------------------+----------+-----------------"
for r in "${ROWS[@]}"; do
	IFS='|' read -r a b c d e <<<"$r"
	printf '%-52s | %-34s | %-26s | %-8s | %s\n' "$a" "$b" "$c" "$d" "$e"
done
