#!/bin/bash
# fulldisk.sh: the TUI on a profile whose disk is full. The clinic accepts
# the device's registration, but the profile cannot record that it did:
# the TUI says so on home and in the status line, and holds its automatic
# syncs instead of sending the registration again every second. The disk is
# a 1 MiB tmpfs, filled, in a mount namespace of the TUI's own (unshare -m,
# as root); skipped (77) where that cannot be made.
#   fulldisk.sh STEPWISE CONTENT-DIR STEPWISE-CLINIC
. "$(dirname "$0")/lib.sh"

CLINIC=${3:?usage: $0 STEPWISE CONTENT-DIR STEPWISE-CLINIC}
case $CLINIC in /*) ;; *) CLINIC=$PWD/$CLINIC ;; esac
W=$(mktemp -d --suffix=.stepwise-fulldisk)
SERVER=
trap '[ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null; cleanup; rm -rf "$W"' EXIT INT TERM

mkdir "$W/disk"
if ! unshare -m sh -c "mount -t tmpfs -o size=1M none '$W/disk'" 2>/dev/null; then
	echo "SKIP: cannot mount a tmpfs in a mount namespace here (it needs root)"
	exit 77
fi

clinic_up "$CLINIC" "$W/clinic"
check "the clinic's server listens" [ -n "$PORT" ]
"$CLINIC" enroll --dir "$W/clinic" --patient R1 -o "$W/r1.stepwise" \
    >"$W/enroll.out" 2>&1 || fail "stepwise-clinic enroll"

# A profile enrolled without a sync: the registration waits to be sent.
"$STEPWISE" --data-dir "$W/p" init --no-passphrase </dev/null >/dev/null 2>&1 ||
    fail "stepwise init"
"$STEPWISE" --data-dir "$W/p" enroll --no-sync "$W/r1.stepwise" \
    >"$W/penroll.out" 2>&1 || fail "stepwise enroll --no-sync"

# The TUI on a copy of it, on the full tmpfs.
posts() { grep -c 'POST /v1/enroll' "$W/clinic.serve.log"; }
CUR=full
T -f /dev/null new-session -d -x 80 -y 24 -s full \
    "env LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=screen-256color unshare -m sh -c \
    'mount -t tmpfs -o size=1M none $W/disk && cp $W/p/default.db $W/disk/ &&
    { dd if=/dev/zero of=$W/disk/fill bs=4k 2>/dev/null; true; } &&
    exec $STEPWISE --content $CONTENT --data-dir $W/disk'; \
    echo EXITED-\$?; sleep 30"
check "home says the sync state could not be saved" \
    wait_for "Stepwise could not keep track of what goes to your clinic"
check "and what to do, in words a patient can act on" \
    wait_for "free some space on this computer"
check "the status line says it in short" \
    wait_for "Could not save the sync state"
check "the clinic got the registration once" [ "$(posts)" = 1 ]
# Were the run not held, the next would start a second later, and again
# every second after: give it several seconds to show.
sleep 5
check "no run starts again on its own: still one registration" [ "$(posts)" = 1 ]
keys S
i=0
while [ "$(posts)" -lt 2 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
check "S still tries at once when the patient asks: it reaches the clinic" \
    [ "$(posts)" = 2 ]
keys q
check "the TUI exits cleanly" wait_for "EXITED-0"
finish
