#!/bin/bash
# unlock.sh: the clinic opens a module early for one patient, or holds it
# (issue 17, point 3): stepwise-clinic unlock queues a message the clinic
# signs with the instruction inside the seal; the device applies it at its
# next sync, shows the patient what changed in Messages and in the list of
# modules, and refuses an instruction the server changed.
#   unlock.sh STEPWISE STEPWISE-CLINIC SW-SEED CONTENT-DIR SW-PROXY
. "$(dirname "$0")/lib.sh"
db() { sqlite3 -cmd '.timeout 5000' "$(clinic_db "$T/c")" "$@"; }
sc() { "$SC" "$1" --dir "$T/c" "${@:2}"; }
read -r M3 M4 <<<"$(python3 -c 'import json,sys; m=json.load(open(sys.argv[1]))["modules"]; print(m[2]["title"].replace(" ", "_"), m[3]["title"].replace(" ", "_"))' "$CONTENT/programme.json")"
M3=${M3//_/ } M4=${M4//_/ }
# modules NAME: the plain list of modules, one per line.
modules() { printf '2\n\nq\n' | sw "$1" --plain 2>&1 | grep '^Module [0-9]'; }

make_clinic "$T/c" && start_server srv "$T/c" || finish
set_url "$T/c" "http://127.0.0.1:${PORT[srv]}"
make_patient p "$T/c" R1 || finish
sync_until p 5 >/dev/null || bad "first sync" "$(cat "$T/p.syncs")"
grep -q "^Module 3, $M3: opens after module 2." <<<"$(modules p)" &&
    ok "control: module 3 waits for module 2" || bad "module 3 before" "$(modules p)"

out=$(sc unlock --patient R1 --module 99 --as Sam 2>&1); st=$?
[ $st -eq 1 ] && grep -q "The programme has no module '99'" <<<"$out" && [ "$(db 'SELECT count(*) FROM messages')" = 0 ] &&
    ok "an unknown module is refused, nothing queued" || bad "unknown module (exit $st)" "$out"
out=$(sc unlock --patient R1 --module 3 --why "You said you wanted to get moving again." --as Sam 2>&1) ||
    bad "unlock module 3" "$out"
grep -q "^Module 3 (.*) is opened for R1" <<<"$out" && ok "unlock says what it did" || bad "unlock words" "$out"
sync_until p 5 >/dev/null
grep -q "^Module 3, $M3: open (your supporter opened it early)" <<<"$(modules p)" &&
    ok "after the sync, module 3 is open on the device, and says why" || bad "module 3 open" "$(modules p)"
printf '8\nq\nq\n' | sw p --plain >"$T/p.read" 2>&1
flat=$(tr '\n' ' ' <"$T/p.read" | tr -s ' ')
grep -qF "Module 3, $M3, is open for you now: your supporter opened it early." <<<"$flat" &&
    grep -qF "You said you wanted to get moving again." <<<"$flat" &&
    ok "Messages tells the patient what changed and why" || bad "instruction text" "$(tail -30 "$T/p.read")"

sc unlock --patient R1 --module 3 --hold --as Sam >/dev/null 2>&1 || bad "hold module 3"
sync_until p 5 >/dev/null
grep -q "^Module 3, $M3: your supporter asked you to wait" <<<"$(modules p)" &&
    ok "a later hold closes it again" || bad "module 3 held" "$(modules p)"

# An instruction the server changes: one byte of the ciphertext.
stop_server srv
sc unlock --patient R1 --module 4 --as Sam >/dev/null 2>&1 || bad "unlock module 4"
# Made different from what it was: a byte set to 0 may have been 0 already.
db "UPDATE messages SET ciphertext = substr(ciphertext, 1, 40) || CASE WHEN substr(ciphertext, 41, 1) = X'00' THEN X'01' ELSE X'00' END || substr(ciphertext, 42) WHERE seq = (SELECT max(seq) FROM messages)" || bad "tamper"
start_server srv "$T/c" "${PORT[srv]}" || finish
sync_until p 5 >/dev/null
grep -q "^Module 4, $M4: opens after module 3." <<<"$(modules p)" &&
    ok "a changed instruction is refused: module 4 stays closed" || bad "tampered applied" "$(modules p)"
printf '8\nq\nq\n' | sw p --plain >"$T/p.read2" 2>&1
grep -qi "could not be checked\|failed\|not from your clinic" "$T/p.read2" &&
    ok "and the patient is told a message failed its check" || bad "tamper words" "$(tail -20 "$T/p.read2")"

audit=$(sc audit --patient R1 2>&1)
grep -q "Sam changed the programme of R1: open:" <<<"$audit" && grep -q "Sam changed the programme of R1: hold:" <<<"$audit" &&
    ok "audit: each change, by whom" || bad "audit" "$audit"
finish
