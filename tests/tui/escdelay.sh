#!/bin/sh
# A slow link does not turn an arrow key into quit (issue 16, point 5): a
# lone Esc at Home does not quit, and an arrow key whose bytes arrive apart
# is still an arrow, with ESCDELAY when it is set and without.
. "$(dirname "$0")/lib.sh"
DOWN=$(tput -T screen-256color kcud1 | cut -c2-)	# without its ESC

first_run >/dev/null || fail "first run"
keys Escape
check "a lone Esc at Home says how to quit" wait_for "To quit, press q"
sleep 0.5
check "and does not quit" sh -c "! tmux -L $SOCK capture-pane -p -t $CUR | grep -q EXITED"

# Down, its ESC 100 ms before the rest: the default wait takes it whole.
keys Escape
sleep 0.1
type_text "$DOWN"
check "a split Down at Home moves the selection" wait_for "Press n to select the next step again"
keys q
check "q quits from Home" wait_for "EXITED-0"

# ESCDELAY is honoured: 2 s given, the rest 0.7 s later is one key.
SW_ENV="ESCDELAY=2000" unlock >/dev/null
wait_for "Not connected to a clinic yet" >/dev/null
keys Escape
sleep 0.7
type_text "$DOWN"
check "ESCDELAY=2000 is honoured" wait_for "Press n to select the next step again"
sleep 0.3
check "and nothing quit" sh -c "! tmux -L $SOCK capture-pane -p -t $CUR | grep -q EXITED"
finish
