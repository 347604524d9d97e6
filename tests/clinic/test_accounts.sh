#!/bin/bash
# test_accounts.sh: the two accounts of stepwise-clinic(8), FILES, as its
# worked example sets them up: an admin account that owns the folder, the
# keys and clinic.json, and a server account that owns only db/. The real
# server runs as the server account while the admin enrolls, reads results
# and queues a message beside it; the server account can read neither
# secret key and can change nothing outside db/. Needs root (to run as two
# other accounts, uids 65533 and 65534) and setpriv; skipped otherwise.
#   test_accounts.sh STEPWISE-CLINIC SW-PROTO CONTENT-DIR
set -u
SC=$1 P=$2 CONTENT=$3
[ "$(id -u)" = 0 ] && command -v setpriv >/dev/null || { echo "SKIP: needs root and setpriv"; exit 77; }
SUFFIX=accounts . "$(dirname "$0")/serve_lib.sh"
export TZ=UTC STEPWISE_CONTENT_DIR=$CONTENT LC_ALL=C.UTF-8
ADMIN=65533 SERVE=65534
# as_admin / as_serve COMMAND...: run as the account, with its groups
# (the admin is in the server's group, for the database).
as_admin() { setpriv --reuid $ADMIN --regid $ADMIN --groups $SERVE -- "$@"; }
as_serve() { setpriv --reuid $SERVE --regid $SERVE --clear-groups -- "$@"; }
chmod 711 "$T"
D=$T/stepwise H=$T/admin
install -d -o $ADMIN -g $ADMIN -m 700 "$H"
# The worked example's lines, with these uids for the two accounts.
install -d -o $ADMIN -g $ADMIN -m 711 "$D" &&
as_admin "$SC" init "$D" --name Riverside >/dev/null &&
chown -R $SERVE:$SERVE "$D/db" && chmod 2770 "$D/db" && chmod 660 "$(clinic_db "$D")" ||
    { echo "setting up the two accounts failed"; exit 1; }
[ "$(stat -c %u "$D/box.sk")" = $ADMIN ] && [ "$(stat -c %a "$D/box.sk")" = 600 ] && [ "$(stat -c %u:%g "$D/db")" = $SERVE:$SERVE ] &&
    ok "init as the admin account: the keys are the admin's; db/ given to the server's account" || bad "ownership" "$(ls -ln "$D" "$D/db")"
as_admin "$SC" enroll --dir "$D" --patient R1 -o "$H/r1.json" >/dev/null 2>"$T/err" &&
    ok "the admin enrolls a patient, writing the database the server's account owns" || bad "enroll as admin" "$(cat "$T/err")"

# The server, as its own account.
"$P" device "$T/d1.json"
cp "$H/r1.json" "$T/r1.json"
setpriv --reuid $SERVE --regid $SERVE --clear-groups -- "$SC" serve --dir "$D" --listen 127.0.0.1:0 >"$T/main.out" 2>"$T/main.log" &
PID=$!
pids+=("$PID")
for _ in $(seq 200); do grep -q '^listening on' "$T/main.out" 2>/dev/null && break; sleep 0.05; done
U=$(sed -n 's/^listening on //p' "$T/main.out")
[ -n "$U" ] && ok "serve runs as the server's account, which can read no secret key" || bad "serve as the server's account" "$(cat "$T/main.log")"
post() { curl -sS -o "$T/body" -w '%{http_code}' -H 'Content-Type: application/json' -H 'Expect:' --data-binary @"$2" "$U$1"; }
"$P" register "$T/d1.json" "$T/r1.json" >"$T/reg.json"
"$P" batch "$T/d1.json" "$T/r1.json" 2 >"$T/batch.json"
[ "$(post /v1/enroll "$T/reg.json")" = 201 ] && [ "$(post /v1/records "$T/batch.json")" = 200 ] &&
    ok "a device enrolls and uploads through it" || bad "enroll and upload" "$(cat "$T/body" "$T/main.log")"
# The admin works beside the running server, in write-ahead-log mode.
as_admin "$SC" results --dir "$D" >"$T/results.csv" 2>"$T/err" && [ "$(grep -c '^R1,' "$T/results.csv")" = 2 ] &&
    ok "the admin reads both results while the server runs" || bad "results as admin" "$(cat "$T/results.csv" "$T/err")"
echo "See you on Tuesday." | as_admin "$SC" message --dir "$D" --patient R1 >/dev/null 2>"$T/err" &&
    ok "and queues a message" || bad "message as admin" "$(cat "$T/err")"
"$P" batch "$T/d1.json" "$T/r1.json" 1 >"$T/batch2.json"
[ "$(post /v1/records "$T/batch2.json")" = 200 ] && ok "and the server goes on storing after the admin has written" || bad "upload after admin" "$(cat "$T/body" "$T/main.log")"

# What the server's account cannot do.
! as_serve cat "$D/box.sk" >/dev/null 2>&1 && ! as_serve cat "$D/sign.sk" >/dev/null 2>&1 &&
    ok "the server's account cannot read box.sk or sign.sk" || bad "server reads a secret key"
before=$(sha256sum "$D"/*.pk "$D/clinic.json")
as_serve sh -c 'cp "$1/db/clinic.db" "$1/.x" || exit 0; mv -f "$1/.x" "$1/box.pk"' - "$D" 2>/dev/null
as_serve sh -c 'echo "{}" >"$1/clinic.json"' - "$D" 2>/dev/null
as_serve mv "$D/db" "$T/moved" 2>/dev/null
[ "$(sha256sum "$D"/*.pk "$D/clinic.json")" = "$before" ] && [ -d "$D/db" ] && [ ! -e "$D/.x" ] &&
    ok "nor put a file in the folder, rename over box.pk, write clinic.json or move db/" || bad "server account changed the folder" "$(ls -la "$D")"
kill -TERM "$PID"; wait "$PID"; st=$?
[ $st -eq 0 ] && ok "serve stops cleanly on SIGTERM" || bad "serve exit $st" "$(tail -5 "$T/main.log")"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ] && [ $pass -gt 0 ]
