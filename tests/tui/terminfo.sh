#!/bin/sh
# A terminal type with no terminfo entry here falls back to plain mode with
# one line saying why, instead of stopping (issue 16, point 6).
. "$(dirname "$0")/lib.sh"

first_run >/dev/null || fail "first run"
keys q
wait_for "EXITED-0" >/dev/null
TUI_TERM=stepwise-no-such-terminal start
check "says why plain mode is used" wait_for "so Stepwise runs in plain mode"
check "in one line" sh -c "[ \$(tmux -L $SOCK capture-pane -p -t $CUR | grep -c 'plain mode') -eq 1 ]"
wait_for "assphrase" >/dev/null
type_text "$PASS"
keys Enter
check "plain mode's menu" wait_for "7. Help now"
type_text "q"
keys Enter
check "leaves normally" wait_for "EXITED-0"
check "no terminal error" sh -c "! tmux -L $SOCK capture-pane -p -t $CUR | grep -q 'Error opening terminal'"
finish
