#!/bin/bash
# outcomes.sh: NHS Talking Therapies outcomes on the pair of measures, first
# paired check-ins to the latest, through the real server: the patient's
# export, stepwise-clinic results (JSON and CSV: the outcome as it stood at
# each check-in) and stepwise-clinic patients (text and JSON) agree, from
# one function. R1 goes from PHQ-9 20 / GAD-7 15 to 8 / 6 (reliable
# recovery), with the week-to-week 20, 8, 14 of the issue in between; R2
# from 5 / 4 to 12 / 9 (reliable deterioration, which patients shows
# plainly).
#   outcomes.sh STEPWISE STEPWISE-CLINIC SW-SEED CONTENT-DIR SW-PROXY
. "$(dirname "$0")/lib.sh"

make_clinic "$T/c" || finish
start_server srv "$T/c" || finish
set_url "$T/c" "http://127.0.0.1:${PORT[srv]}"
make_patient p1 "$T/c" R1 && make_patient p2 "$T/c" R2 || finish
D=86400; t=$(( $(date +%s) - 40 * D ))
# R1: 20/15 on day 0, 8/6 on day 14, 14/10 on day 28.
seed p1 phq9 3,3,3,3,2,2,2,2,0 $t && seed p1 gad7 3,2,2,2,2,2,2 $((t + 3600)) &&
seed p1 phq9 1,1,1,1,1,1,1,1,0 $((t + 14 * D)) && seed p1 gad7 1,1,1,1,1,1,0 $((t + 14 * D + 60)) &&
seed p1 phq9 2,2,2,2,2,2,1,1,0 $((t + 28 * D)) && seed p1 gad7 2,2,2,1,1,1,1 $((t + 28 * D + 60)) || finish
# R2: 5/4, then 12/9.
seed p2 phq9 1,1,1,1,1,0,0,0,0 $t && seed p2 gad7 1,1,1,1,0,0,0 $((t + 60)) &&
seed p2 phq9 2,2,2,2,1,1,1,1,0 $((t + 7 * D)) && seed p2 gad7 2,2,2,1,1,1,0 $((t + 7 * D + 60)) || finish
sync_until p1 5 >/dev/null && sync_until p2 5 >/dev/null || bad "the syncs finish" "$(cat "$T/p1.syncs" "$T/p2.syncs")"

sw p1 export >"$T/e1.json"
python3 - "$T/e1.json" <<'PY' && ok "export: first 20/15, latest 14/10: reliable improvement, not recovery (still at caseness)" || bad "export outcome" "$(cat "$T/e1.json")"
import json, sys
o = json.load(open(sys.argv[1]))["outcome"]
assert o["pairs"] == 3, o
assert (o["first"]["phq9"], o["first"]["gad7"]) == (20, 15), o
assert (o["latest"]["phq9"], o["latest"]["gad7"]) == (14, 10), o
assert o["category"] == "reliable_improvement" and o["recovery"] is False, o
PY

results "$T/c" >"$T/r.json"
python3 - "$T/r.json" <<'PY' && ok "results JSON: each patient's outcome, and each check-in's outcome as it stood then" || bad "results outcomes" "$(cat "$T/r.json")"
import json, sys
d = json.load(open(sys.argv[1]))
by = {o["patient"]: o for o in d["outcomes"]}
assert by["R1"]["category"] == "reliable_improvement" and by["R1"]["pairs"] == 3, by
assert by["R2"]["category"] == "reliable_deterioration", by
assert (by["R2"]["first"]["phq9"], by["R2"]["latest"]["gad7"]) == (5, 9), by
r1 = sorted((x["created_at"], x["outcome"]) for x in d["results"] if x["patient"] == "R1")
assert [o for _, o in r1] == ["none", "none", "none", "reliable_recovery", "reliable_recovery", "reliable_improvement"], r1
PY
"$SC" results --dir "$T/c" --patient R2 >"$T/r2.csv" 2>/dev/null
python3 - "$T/r2.csv" <<'PY' && ok "results CSV: the outcome column" || bad "results CSV outcome" "$(cat "$T/r2.csv")"
import csv, sys
rows = sorted(csv.DictReader(open(sys.argv[1], newline="")), key=lambda r: r["created_at"])
assert [r["outcome"] for r in rows] == ["none", "none", "none", "reliable_deterioration"], rows
PY

"$SC" patients --dir "$T/c" >"$T/p.txt" 2>&1
grep -q "outcome: PHQ-9 20, GAD-7 15 (.*) to PHQ-9 14, GAD-7 10 (.*): reliable improvement" "$T/p.txt" &&
    grep -q "outcome: PHQ-9 5, GAD-7 4 (.*) to PHQ-9 12, GAD-7 9 (.*): RELIABLE DETERIORATION" "$T/p.txt" &&
    ok "patients: first and latest paired scores and the outcome; deterioration stands out" ||
    bad "patients text" "$(cat "$T/p.txt")"
"$SC" patients --dir "$T/c" --format json 2>/dev/null | python3 -c '
import json, sys
p = {x["patient"]: x for x in json.load(sys.stdin)["patients"]}
assert p["R1"]["outcome"]["category"] == "reliable_improvement", p["R1"]
assert p["R2"]["outcome"]["reliable_deterioration"] is True, p["R2"]' &&
    ok "patients JSON: the outcome" || bad "patients JSON outcome"

# The patient's own words: numbers week to week, the first-to-latest move
# without category names, and what to do when it went up, with the numbers
# to call: in plain mode written for speech, digit by digit, as all its
# numbers are (tests/tools/spoken.py); in the TUI as written.
summary=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["summary"])' "$CONTENT/safety/en-GB.json")
spoken=$(python3 "$(dirname "$0")/../tools/spoken.py" "$summary")
rise="Since you started, your scores have gone up a lot. Please tell your supporter. If you need help soon:"
checkin_plain p2 gad7 '2\n2\n2\n2\n1\n1\n0\n\n\n'
tr '\n' ' ' <"$T/p2.checkin" | tr -s ' ' >"$T/p2.flat"
grep -q "Last time it was 9. That is 1 point higher than last time." "$T/p2.flat" &&
    grep -qF "$rise $spoken." "$T/p2.flat" && ! grep -qF "$rise $summary." "$T/p2.flat" &&
    ! grep -qi "deteriorat\|reliable\|recovery\|caseness" "$T/p2.checkin" &&
    ok "plain result: points since last time, the rise since the start in plain words with what to do and the numbers, spoken digit by digit" ||
    bad "plain result words" "$(cat "$T/p2.checkin")"
printf '6\nq\n' | sw p2 --plain 2>&1 | tr '\n' ' ' | tr -s ' ' >"$T/p2.progress"
grep -qF "$rise $spoken." "$T/p2.progress" && ! grep -qF "$rise $summary." "$T/p2.progress" &&
    ok "plain progress: the rise with the numbers spoken digit by digit" ||
    bad "plain progress words" "$(cat "$T/p2.progress")"
SOCK=sw-outcomes-$$
tmux -L $SOCK -f /dev/null new-session -d -x 80 -y 24 -s o \
    "env TERM=screen-256color LANG=C.UTF-8 $SW --content $CONTENT --data-dir $T/p2; echo EXITED-\$?; sleep 30"
PID[tmux]=$(tmux -L $SOCK display -p '#{pid}')
# stepwise itself too: one whose terminal went away can spin in a
# sanitizer build's exit check.
PID[tui]=$(pgrep -P "$(tmux -L $SOCK display -p -t o '#{pane_pid}')" | head -1)
scr() { tmux -L $SOCK capture-pane -p -t o; }
wait_screen() { local i; for i in $(seq 200); do scr | grep -qF -- "$1" && return 0; sleep 0.05; done; return 1; }
wait_screen "Type your passphrase" && tmux -L $SOCK send-keys -t o -l "$PW" && tmux -L $SOCK send-keys -t o Enter
wait_screen "Press Enter to start" && tmux -L $SOCK send-keys -t o p && wait_screen "Your progress"
scr | tr '\n' ' ' | tr -s ' ' | grep -qF "$rise $summary." &&
    ok "TUI progress: the rise with the numbers as written" || bad "TUI progress words" "$(scr)"
tmux -L $SOCK send-keys -t o q && wait_screen "Press Enter to start" &&
    tmux -L $SOCK send-keys -t o q && wait_screen "EXITED-0" || bad "the TUI quits" "$(scr)"
tmux -L $SOCK kill-server 2>/dev/null
checkin_plain p1 phq9 '1\n1\n1\n1\n1\n1\n1\n1\n0\n\n\n'
tr '\n' ' ' <"$T/p1.checkin" | tr -s ' ' >"$T/p1.flat"
grep -q "Last time it was 14. That is 6 points lower than last time." "$T/p1.flat" &&
    grep -q "Since you started, your scores have come down a lot." "$T/p1.flat" &&
    ! grep -qi "deteriorat\|reliable\|caseness" "$T/p1.checkin" &&
    ok "plain result: a fall in points and in plain words" || bad "plain result words (fall)" "$(cat "$T/p1.checkin")"
finish
