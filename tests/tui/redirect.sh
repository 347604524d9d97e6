#!/bin/sh
# The check at unlock in the full-screen interface: a profile whose clear
# sync state was pointed elsewhere (here its url, with sqlite3) says so in
# plain words on the status line as it opens, and the clear url is the
# sealed one again.
#   redirect.sh STEPWISE CONTENT-DIR STEPWISE-CLINIC
. "$(dirname "$0")/lib.sh"
SC=$3
C=$DATA/clinic
"$SC" init "$C" --name "Test Clinic" >/dev/null 2>&1 &&
    "$SC" enroll --dir "$C" --patient R1 -o "$DATA/p.stepwise" >/dev/null 2>&1 ||
    { fail "a clinic and an enrollment file"; finish; exit 1; }
echo "$PASS" | "$STEPWISE" --data-dir "$DATA" --passphrase-fd 0 init >/dev/null 2>&1 &&
    echo "$PASS" | "$STEPWISE" --data-dir "$DATA" --passphrase-fd 0 enroll --no-sync "$DATA/p.stepwise" >/dev/null 2>&1 ||
    { fail "an enrolled profile"; finish; exit 1; }
url=$(sqlite3 "$DATA/default.db" "SELECT value FROM sync_state WHERE key = 'url'")
sqlite3 "$DATA/default.db" "UPDATE sync_state SET value = 'https://elsewhere.invalid' WHERE key = 'url'"
TUI_COLS=200
unlock
check "the unlock says the clinic settings were changed and put back" \
    wait_for "clinic settings were changed by someone without your passphrase. Stepwise has put them back"
[ "$(sqlite3 "$DATA/default.db" "SELECT value FROM sync_state WHERE key = 'url'")" = "$url" ] &&
    ok "the clear url is the sealed one again" || fail "the clear url is the sealed one again"
keys q
check "quits cleanly" wait_for "EXITED-0"
finish
