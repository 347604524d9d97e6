#!/bin/bash
# sharing.sh: the full-screen interface lets the patient choose what goes
# to the clinic (issue 15, section 2). Joined, a new exercise entry's review
# asks "Share this entry with ...?" with the clinic's default chosen (none
# for "ask": saving waits for y or n); the past entries list says where
# each entry stands, s shares one, p makes a shared one private again until
# it is sent, and the clinic gets exactly the shared ones; the list on
# screen follows when a sync sends an entry.
. "$(dirname "$0")/lib.sh"
CLINIC_BIN=${3:?usage: $0 STEPWISE CONTENT STEPWISE-CLINIC}

# join NAME [SHARE-DEFAULT]: a profile in $DATA/NAME enrolled with the
# clinic (its clinic.json's share_default set first when given).
join() {
	if [ -n "${2:-}" ]; then
		python3 - "$DATA/clinic/clinic.json" "$2" <<'PYEOF'
import json, sys
c = json.load(open(sys.argv[1]))
c["share_default"] = sys.argv[2]
json.dump(c, open(sys.argv[1], "w"), indent=2)
PYEOF
	fi
	"$STEPWISE" --data-dir "$DATA/$1" --passphrase-fd 3 init >/dev/null 2>&1 3<<EOP
$PASS
EOP
	"$CLINIC_BIN" enroll --dir "$DATA/clinic" --patient "$1" -o "$DATA/$1.stepwise" >/dev/null 2>&1 &&
	    "$STEPWISE" --data-dir "$DATA/$1" --passphrase-fd 3 enroll --no-sync "$DATA/$1.stepwise" >/dev/null 2>&1 3<<EOP
$PASS
EOP
}
# open_profile NAME: unlock it and reach Home.
open_profile() {
	start "--data-dir $DATA/$1"
	wait_for "Type your passphrase" >/dev/null || return 1
	type_text "$PASS"
	keys Enter
	wait_for "Check-ins due" >/dev/null
}
# mood_entry TEXT: from Home, a whole mood check up to its review.
mood_entry() {
	keys e
	wait_for "Daily mood check, " >/dev/null || return 1
	select_exercise "Daily mood check" || return 1
	keys Enter
	wait_for "Press Tab to begin" >/dev/null || return 1
	keys Tab
	wait_for "Step 1 of" >/dev/null || return 1
	keys 6 Enter
	wait_for "Step 2 of" >/dev/null || return 1
	keys 4 Enter
	wait_for "Step 3 of" >/dev/null || return 1
	keys Enter
	wait_for "Step 4 of" >/dev/null || return 1
	type_text "$1"
	keys Tab
	wait_for "Check and save" >/dev/null
}
# clinic_has TEXT: how many exercise entries the clinic holds with TEXT.
clinic_has() {
	"$CLINIC_BIN" results --dir "$DATA/clinic" --format json 2>/dev/null |
	    python3 -c '
import json, sys
print(sum(1 for r in json.load(sys.stdin)["results"]
          if r["kind"] == "exercise" and sys.argv[1] in json.dumps(r["record"])))' "$1"
}
# wait_clinic TEXT N: until the clinic holds N entries with TEXT (20 s).
wait_clinic() {
	i=0
	while [ "$(clinic_has "$1")" != "$2" ] && [ $i -lt 200 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ "$(clinic_has "$1")" = "$2" ]
}

clinic_up "$CLINIC_BIN" "$DATA/clinic" || fail "the clinic starts"
join p1 || fail "p1 joins the clinic"
open_profile p1 || fail "p1 opens"
mood_entry "Wombatcustard private" || fail "a mood check up to its review"
check "the review asks whether to share, with no answer chosen (ask)" \
    wait_for "Share this entry with Test Clinic? y: share it, n:"
keys Enter
check "saving waits for the choice" wait_for "Choose first: y shares this entry"
not_saved() {
	! "$STEPWISE" --content "$CONTENT" --data-dir "$DATA/p1" --passphrase-fd 3 export 3<<<"$PASS" 2>&1 |
	    grep -q Wombatcustard
}
check "and nothing was saved" not_saved
keys n
check "n: the entry is private" wait_for "Private: only on this computer (y shares"
keys Enter
check "saved" wait_for "Saved your Daily mood check"
keys q
wait_for "Check-ins due" >/dev/null
mood_entry "Lemurtrifle shared" || fail "a second mood check"
keys y
check "y: the entry is shared" wait_for "Shared with Test Clinic (n keeps it"
keys Enter
wait_for "Saved your Daily mood check" >/dev/null
check "the shared entry reaches the clinic" wait_clinic Lemurtrifle 1
check "the private one does not" test "$(clinic_has Wombatcustard)" = 0

# Past entries: newest first, each with where it stands.
keys r
check "past entries: the sent one says the clinic has it" wait_for "Shared: Test Clinic has it."
check "past entries: the private one says so" wait_for "Private: only on this computer."
marked() { screen | grep -q "^ *> .*Test Clinic has it"; }
check "the selected entry (the newest) is marked" marked
keys p
check "a sent entry cannot be made private again" wait_for "so it cannot be made private"
keys Down s
check "s shares the private one" wait_for "This entry is shared: it goes to Test Clinic"
check "and it reaches the clinic once" wait_clinic Wombatcustard 1
# The list on screen follows: once sent, both entries say the clinic has
# it, without leaving the list.
both_sent() {
	i=0
	while [ "$(screen | grep -c 'Shared: Test Clinic has it\.')" != 2 ] && [ $i -lt 150 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ "$(screen | grep -c 'Shared: Test Clinic has it\.')" = 2 ] || { screen >&2; return 1; }
}
check "the list then says the clinic has the entry just shared" both_sent
keys Enter
check "Enter reads the entry in full" wait_for "Wombatcustard private"
keys q
keys q q
wait_for "Check-ins due" >/dev/null
keys q
wait_for "EXITED-0" >/dev/null

# A clinic whose default is "private": the choice is made beforehand, and
# Enter saves it private.
join p2 private || fail "p2 joins with share_default private"
open_profile p2 || fail "p2 opens"
mood_entry "Tapirpudding default" || fail "p2's mood check"
check "the clinic's default is chosen beforehand" wait_for "Private: only on this computer (y shares"
keys Enter
wait_for "Saved your Daily mood check" >/dev/null
keys q
wait_for "Check-ins due" >/dev/null
keys S
sleep 2
check "saved with the default, it stays here" test "$(clinic_has Tapirpudding)" = 0
kill "$SERVER" 2>/dev/null
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
