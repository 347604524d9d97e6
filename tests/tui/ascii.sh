#!/bin/sh
# Without UTF-8, text degrades to ASCII, not to ??? (issue 16, point 7): under
# LC_ALL=C the PHQ-9's em dash shows as "-" in the full-screen interface.
. "$(dirname "$0")/lib.sh"
SW_ENV="LC_ALL=C LANG=C"

"$STEPWISE" --data-dir "$DATA" --passphrase-fd 3 init >/dev/null 2>&1 3<<EOP
$PASS
EOP
unlock checkin phq9
wait_for "1 of 9" >/dev/null || fail "the check-in"
for q in 1 2 3 4 5 6 7; do keys 0; done
check "question 8's dash is '-'" wait_for "opposite - being"
check "and no ???" sh -c "! tmux -L $SOCK capture-pane -p -t $CUR | grep -qF '???'"
keys q
finish
