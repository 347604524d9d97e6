#!/bin/sh
# Too small a window asks to be made larger; back to size restores.
. "$(dirname "$0")/lib.sh"

first_run >/dev/null || fail "first run"
T resize-window -t "$CUR" -x 30 -y 10
check "asks for a larger window" wait_for "too small"
T resize-window -t "$CUR" -x 80 -y 24
check "home again at 80x24" wait_for "Not connected to a clinic yet"
check "the next step again" wait_for "Next: your check-in (PHQ-9)"
finish
