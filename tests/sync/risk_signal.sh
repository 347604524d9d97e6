#!/bin/bash
# risk_signal.sh: a risk answer (PHQ-9 item 9 above 0) reaches the clinic
# once, whatever the patient does next: stops in plain mode right after it,
# leaves the full-screen check-in after it, is killed (SIGKILL) right after
# it, or discards the draft next time and finishes a new check-in. In every
# case stepwise-clinic results shows one risk record with the answer given.
#   risk_signal.sh STEPWISE STEPWISE-CLINIC SW-SEED CONTENT-DIR SW-PROXY
. "$(dirname "$0")/lib.sh"

make_clinic "$T/c" || finish
start_server srv "$T/c" || finish
set_url "$T/c" "http://127.0.0.1:${PORT[srv]}"
for n in 1 2 3 4; do make_patient p$n "$T/c" R$n || finish; done
ZEROS='0\n0\n0\n0\n0\n0\n0\n0\n'

# risk_once NAME REF ANSWER WHAT: after the syncs, the clinic's results for
# REF hold exactly one risk record, for item 9 with ANSWER.
risk_once() {
	sync_until "$1" 8 >/dev/null || { bad "$4: the syncs finish" "$(cat "$T/$1.syncs")"; return; }
	results "$T/c" --patient "$2" >"$T/$1.res" 2>>"$T/results.err"
	python3 - "$T/$1.res" "$3" <<'PY' && ok "$4: the clinic shows the risk answer once" || bad "$4" "$(cat "$T/$1.res" "$T/results.err")"
import json, sys
d = json.load(open(sys.argv[1])); want = int(sys.argv[2])
r = [x for x in d["results"] if x["kind"] == "risk"]
assert len(r) == 1, r
x = r[0]["record"]
assert x["measure"] == "phq9" and x["item"] == 9 and x["answer"] == want, x
assert r[0]["risk"] is True, r[0]
PY
}

# Plain mode: q at the prompt after the contacts.
printf "${ZEROS}2\nq\n" | sw p1 --plain checkin phq9 >"$T/p1.out" 2>&1
risk_once p1 R1 2 "plain, stopped right after item 9"

# The full-screen check-in, left after the contacts.
SOCK=sw-risk-$$
tmux -L "$SOCK" -f /dev/null new-session -d -x 80 -y 24 \
    "env LANG=C.UTF-8 TERM=screen-256color '$SW' --content '$CONTENT' --data-dir '$T/p2' checkin phq9; echo EXITED-\$?; sleep 30"
tscreen() { tmux -L "$SOCK" capture-pane -p; }
twait() { local i=0; until tscreen | grep -qF -- "$1"; do i=$((i + 1)); [ $i -lt 150 ] || return 1; sleep 0.1; done; }
twait "Type your passphrase" && tmux -L "$SOCK" send-keys -l -- "$PW" && tmux -L "$SOCK" send-keys Enter
twait "1 of 9" && for a in 0 0 0 0 0 0 0 0; do tmux -L "$SOCK" send-keys $a; done
twait "9 of 9" && tmux -L "$SOCK" send-keys 3
twait "press c to carry on" || twait "c: carry on" || bad "the TUI shows the contacts" "$(tscreen)"
sleep 1.1
tmux -L "$SOCK" send-keys c
twait "This one is optional" && tmux -L "$SOCK" send-keys q
twait "Home" || true
tmux -L "$SOCK" send-keys q
twait "EXITED-" || bad "the TUI ends" "$(tscreen)"
tmux -L "$SOCK" kill-server 2>/dev/null
risk_once p2 R2 3 "the TUI, left right after item 9"

# Killed right after item 9: input from a pipe, killed once the prompt
# after the contacts is shown.
mkfifo "$T/in"
sw p3 --plain checkin phq9 <"$T/in" >"$T/p3.out" 2>&1 &
pid=$!
exec 7>"$T/in"
printf "${ZEROS}1\n" >&7
wait_line "$T/p3.out" "c, q or h: " 20 || bad "plain mode reaches the crisis prompt" "$(tail "$T/p3.out")"
kill -9 $pid; wait $pid 2>/dev/null
exec 7>&-
risk_once p3 R3 1 "killed right after item 9"

# Discarded: the next time, the draft is not carried on.
printf "${ZEROS}1\nq\n" | sw p4 --plain checkin phq9 >"$T/p4a.out" 2>&1
printf "n\n${ZEROS}0\n\n\n" | sw p4 --plain checkin phq9 >"$T/p4b.out" 2>&1
grep -q "total is 0 out of 27" "$T/p4b.out" || bad "the new check-in is saved" "$(tail "$T/p4b.out")"
risk_once p4 R4 1 "the draft discarded and a new check-in finished"
python3 - "$T/p4.res" <<'PY' && ok "the new check-in reaches the clinic without a risk flag" || bad "the new check-in" "$(cat "$T/p4.res")"
import json, sys
c = [x for x in json.load(open(sys.argv[1]))["results"] if x["kind"] == "checkin"]
assert len(c) == 1 and c[0]["record"]["risk"] is False and c[0]["record"]["total"] == 0, c
PY
finish
