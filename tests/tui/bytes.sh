#!/bin/sh
# Fewer bytes per screen (issue 16, point 8): a whole PHQ-9 at 80 x 24, from
# Home to its result, sends at most 4 KB to the terminal, and bold is not
# sent again for every word.
. "$(dirname "$0")/lib.sh"
OUT=$DATA/pane.out
LIMIT=${BYTES_LIMIT:-4096}

"$STEPWISE" --data-dir "$DATA" --passphrase-fd 3 init >/dev/null 2>&1 3<<EOP
$PASS
EOP
unlock
wait_for "Next: your check-in (PHQ-9)" >/dev/null || fail "home"
sleep 0.3
T pipe-pane -o -t "$CUR" "cat >>$OUT"
keys Enter
wait_for "1 of 9" >/dev/null
for q in 1 2 3 4 5 6 7 8; do
	wait_for "$q of 9" >/dev/null
	keys 1
done
wait_for "9 of 9" >/dev/null
keys 0
wait_for "This one is optional" >/dev/null
keys 1
wait_for "Check your answers" >/dev/null
keys s
check "the check-in is done" wait_for "Your PHQ-9 score is 8"
sleep 0.5
T pipe-pane -t "$CUR"
n=$(wc -c <"$OUT")
echo "# $n bytes"
[ "$n" -le "$LIMIT" ] && ok "a PHQ-9 at 80x24 takes $n bytes, at most $LIMIT" || fail "a PHQ-9 at 80x24 takes $n bytes, more than $LIMIT"
bold=$(grep -o "$(printf '\033')\[0;1m" "$OUT" | wc -l)
[ "$bold" -le 40 ] && ok "bold is set $bold times, not for every word" || fail "bold is set $bold times"
keys Enter
keys q
finish
