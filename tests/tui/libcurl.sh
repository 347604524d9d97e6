#!/bin/bash
# libcurl.sh: stepwise does not link libcurl; the TUI loads it when a sync
# starts and lets it go when the sync ends (src/sync/curl_load.c, issue 18:
# libcurl and what it brings were 4.5 MiB of every TUI at Home). Checked in
# the binary's dynamic section and in the running TUI's /proc/PID/maps: at
# Home unenrolled, and at Home after the syncs of an enrolled profile, the
# registration at start and one the patient asks for with S (libcurl loaded
# a second time), each of which reaches the real clinic server. KEPT is
# "kept" for a build that never unloads libcurl (AddressSanitizer's), where
# after a sync it must still be there, else "closed".
#   libcurl.sh STEPWISE CONTENT-DIR STEPWISE-CLINIC KEPT
. "$(dirname "$0")/lib.sh"

CLINIC=${3:?usage: $0 STEPWISE CONTENT-DIR STEPWISE-CLINIC KEPT}
KEPT=${4:?usage: $0 STEPWISE CONTENT-DIR STEPWISE-CLINIC KEPT}
case $CLINIC in /*) ;; *) CLINIC=$PWD/$CLINIC ;; esac
W=$(mktemp -d)
SERVER=
trap '[ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null; cleanup; rm -rf "$W"' EXIT INT TERM

# The TUI's process: the one tmux's shell started with exec's env.
tui_pid() { pgrep -f -- "^$STEPWISE --content $CONTENT --data-dir $DATA" | head -1; }
# curl_mapped PID: whether libcurl is in the process's memory.
curl_mapped() { grep -q 'libcurl' "/proc/$1/maps"; }
# let_go PID: libcurl leaves within 5 s (the run's end and the screen it
# redraws come in one turn; this leaves room for a slow build), or, in a
# build that keeps it, is still there.
let_go() {
	if [ "$KEPT" = kept ]; then
		curl_mapped "$1"
		return
	fi
	i=0
	while curl_mapped "$1" && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	! curl_mapped "$1"
}
posts() { grep -c "POST $1" "$W/clinic.serve.log"; }

if readelf -d "$STEPWISE" | grep NEEDED | grep -q libcurl; then
	fail "stepwise does not link libcurl"
	readelf -d "$STEPWISE" | grep NEEDED | sed 's/^/    /'
else
	ok "stepwise does not link libcurl"
fi

first_run || fail "first run to home"
pid=$(tui_pid)
check "the TUI runs" [ -n "$pid" ]
check "at Home, not enrolled, libcurl is not loaded" eval '! curl_mapped "$pid"'
keys q
check "the TUI exits cleanly" wait_for "EXITED-0"

clinic_up "$CLINIC" "$W/clinic"
check "the clinic's server listens" [ -n "$PORT" ]
"$CLINIC" enroll --dir "$W/clinic" --patient R1 -o "$W/r1.stepwise" \
    >"$W/enroll.out" 2>&1 || fail "stepwise-clinic enroll"
"$STEPWISE" --content "$CONTENT" --data-dir "$DATA" --passphrase-fd 3 \
    enroll --no-sync "$W/r1.stepwise" >"$W/penroll.out" 2>&1 3<<<"$PASS" ||
    fail "stepwise enroll --no-sync"

unlock
check "the sync at start reaches the clinic" wait_for "Everything is sent"
check "and registers the device there once" [ "$(posts /v1/enroll)" = 1 ]
pid=$(tui_pid)
check "after it, at Home, libcurl is let go ($KEPT)" let_go "$pid"
syncs=$(posts /v2/sync)
keys S
check "S syncs again" wait_for "No new messages"
check "and that sync reaches the clinic" [ "$(posts /v2/sync)" -gt "$syncs" ]
check "after it too, libcurl is let go ($KEPT)" let_go "$pid"
keys q
check "the TUI exits cleanly" wait_for "EXITED-0"
finish
