#!/bin/bash
# flows.sh: the main flows of both programs under valgrind's memcheck, with
# no leak (definitely or indirectly lost) and no invalid read or write,
# uninitialised value or bad free in any process (issue 18, section 5).
#   tests/valgrind/flows.sh [BUILD-DIR]      (default: build-test)
# A normal (not sanitizer) build: tools/test.sh runs it on build-test as a
# step of its own. The flows: a clinic made, a patient enrolled; stepwise
# init, a PHQ-9 in plain mode with a risk answer (the crisis screen), an
# exercise, enroll and its sync to the real server (itself under
# valgrind), a supporter message fetched and read in plain mode, the
# full-screen interface (unlock, a check-in, quit; in tmux), status,
# export, check-content; the clinic's results, risks, patients and
# message. Prints "N passed, N failed".
set -u
cd "$(dirname "$0")/../.."
ROOT=$PWD
B=$(cd "${1:-build-test}" && pwd) || exit 2
SW=$B/src/cli/stepwise
SC=$B/src/clinic/stepwise-clinic
export STEPWISE_CONTENT_DIR=$ROOT/content
T=$(mktemp -d "${TMPDIR:-/tmp}/stepwise-valgrind.XXXXXX") || exit 2
PW="a long enough passphrase"
SRV=
pass=0 fail=0
trap '[ -n "$SRV" ] && kill -9 $SRV 2>/dev/null; rm -rf "$T"' EXIT
ok()  { pass=$((pass + 1)); echo "ok - $1"; }
bad() { fail=$((fail + 1)); echo "FAIL - $1"; [ -n "${2:-}" ] && echo "$2" | head -40 | sed 's/^/    /'; }

# vg NAME STDIN-TEXT PROGRAM ARGS...: run under memcheck; the log of every
# process (children too) is kept in $T/vg/NAME.PID.
mkdir "$T/vg"
vg() {
	local name=$1 in=$2
	shift 2
	printf '%b' "$in" | valgrind -q --error-exitcode=99 --leak-check=full \
	    --show-leak-kinds=definite,indirect \
	    --errors-for-leak-kinds=definite,indirect --trace-children=no \
	    --log-file="$T/vg/$name.%p" "$@" >"$T/$name.out" 2>&1
}
# step NAME WANT-EXIT STDIN PROGRAM ARGS...: ok when the exit status is as
# wanted (memcheck's own is 99).
step() {
	local name=$1 want=$2 in=$3 st
	shift 3
	vg "$name" "$in" "$@"
	st=$?
	if [ $st -eq 99 ]; then
		bad "$name: memcheck found errors" "$(cat "$T/vg/$name".*)"
	elif [ "$st" != "$want" ]; then
		bad "$name: exit $st, wanted $want" "$(tail -20 "$T/$name.out")"
	else
		ok "$name under memcheck"
	fi
}

step clinic-init 0 "" "$SC" init "$T/c" --name "Test Clinic"
# The server under memcheck too, on a port the kernel chooses.
valgrind -q --leak-check=full --show-leak-kinds=definite,indirect \
    --errors-for-leak-kinds=definite,indirect --error-exitcode=99 \
    --log-file="$T/vg/serve.%p" \
    "$SC" serve --dir "$T/c" --listen 127.0.0.1:0 --rate 0 \
    >"$T/port" 2>"$T/serve.log" &
SRV=$!
for _ in $(seq 300); do
	grep -q listening "$T/port" 2>/dev/null && break
	sleep 0.1
done
PORT=$(sed -n 's/.*://p' "$T/port")
[ -n "$PORT" ] && ok "serve listens under memcheck" ||
    { bad "serve did not start" "$(cat "$T/serve.log")"; echo "$pass passed, $((fail)) failed"; exit 1; }
python3 - "$T/c/clinic.json" "$PORT" <<'PYEOF'
import json, sys
c = json.load(open(sys.argv[1]))
c["url"] = "http://127.0.0.1:" + sys.argv[2]
json.dump(c, open(sys.argv[1], "w"))
PYEOF
step clinic-enroll 0 "" "$SC" enroll --dir "$T/c" --patient R1 -o "$T/e.json"

D=(--data-dir "$T/d" --passphrase-fd 0)
step init 0 "$PW\n" "$SW" "${D[@]}" init
# Item 9 answered 1: the crisis screen, and the risk queued first.
step checkin-risk 0 "$PW\n1\n1\n1\n1\n1\n1\n1\n1\n1\nc\n1\n\n" "$SW" "${D[@]}" checkin phq9
grep -q "1 1 6, 1 2 3" "$T/checkin-risk.out" && ok "the crisis contacts were shown" ||
    bad "no crisis contacts after a risk answer" "$(tail -20 "$T/checkin-risk.out")"
step enroll 0 "$PW\n" "$SW" "${D[@]}" enroll --send-earlier "$T/e.json"
step checkin 0 "$PW\n0\n1\n0\n1\n0\n1\n0\n1\n0\n0\n\n" "$SW" "${D[@]}" checkin phq9
# The check-in went when saved: nothing is left (exit 3).
step sync-nothing 3 "" "$SW" --data-dir "$T/d" sync
step message 0 "Well done this week.\n" "$SC" message --dir "$T/c" --patient R1
step sync-message 0 "" "$SW" --data-dir "$T/d" sync
# Plain mode: Messages (8 on its menu), the first one read, then quit.
step plain 0 "$PW\n8\n1\n\nq\nq\nq\n" "$SW" "${D[@]}" --plain
grep -q "Well done this week." "$T/plain.out" && ok "plain mode showed the message" ||
    bad "plain mode did not show the message" "$(tail -30 "$T/plain.out")"
# The full-screen interface in tmux: unlock, Home, a whole PHQ-9, quit.
if command -v tmux >/dev/null; then
	S=sw-vg-$$
	tmux -L $S -f /dev/null new-session -d -x 80 -y 24 -s v \
	    "env TERM=screen-256color LANG=C.UTF-8 valgrind -q --error-exitcode=99 \
	    --leak-check=full --show-leak-kinds=definite,indirect \
	    --errors-for-leak-kinds=definite,indirect --log-file=$T/vg/tui.%p \
	    $SW --data-dir $T/d; echo EXITED-\$?; sleep 60"
	scr() { tmux -L $S capture-pane -p -t v; }
	upto() { local i; for i in $(seq 600); do scr | grep -qF -- "$1" && return 0; sleep 0.1; done; return 1; }
	tui_ok=1
	upto "Type your passphrase" && tmux -L $S send-keys -t v -l "$PW" &&
	    tmux -L $S send-keys -t v Enter && upto "Connected to Test Clinic" || tui_ok=0
	# The next step on Home is the GAD-7 (the PHQ-9 is done): Enter
	# starts it; seven answers, the optional question, the review.
	tmux -L $S send-keys -t v Enter
	upto "1 of 7" || tui_ok=0
	for a in 0 1 0 1 0 1 0; do tmux -L $S send-keys -t v $a; sleep 0.3; done
	upto "This one is optional" || tui_ok=0
	tmux -L $S send-keys -t v 1
	upto "Check your answers" || tui_ok=0
	tmux -L $S send-keys -t v Enter
	upto "score is" || tui_ok=0
	tmux -L $S send-keys -t v Enter
	sleep 1
	tmux -L $S send-keys -t v q
	upto "EXITED-" || tui_ok=0
	got=$(scr | grep -o 'EXITED-[0-9]*')
	[ $tui_ok = 1 ] && [ "$got" = EXITED-0 ] && ok "tui under memcheck: unlock, a GAD-7, quit ($got)" ||
	    bad "tui under memcheck ($got)" "$(scr)"
	tmux -L $S kill-server 2>/dev/null
fi
step status 0 "$PW\n" "$SW" "${D[@]}" status
step export 0 "$PW\n" "$SW" "${D[@]}" export
step check-content 0 "" "$SW" check-content "$ROOT/content"
step results 0 "" "$SC" results --dir "$T/c" --format json
step risks 0 "" "$SC" risks --dir "$T/c"
step patients 0 "" "$SC" patients --dir "$T/c"
# The risk signal, the two PHQ-9s and the TUI's GAD-7.
grep -q '^4 results' "$T/results.out" && ok "the clinic holds the check-ins" ||
    bad "results: no check-in at the clinic" "$(head -20 "$T/results.out")"

kill -TERM $SRV
wait $SRV
st=$?
SRV=
[ $st -ne 99 ] && ok "serve under memcheck (exit $st after SIGTERM)" ||
    bad "serve: memcheck found errors" "$(cat "$T/vg"/serve.*)"
# Any log with something in it is an error report (-q prints only those).
for f in "$T/vg"/*; do
	[ -s "$f" ] && bad "memcheck said something in $(basename "$f")" "$(head -40 "$f")"
done
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
