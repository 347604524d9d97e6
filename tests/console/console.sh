#!/bin/bash
# console.sh: the supporter's console (issue 17), driven in tmux against a
# clinic whose patients synced through the real server (tests/console/
# lib.sh): the caseload lists the open risk first, then the overdue review,
# then the patient silent for 15 days; acknowledging the risk in the
# console moves it down and writes the audit row; a message written in the
# console reaches the patient's stepwise sync and the Messages screen of
# the patient's TUI; an unlock instruction made in the console reaches the
# device and opens the module, and one the server's account changed is
# refused by the device; a message from a template, the next review's
# date, a review done with its minutes and note, and an assignment, each
# with its audit row; ? lists the keys; the main of it at 40x12 too, with
# NO_COLOR and LC_ALL=C. Only letters, digits, ?, /, Space, Tab, Enter and
# Esc are pressed: no arrow key anywhere.
#   console.sh STEPWISE STEPWISE-CLINIC SW-SEED CONTENT-DIR SW-PROXY
. "$(dirname "$0")/lib.sh"
read -r M3 M4 <<<"$(python3 -c 'import json,sys; m=json.load(open(sys.argv[1]))["modules"]; print(m[2]["title"].replace(" ", "_"), m[3]["title"].replace(" ", "_"))' "$CONTENT/programme.json")"
M3=${M3//_/ } M4=${M4//_/ }
# The note has an em dash: under LC_ALL=C it must show as "-".
NOTE="Phoned at once — safe tonight, plan agreed."
NOTE_ASCII="Phoned at once - safe tonight, plan agreed."
MSG="Hello from Sam. Well done on the sleep diary this week."
MSG2="A short note from a small screen."
WHY="You said you wanted to get moving again."
ALL="$P_RISK|$P_OVERDUE|$P_SILENT|$P_PLAIN"

# order NAME: the patients' references in the order the screen shows them.
order() { screen "$1" | grep -oE "$ALL" | awk '!seen[$0]++' | paste -sd' '; }
# line NAME REF: the screen's first line naming REF.
line() { screen "$1" | grep -F -- "$2" | head -1; }
# entry NAME REF: what the screen shows of REF's entry, from its line to
# the next entry's, joined.
entry() {
	screen "$1" | awk -v ref="$2" -v all="^ *(> )?($ALL)( |\$)" '
	    $0 ~ all { on = index($0, ref) > 0 } on' | tr '\n' ' ' | tr -s ' '
}
# selected NAME: the reference on the line marked "> ".
selected() { screen "$1" | grep -E '^ *> ' | grep -oE "$ALL" | head -1; }
# selected_is NAME REF: until REF's entry is the one marked (3 s at most).
selected_is() {
	local n=60
	while [ $n -gt 0 ]; do
		[ "$(selected "$1")" = "$2" ] && return 0
		sleep 0.05
		n=$((n - 1))
	done
	return 1
}
# shows NAME TEXT...: each TEXT is on the screen, wrapped or not; says what
# is missing, with the screen, otherwise.
shows() {
	local name=$1 f want; shift
	f=$(flat "$name")
	for want in "$@"; do
		want=$(printf '%s' "$want" | tr -s ' ')
		case $f in *"$want"*) ;; *)
			echo "not on the screen: $want"; screen "$name"; return 1 ;;
		esac
	done
}
# check_screen NAME WHAT TEXT...: ok when every TEXT is shown.
check_screen() {
	local name=$1 what=$2 out; shift 2
	if out=$(shows "$name" "$@"); then ok "$what"; else bad "$what" "$out"; fi
}
# waited NAME WHAT TEXT [SECONDS]: ok when TEXT comes on the screen in time.
waited() {
	if wait_for "$1" "$3" "${4:-15}"; then ok "$2"; else bad "$2" "waited for: $3
$(cat "$T/$1.last")"; fi
}
# messages_to REF: how many messages the clinic has queued for REF's
# devices (supporter messages and programme instructions alike).
messages_to() { db "SELECT count(*) FROM messages m JOIN devices d ON d.device = m.device WHERE d.patient = '$1'"; }
# queued_after REF N0: until the clinic has more than the N0 messages it
# had for REF (5 s at most); true when it has N0 + 1.
queued_after() {
	local n=0
	while [ "$(messages_to "$1")" = "$2" ] && [ $n -lt 50 ]; do sleep 0.1; n=$((n + 1)); done
	[ "$(messages_to "$1")" = $(($2 + 1)) ]
}
# write_message NAME REF TEXT WHAT: in the open case of REF, w, TEXT, Tab
# (the check names REF), Enter (the status line says it is queued); then
# the clinic has one message more for REF. WHAT starts each check's name.
write_message() {
	local name=$1 ref=$2 n0
	n0=$(messages_to "$ref")
	keys "$name" w
	wait_for "$name" "A message to $ref" >/dev/null
	type_text "$name" "$3"
	keys "$name" Tab
	waited "$name" "$4: w, the text, Tab: the message is shown to check" "Send this to $ref? Enter sends"
	keys "$name" Enter
	waited "$name" "$4: Enter: the status line says it is queued" "Queued for $ref"
	queued_after "$ref" "$n0" && ok "$4: one message queued for the patient's device" ||
	    bad "$4: no message queued" "$(screen "$name")"
}
# audit_has REF ACTION BY: the audit of REF has a row ACTION by BY.
audit_has() {
	sc audit --patient "$1" --format json 2>/dev/null | python3 -c '
import json, sys
a = json.load(sys.stdin)["audit"]
sys.exit(0 if any(r["action"] == sys.argv[1] and r["by"] == sys.argv[2] and sys.argv[3] in r["patients"] for r in a) else 1)' "$2" "$3" "$1"
}
# views REF: how many view rows by Sam Supporter name REF.
views() {
	sc audit --patient "$1" --format json 2>/dev/null | python3 -c '
import json, sys
print(sum(r["action"] == "view" and r["by"] == sys.argv[1] for r in json.load(sys.stdin)["audit"]))' "$SAM"
}
# modules PROFILE: the patient's list of modules, plain mode.
modules() { printf '2\n\nq\n' | sw "$1" --plain 2>&1 | grep '^Module [0-9]'; }

console_fixture || finish

# ---- the caseload ----
console con
waited con "the console opens on the caseload" "Caseload: 4 patients (all)"
expect "the caseload lists the open risk first, then overdue, then silent, then the rest" \
    "$P_RISK $P_OVERDUE $P_SILENT $P_PLAIN" "$(order con)"
selected_is con "$P_RISK" && ok "the first entry, the risk, is selected" || bad "the first entry, the risk, is selected" "wanted $P_RISK selected, got $(selected con)"
l=$(line con "$P_RISK")
grep -q "RISK: 1 open" <<<"$l" && grep -qF "supporter: $SAM" <<<"$l" && ok "the risk's entry says RISK: 1 open, and its supporter" || bad "risk entry" "$l"
l=$(line con "$P_OVERDUE")
grep -q "review overdue" <<<"$l" && ok "the overdue review is said" || bad "overdue entry" "$l"
l=$(line con "$P_SILENT")
grep -q "silent 15 days" <<<"$l" && grep -q "synced 15 days ago" <<<"$l" && grep -qF "supporter: $KIM" <<<"$l" &&
    ok "the silent patient: silent 15 days, synced 15 days ago, Kim Keyworker" || bad "silent entry" "$l"
l=$(line con "$P_PLAIN")
grep -q "synced today" <<<"$l" && ! grep -qE "RISK|overdue|silent" <<<"$l" &&
    ok "the ordinary patient: synced today, no reason word" || bad "ordinary entry" "$l"
e=$(entry con "$P_OVERDUE")
grep -qE "PHQ-9 5 Mild; GAD-7 4 Minimal;" <<<"$e" && grep -q "outcome: " <<<"$e" && grep -q "no lesson done yet" <<<"$e" &&
    ok "an entry shows the latest PHQ-9 and GAD-7 with their bands, the outcome and the programme" || bad "scores in the entry" "$e"
check_screen con "the status line offers the keys" "? keys"

keys con '?'
waited con "? lists the caseload's keys" "search by reference"
check_screen con "the keys include open, mine/all and quit" "open the patient's case" "show my patients only" "q quits"
keys con Escape
waited con "Esc leaves the list of keys" "Caseload: 4 patients (all)"
gone con "search by reference" 3 && ok "and the list of keys is gone" || bad "keys still shown" "$(screen con)"

keys con j
selected_is con "$P_OVERDUE" && ok "j selects the next patient" || bad "j selects the next patient" "wanted $P_OVERDUE selected, got $(selected con)"
keys con k
selected_is con "$P_RISK" && ok "k the previous" || bad "k the previous" "wanted $P_RISK selected, got $(selected con)"
keys con m
waited con "m shows only Sam Supporter's patients" "(mine: $SAM)"
expect "mine: Kim's patient is left out" "$P_RISK $P_OVERDUE $P_PLAIN" "$(order con)"
keys con m
waited con "m again shows all" "Caseload: 4 patients (all)"

# ---- the risk, acknowledged ----
v0=$(views "$P_RISK")
keys con Enter
waited con "Enter opens the selected patient" "Patient $P_RISK"
v1=$(views "$P_RISK")
[ "$v1" -gt "$v0" ] && ok "opening the patient view writes a view row by Sam Supporter" ||
    bad "no view row ($v0 before, $v1 after)" "$(sc audit --patient "$P_RISK" 2>&1)"
check_screen con "the case opens on the PHQ-9 chart, with the caseness line" "PHQ-9 over time (caseness at 10 or more)" "= caseness 10"
keys con '?'
waited con "? lists the patient view's keys" "acknowledge the oldest open risk"
check_screen con "and the others" "write a message to the patient" "open a module early"
keys con Escape
waited con "Esc back to the patient" "Patient $P_RISK"
keys con a
waited con "a asks for the note for the record" "a note for the record"
type_text con "$NOTE"
keys con Tab
waited con "Tab shows what was written, to check" "Tab changes the note"
check_screen con "the note is shown to check" "$NOTE"
keys con Enter
waited con "Enter acknowledges: the status line says so" "Acknowledged the risk of $P_RISK"
sc patients --format json 2>/dev/null | python3 -c '
import json, sys
p = {x["patient"]: x for x in json.load(sys.stdin)["patients"]}
sys.exit(0 if p[sys.argv[1]]["open_risks"] == 0 else 1)' "$P_RISK" &&
    ok "the clinic has no open risk for $P_RISK any more" || bad "still open" "$(sc risks 2>&1)"
audit_has "$P_RISK" ack "$SAM" && grep -qF "$SAM acknowledged a risk $P_RISK" <<<"$(sc audit --patient "$P_RISK" 2>&1)" &&
    ok "stepwise-clinic audit --patient $P_RISK has the acknowledgement by Sam Supporter" ||
    bad "no ack row" "$(sc audit --patient "$P_RISK" 2>&1)"
grep -qF "acknowledged by $SAM" <<<"$(sc review --patient "$P_RISK" 2>&1)" &&
    grep -qF "$NOTE" <<<"$(sc review --patient "$P_RISK" 2>&1)" &&
    ok "the case shows who acknowledged it, with the note" || bad "review" "$(sc review --patient "$P_RISK" 2>&1)"
keys con q
waited con "q goes back to the caseload" "Caseload: 4 patients"
expect "acknowledged, the patient moves below the overdue, the silent and the ordinary" \
    "$P_OVERDUE $P_SILENT $P_PLAIN $P_RISK" "$(order con)"
expect "and the console's order is the command's" "$(caseload_order)" "$(order con)"

# ---- a message, to the patient's sync and TUI ----
keys con /
type_text con "$P_PLAIN"
keys con Enter
waited con "/ searches by reference" "search: $P_PLAIN"
expect "the search finds only that patient" "$P_PLAIN" "$(order con)"
keys con Enter
waited con "and Enter opens it" "Patient $P_PLAIN"
write_message con "$P_PLAIN" "$MSG" "80x24"
sc messages --patient "$P_PLAIN" --format json 2>/dev/null | python3 -c '
import json, sys
m = json.load(sys.stdin)["messages"]
sys.exit(0 if any(sys.argv[1] in json.dumps(x) and sys.argv[2] in json.dumps(x) for x in m) else 1)' "$MSG" "$SAM" &&
    ok "stepwise-clinic messages has it, from Sam Supporter" || bad "messages" "$(sc messages --patient "$P_PLAIN" 2>&1)"
audit_has "$P_PLAIN" message "$SAM" && ok "the audit has the message by Sam Supporter" || bad "no message row" "$(sc audit --patient "$P_PLAIN" 2>&1)"
sw_sync plain
grep -qx "1 new message from your clinic." "$T/plain.sync" && ok "the patient's stepwise sync fetches it" ||
    bad "sync" "$(cat "$T/plain.sync")"
patient_tui pt plain
wait_for pt "Connected to Test Clinic" >/dev/null
keys pt m
waited pt "the patient's Messages screen" "Messages with Test Clinic"
waited pt "shows the console's message" "Well done on the sleep diary"
check_screen pt "from Sam Supporter" "$SAM"
keys pt q
wait_for pt "Connected to Test Clinic" >/dev/null
keys pt q
waited pt "the patient's TUI quits" "EXITED-0"
tm kill-session -t pt

# ---- a module opened early, and one the server changed ----
grep -q "^Module 3, $M3: opens after module 2." <<<"$(modules plain)" &&
    ok "control: module 3 waits for module 2" || bad "module 3 before" "$(modules plain)"
# unlock_module N TITLE WHY: u, the module's digit, 1 (open it now), the
# why and Enter.
unlock_module() {
	n0=$(messages_to "$P_PLAIN")
	keys con u
	wait_for con "Which module, for $P_PLAIN?" && wait_for con "$1  $2" ||
	    { bad "u lists the modules, numbered" "$(cat "$T/con.last")"; return 1; }
	keys con "$1"
	wait_for con "open it now" || { bad "$1: open or hold" "$(cat "$T/con.last")"; return 1; }
	keys con 1
	wait_for con "Open module $1, $2, for $P_PLAIN now" || { bad "1: the why" "$(cat "$T/con.last")"; return 1; }
	type_text con "$3"
	keys con Enter
	wait_for con "Module $1 is opened for $P_PLAIN" || { bad "Enter sends: the status line" "$(cat "$T/con.last")"; return 1; }
	queued_after "$P_PLAIN" "$n0" || { bad "the instruction is queued" "$(screen con)"; return 1; }
}
unlock_module 3 "$M3" "$WHY" && ok "u, 3, 1, the why, Enter: the instruction is queued for the device"
audit_has "$P_PLAIN" programme "$SAM" && ok "the audit has the change of programme by Sam Supporter" ||
    bad "no programme row" "$(sc audit --patient "$P_PLAIN" 2>&1)"
sync_until plain 5 >/dev/null
grep -q "^Module 3, $M3: open (your supporter opened it early)" <<<"$(modules plain)" &&
    ok "after the sync, module 3 is open on the device" || bad "module 3 not open" "$(modules plain)"
printf '8\nq\nq\n' | sw plain --plain >"$T/plain.read1" 2>&1
flat1=$(tr '\n' ' ' <"$T/plain.read1" | tr -s ' ')
grep -qF "Module 3, $M3, is open for you now: your supporter opened it early." <<<"$flat1" &&
    grep -qF "$WHY" <<<"$flat1" && ok "Messages tells the patient what changed and the console's why" ||
    bad "instruction text" "$(tail -30 "$T/plain.read1")"
ROWS=60 patient_tui pt plain
waited pt "the patient's TUI lists module 3 as opened early" "Module 3: $M3 (opened early by your supporter)"
keys pt q
waited pt "and quits" "EXITED-0"
tm kill-session -t pt

unlock_module 4 "$M4" "" && ok "u, 4, 1, Enter: a second instruction queued"
# One byte of its ciphertext changed, as the server's account could: made
# different from what it was (a byte set to 0 may have been 0 already).
last="(SELECT max(seq) FROM messages)"
before=$(db "SELECT hex(ciphertext) FROM messages WHERE seq = $last")
db "UPDATE messages SET ciphertext = substr(ciphertext, 1, 40) || CASE WHEN substr(ciphertext, 41, 1) = X'00' THEN X'01' ELSE X'00' END || substr(ciphertext, 42) WHERE seq = $last" ||
    bad "tamper with the instruction"
[ "$(db "SELECT hex(ciphertext) FROM messages WHERE seq = $last")" != "$before" ] ||
    bad "the instruction's ciphertext is changed"
sync_until plain 5 >/dev/null
grep -q "^Module 4, $M4: opens after module 3." <<<"$(modules plain)" &&
    ok "the changed instruction is refused: module 4 stays closed" || bad "tampered instruction applied" "$(modules plain)"
printf '8\nq\nq\n' | sw plain --plain >"$T/plain.read" 2>&1
grep -qi "could not be checked\|failed\|not from your clinic" "$T/plain.read" &&
    ok "and the patient is told a message failed its check" || bad "tamper words" "$(tail -20 "$T/plain.read")"

# ---- the review's other actions, on the overdue patient ----
mkdir -m 700 "$C/templates"
printf 'Hello from {supporter}. Shall we talk on {next_review}?\n' >"$C/templates/weekly-check.txt"
chmod 600 "$C/templates/weekly-check.txt"
keys con q
wait_for con "Caseload: 1 patient (all), search: $P_PLAIN" >/dev/null
keys con Escape
waited con "Esc on the caseload clears the search" "Caseload: 4 patients (all)"
selected_is con "$P_OVERDUE" && ok "the first entry is selected: the overdue review" || bad "overdue selected" "$(screen con)"
keys con o
waited con "o opens it" "Patient $P_OVERDUE"
keys con g
waited con "g charts the next measure, with its caseness line" "GAD-7 over time (caseness at 8 or more)"
n0=$(messages_to "$P_OVERDUE")
keys con t
waited con "t lists the templates" "1  weekly-check"
keys con 1
waited con "1 fills it in, in the editor" "Hello from $SAM. Shall we talk on"
keys con Tab
wait_for con "Send this to $P_OVERDUE? Enter sends" >/dev/null
keys con Enter
queued_after "$P_OVERDUE" "$n0" && ok "Tab, Enter: the filled-in template is queued" || bad "template not queued" "$(screen con)"
grep -qF "Hello from $SAM. Shall we talk on" <<<"$(sc messages --patient "$P_OVERDUE" 2>&1)" &&
    ok "with the supporter's name filled in" || bad "template text" "$(sc messages --patient "$P_OVERDUE" 2>&1)"
# Bad input is refused in words and changes nothing; Esc stops.
rows0=$(db 'SELECT count(*) FROM casework') msgs0=$(messages_to "$P_OVERDUE")
keys con n
wait_for con "The next review of $P_OVERDUE" >/dev/null
type_text con 2026-02-30
keys con Enter
waited con "n: a date that does not exist is refused, in words" "Give a date as YYYY-MM-DD"
keys con Escape
waited con "Esc stops it" "Stopped: nothing was sent or saved."
keys con d
wait_for con "A review of $P_OVERDUE: minutes spent" >/dev/null
type_text con 601
keys con Enter
waited con "d: 601 minutes are refused, in words" "Give the minutes spent as a whole number from 0 to 600."
keys con Escape
keys con w
wait_for con "A message to $P_OVERDUE" >/dev/null
type_text con "Not this one."
keys con Escape
waited con "w: Esc while writing stops, nothing sent" "Stopped: nothing was sent or saved."
keys con a
waited con "a on a patient without an open risk says so" "$P_OVERDUE has no open risk."
expect "none of it wrote a casework row or queued a message" "$rows0 $msgs0" \
    "$(db 'SELECT count(*) FROM casework') $(messages_to "$P_OVERDUE")"
NEXT=$(date -u -d '+14 days' +%F)
keys con n
waited con "n asks for the next review's date" "The next review of $P_OVERDUE"
type_text con "$NEXT"
keys con Enter
waited con "Enter sets it: the status line says so" "The next review of $P_OVERDUE is due on"
grep -qF "Next review:  $NEXT" <<<"$(sc review --patient "$P_OVERDUE" 2>&1)" &&
    ! grep -q "overdue" <<<"$(sc review --patient "$P_OVERDUE" 2>&1 | grep 'Next review')" &&
    ok "the case has the new date, not overdue" || bad "next review" "$(sc review --patient "$P_OVERDUE" 2>&1 | head -5)"
keys con d
waited con "d asks for the minutes" "A review of $P_OVERDUE: minutes spent"
type_text con 12
keys con Enter
waited con "Enter goes on to the note" "Review of $P_OVERDUE, 12 minutes: the note"
type_text con "Reviewed the sleep diary; next step agreed."
keys con Tab
waited con "Tab: the note to check" "Enter saves the review"
keys con Enter
waited con "Enter records the review" "Recorded a review of $P_OVERDUE by $SAM: 12"
grep -qF "Time spent:   12 minutes" <<<"$(sc review --patient "$P_OVERDUE" 2>&1)" && audit_has "$P_OVERDUE" review "$SAM" &&
    ok "the case counts the 12 minutes; the audit has the review by Sam Supporter" || bad "review done" "$(sc review --patient "$P_OVERDUE" 2>&1 | head -5)"
keys con q
waited con "back on the caseload" "Caseload: 4 patients (all)"
expect "the review no longer overdue, the patient joins the rest" "$P_SILENT $P_PLAIN $P_OVERDUE $P_RISK" "$(order con)"
selected_is con "$P_SILENT" && ok "the silent patient is first now" || bad "silent selected" "$(screen con)"
keys con Enter
wait_for con "Patient $P_SILENT" >/dev/null
keys con s
waited con "s asks whom to assign to, you by default" "Assign $P_SILENT to"
check_screen con "the field holds your name" "$SAM"
keys con Enter
waited con "Enter assigns" "Patient $P_SILENT is now $SAM's."
sc patients --format json 2>/dev/null | python3 -c '
import json, sys
p = {x["patient"]: x for x in json.load(sys.stdin)["patients"]}
sys.exit(0 if p[sys.argv[1]]["supporter"] == sys.argv[2] else 1)' "$P_SILENT" "$SAM" &&
    audit_has "$P_SILENT" assign "$SAM" && ok "the clinic has it, and the audit: assigned by Sam Supporter" ||
    bad "assign" "$(sc audit --patient "$P_SILENT" 2>&1)"
keys con q
wait_for con "Caseload:" >/dev/null
keys con q
waited con "q on the caseload quits, status 0" "EXITED-0"

# ---- nothing the console decrypted is left in clear ----
found=$(grep -rlaF -e "Well done on the sleep diary" -e "safe tonight, plan agreed" -e "Reviewed the sleep diary" \
    "$C" "${STEPWISE_TEST_HOME:-$HOME}" 2>/dev/null)
[ -z "$found" ] && ok "no message, note or review text in clear in the clinic folder or the home folders" ||
    bad "in clear in:" "$found"

# ---- without a terminal: said, nothing drawn, the commands named ----
out=$("$SC" console --dir "$C" --as "Sam Supporter" </dev/null 2>&1 >"$T/console.notty"); st=$?
[ $st -eq 2 ] && grep -q "the console needs a terminal; every action is also a command" <<<"$out" &&
    [ ! -s "$T/console.notty" ] && ok "without a terminal the console says so, exit 2, and draws nothing" ||
    bad "console without a terminal (exit $st)" "$out"

# ---- content that cannot be loaded: said, and the caseload still shown ----
session nocontent "env LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=screen-256color '$SC' console --dir '$C' --as '$SAM' \
    --content '$T/no-such-content' 2>>'$T/nocontent.err'"
waited nocontent "unusable content: the console says scores are not checked again" "The content could not be loaded"
grep -q "$P_OVERDUE" <<<"$(screen nocontent)" && ok "and still lists the patients" || bad "no content: caseload" "$(screen nocontent)"
keys nocontent q

# ---- smaller than 40x12: said, and q still leaves ----
COLS=39 ROWS=11 console tiny
waited tiny "39x11: the console says the window is too small" "This window is too small: make it at least 40 x 12."
keys tiny q
waited tiny "and q leaves, status 0" "EXITED-0"

# ---- 40x12, NO_COLOR, LC_ALL=C ----
# pages NAME TEXT N: Space until TEXT has been shown (joined over lines,
# spaces squeezed), N pages at most.
pages() {
	local got="" n=0 want
	want=$(printf '%s' "$2" | tr -s ' ')
	while [ $n -lt "$3" ]; do
		got="$got $(flat "$1")"
		case $got in *"$want"*) return 0 ;; esac
		keys "$1" Space
		sleep 0.2
		n=$((n + 1))
	done
	return 1
}
# ascii NAME: the screen has nothing but ASCII.
ascii() { ! screen "$1" | LC_ALL=C grep -q '[^ -~]'; }
# colours NAME: the SGR colour codes (30-37, 38, 40-47, 48, 90-107) the
# screen is drawn with, one per line.
colours() {
	tm capture-pane -e -p -t "$1" | python3 -c '
import re, sys
for m in re.finditer(r"\x1b\[([0-9;]*)m", sys.stdin.read()):
    for p in m.group(1).split(";"):
        if p and (30 <= int(p) <= 38 or 40 <= int(p) <= 48 or 90 <= int(p) <= 107):
            print(p)'
}
console col
wait_for col "Caseload:" >/dev/null
[ -n "$(colours col)" ] && ok "control: without NO_COLOR the console draws in colour" ||
    bad "control: no colour without NO_COLOR either (the NO_COLOR check below proves nothing)"
keys col q
# A terminal with colours (as the control above), so that it is NO_COLOR
# that keeps them off.
COLS=40 ROWS=12 console small NO_COLOR=1 LC_ALL=C LANG=C
waited small "40x12: the caseload" "Caseload: 4 patients"
expect "40x12: the same patient first, selected" "$P_SILENT $P_SILENT" "$(order small | cut -d' ' -f1) $(selected small)"
e=$(entry small "$P_SILENT")
grep -q "silent 15 days" <<<"$e" && ok "40x12: its entry, wrapped, still says silent 15 days" || bad "40x12 silent entry" "$(screen small)"
ascii small && ok "LC_ALL=C: the caseload is drawn in ASCII" || bad "not ASCII" "$(screen small | LC_ALL=C grep -n '[^ -~]')"
[ -z "$(colours small)" ] && ok "NO_COLOR: no colour" || bad "colour under NO_COLOR" "$(colours small | sort -u | paste -sd' ')"
keys small j
selected_is small "$P_PLAIN" && ok "40x12: j selects the next, shown whole" || bad "40x12: j selects the next, shown whole" "wanted $P_PLAIN selected, got $(selected small)"
grep -q "synced today" <<<"$(entry small "$P_PLAIN")" && ok "40x12: and its entry is on the screen" || bad "40x12 ordinary entry" "$(screen small)"
keys small '?'
waited small "40x12: ? lists the keys, a page at a time" "On this screen:"
pages small "/ search by reference" 10 && ok "40x12: Space pages through them to / search by reference" ||
    bad "40x12: the keys' pages" "$(screen small)"
ascii small && ok "40x12: the list of keys in ASCII" || bad "keys not ASCII" "$(screen small)"
keys small Escape
wait_for small "Caseload:" >/dev/null
keys small /
type_text small "$P_RISK"
keys small Enter
wait_for small "search: $P_RISK" >/dev/null
keys small o
waited small "40x12: o opens the patient" "Patient $P_RISK"
# Every page of the case, to the risk with who acknowledged it and the
# note, in ASCII.
got="" n=0 nonascii=""
while [ $n -lt 30 ]; do
	got="$got $(flat small)"
	ascii small || nonascii="$nonascii
$(screen small)"
	case $got in *"acknowledged by $SAM"*"$NOTE_ASCII"*) break ;; esac
	keys small Space
	sleep 0.2
	n=$((n + 1))
done
case $got in *"acknowledged by $SAM"*) ok "40x12: Space pages the case down to the risk, with who acknowledged it" ;;
*) bad "40x12: acknowledged not found" "$(screen small)" ;; esac
case $got in *"$NOTE_ASCII"*) ok "40x12, LC_ALL=C: the note's em dash shows as -" ;;
*) bad "40x12: the note in ASCII not found" "$got" ;; esac
[ -z "$nonascii" ] && ok "40x12: every page of the case in ASCII" || bad "pages not ASCII" "$nonascii"
write_message small "$P_RISK" "$MSG2" "40x12"
sw_sync risk
grep -qx "1 new message from your clinic." "$T/risk.sync" && ok "40x12: and fetched by the patient's sync" || bad "sync risk" "$(cat "$T/risk.sync")"
keys small Escape
waited small "40x12: Esc back to the caseload" "Caseload:"
keys small q
waited small "40x12: q quits, status 0" "EXITED-0"
finish
