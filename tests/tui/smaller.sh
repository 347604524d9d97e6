#!/bin/sh
# The smaller points of issue 16: --help names --plain; the ? key list keeps
# its columns, in a wide and a narrow window; hints are not blue on black;
# Home does not say "Press Enter to start." when the next module is closed.
. "$(dirname "$0")/lib.sh"

help_plain() { "$STEPWISE" --help | grep -q -- "--plain"; }
check "--help names --plain" help_plain

first_run >/dev/null || fail "first run"
keys e
wait_for "Exercises" >/dev/null
keys Enter
wait_for "Press Tab to begin" >/dev/null
keys ?
wait_for "On this screen" >/dev/null
# A key's words that wrap go on in their column (16 columns in).
columns() { screen | grep -q '^                  [A-Za-z(]'; }
check "the key list wraps in its column" columns
check "each key starts its line" sh -c "tmux -L $SOCK capture-pane -p -t $CUR | grep -q '^  b / Ctrl-P      step before'"
keys Enter
keys Escape
keys q
wait_for "Not connected to a clinic yet" >/dev/null
no_blue() { ! T capture-pane -e -p -t "$CUR" | grep -q "$(printf '\033')\[34m\|;34m"; }
check "no hint is drawn blue" no_blue
keys q
wait_for "EXITED-0" >/dev/null

TUI_COLS=40 TUI_ROWS=12 unlock >/dev/null
wait_for "Not connected" >/dev/null
keys ?
wait_for "On this screen" >/dev/null
narrow() { screen | grep -q '^  Enter$' && screen | grep -q '^    do the selected step'; }
check "at 40 columns the words go under the key" narrow
keys Enter q
wait_for "EXITED-0" >/dev/null

# The first module done (in plain mode); the next opens later.
python3 "$(dirname "$0")/../tools/module_answers.py" "$CONTENT" 0 >"$DATA/m0"
"$STEPWISE" --plain --content "$CONTENT" --data-dir "$DATA" --passphrase-fd 3 \
    <"$DATA/m0" >"$DATA/m0.out" 2>&1 3<<EOP
$PASS
EOP
unlock >/dev/null
check "Home says module 2 opens later" wait_for "Module 2 opens"
check "and not to press Enter" sh -c "tmux -L $SOCK capture-pane -p -t $CUR | grep -q 'Nothing to start now' && ! tmux -L $SOCK capture-pane -p -t $CUR | grep -q 'Press Enter to start'"
finish
