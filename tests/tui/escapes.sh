#!/bin/sh
# A supporter's message planted with terminal controls in it (signed by
# the clinic, as another stepwise-clinic might send it: the real one
# refuses them) reaches the TUI only through the sanitiser: the Messages
# screen shows each control as '?', and the bytes the TUI writes to its
# terminal, captured with tmux pipe-pane, hold none of them (issue 14,
# point 3).
#   escapes.sh STEPWISE CONTENT-DIR STEPWISE-CLINIC SW-CLINIC-FIXTURE
. "$(dirname "$0")/lib.sh"

CLINIC=${3:?usage: $0 STEPWISE CONTENT-DIR STEPWISE-CLINIC SW-CLINIC-FIXTURE}
FX=${4:?usage: $0 STEPWISE CONTENT-DIR STEPWISE-CLINIC SW-CLINIC-FIXTURE}
case $CLINIC in /*) ;; *) CLINIC=$PWD/$CLINIC ;; esac
case $FX in /*) ;; *) FX=$PWD/$FX ;; esac
W=$(mktemp -d)
SERVER=
trap '[ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null && wait "$SERVER"; cleanup; rm -rf "$W"' EXIT INT TERM

sw_pass() {
	"$STEPWISE" --content "$CONTENT" --data-dir "$DATA" --passphrase-fd 3 \
	    "$@" 3<<EOP
$PASS
EOP
}
# has BYTES: whether the captured output holds the byte string (printf
# escapes), as the terminal got it.
has() { LC_ALL=C grep -qaF -- "$(printf "$1")" "$W/raw"; }

clinic_up "$CLINIC" "$W/clinic"
check "the clinic's server listens" [ -n "$PORT" ]
"$CLINIC" enroll --dir "$W/clinic" --patient R1 -o "$W/r1.stepwise" \
    >"$W/enroll.out" 2>&1 || fail "stepwise-clinic enroll"
echo "$PASS" | "$STEPWISE" --data-dir "$DATA" --passphrase-fd 0 init \
    >"$W/profile.out" 2>&1 || fail "stepwise init"
sw_pass enroll "$W/r1.stepwise" >"$W/penroll.out" 2>&1 ||
    fail "stepwise enroll: $(cat "$W/penroll.out")"
dev=$(sqlite3 "$(clinic_db "$W/clinic")" 'SELECT device FROM devices')
check "the device is registered" [ -n "$dev" ]
printf 'Hello\033]0;PWNED\007 from \302\23331mRED and \342\200\256lived\177 end' |
    "$FX" plant "$W/clinic" "$dev" "$(printf 'Sam\033[31m')" >/dev/null ||
    fail "sw-clinic-fixture plant"

unlock
: >"$W/raw"
T pipe-pane -t "$CUR" -o "cat >>'$W/raw'"
check "the sync at start fetches it" wait_for "1 new message from your supporter"
keys m
check "the Messages screen shows it with each control as ?" \
    wait_for "Hello?]0;PWNED? from ?31mRED and ?lived? end"
check "and the sender's name too" wait_for "Sam?[31m, "
sleep 0.3
T pipe-pane -t "$CUR"
check "the terminal got the text" has 'from ?31mRED and ?lived? end'
check "but not the title sequence" sh -c "! LC_ALL=C grep -qaF -- \"\$(printf '\033]0;PWNED')\" '$W/raw'"
check "nor the C1 CSI" sh -c "! LC_ALL=C grep -qaF -- \"\$(printf '\302\233')\" '$W/raw'"
check "nor the right-to-left override" sh -c "! LC_ALL=C grep -qaF -- \"\$(printf '\342\200\256')\" '$W/raw'"
check "nor DEL" sh -c "! LC_ALL=C grep -qaF -- \"\$(printf 'lived\177')\" '$W/raw'"
check "nor the sender's colour" sh -c "! LC_ALL=C grep -qaF -- \"\$(printf 'Sam\033[31m')\" '$W/raw'"
keys q
finish
