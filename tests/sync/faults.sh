#!/bin/bash
# faults.sh: the network faults of issue 18, section 3, in a network
# namespace of its own (unshare -n; skipped, 77, where that cannot be done):
# a clinic address (tests/tools/sw-fault.py) that never answers, answers
# byte by byte, with 500s, with garbage, with a truncated reply, with a
# body too big to read; 3 s of latency on each round trip; 30% of packets
# lost both ways. (A link cut in the middle of a batch: interrupt.sh.) In
# every case nothing queued is lost, nothing arrives twice at the clinic,
# stepwise sync and stepwise status say what happened in plain words (no
# escape reaches the terminal), and the full-screen interface answers keys
# while the clinic does not answer.
#   faults.sh STEPWISE STEPWISE-CLINIC SW-SEED CONTENT-DIR SW-PROXY
NETNS_NEEDS=tmux . "$(dirname "$0")/netns.sh"
. "$(dirname "$0")/lib.sh"
FAULT=$(cd "$(dirname "$0")/../tools" && pwd)/sw-fault.py
ip link set lo up && ip link set lo mtu 1500 || skip_all "cannot bring up lo in the namespace"
P=18600		# the clinic's address; the namespace's own port space
ESC=$(printf '\033')

make_clinic "$T/c" && start_server srv "$T/c" 0 --rate 0 || finish
R=${PORT[srv]}
set_url "$T/c" "http://127.0.0.1:$P"
make_patient p "$T/c" R1 || finish
# fault MODE: sw-fault.py on the clinic's address in MODE.
fault() {
	[ -n "${PID[fault]:-}" ] && { kill -9 "${PID[fault]}"; wait "${PID[fault]}" 2>/dev/null; }
	python3 "$FAULT" $P "$1" "$R" >"$T/fault.out" 2>&1 &
	PID[fault]=$!
	wait_line "$T/fault.out" '^listening' 10 || bad "sw-fault.py $1 starts" "$(cat "$T/fault.out")"
}
queued() { sqlite3 "$T/p/default.db" 'SELECT count(*) FROM outbox'; }
# once WHAT N: the clinic holds each of the profile's N records once.
once() {
	expect "$1: $2 rows at the clinic" "$2" "$(clinic_count "$T/c")"
	expect "$1: $2 distinct records" "$2" "$(clinic_distinct "$T/c")"
	[ "$(export_ids p)" = "$(clinic_ids "$T/c")" ] && ok "$1: the clinic's ids are the profile's" ||
	    bad "$1: ids differ" "$(diff <(export_ids p) <(clinic_ids "$T/c") | head)"
}

fault delay=0
sync_until p 3 >/dev/null && ok "registered through a clean link" || bad "registration" "$(cat "$T/p.syncs")"
seed p phq9 1,2,1,2,1,2,1,2,0 1700000000 20 || finish
n0=$(queued)

# bad MODE WORDS: one sync against the fault: not a success, the words,
# no escape, the queue as it was, within 40 s; stepwise status says it too.
bad_answer() {
	local mode=$1 words=$2 st t0 t1 mem
	fault "$mode"
	t0=$(date +%s)
	/usr/bin/time -f %M -o "$T/mem" "$SW" --data-dir "$T/p" sync >"$T/p.sync" 2>&1
	st=$?
	t1=$(date +%s)
	mem=$(tail -1 "$T/mem")
	[ $st -ne 0 ] && [ $st -ne 3 ] && grep -qE -- "$words" "$T/p.sync" &&
	    ! grep -q "$ESC" "$T/p.sync" &&
	    ok "$mode: stepwise sync says /$words/ (exit $st, $((t1 - t0)) s, $mem KiB)" ||
	    bad "$mode: exit $st, wanted /$words/" "$(cat "$T/p.sync")"
	expect "$mode: the queue is as it was" "$n0" "$(queued)"
	[ "$mem" -lt 65536 ] && ok "$mode: the sync's memory stays small ($mem KiB)" || bad "$mode: $mem KiB"
	sw p status >"$T/p.status" 2>&1
	grep -qE -- "Last error: .*($words)" "$T/p.status" && ! grep -q "$ESC" "$T/p.status" &&
	    ok "$mode: stepwise status says it in plain words" || bad "$mode: status" "$(cat "$T/p.status")"
}
bad_answer e500 "the clinic's server has a problem"
bad_answer garbage "Could not reach the clinic|could not read|does not understand"
bad_answer truncated "Could not reach the clinic|cut off|could not read"
bad_answer huge "could not read"
expect "no record reached the clinic through the faults" 0 "$(clinic_count "$T/c")"

# Never answers: the TUI's sync waits on it; keys still work at once, and
# q quits at once; nothing is lost.
fault never
SOCK=sw-faults-$$
tmux -L $SOCK -f /dev/null new-session -d -x 80 -y 24 -s f \
    "env TERM=screen-256color LANG=C.UTF-8 $SW --content $CONTENT --data-dir $T/p; echo EXITED-\$?; sleep 30"
PID[tmux]=$(tmux -L $SOCK display -p '#{pid}')
scr() { tmux -L $SOCK capture-pane -p -t f; }
wait_screen() { local i; for i in $(seq ${2:-200}); do scr | grep -qF -- "$1" && return 0; sleep 0.05; done; return 1; }
wait_screen "Type your passphrase" && tmux -L $SOCK send-keys -t f -l "$PW" && tmux -L $SOCK send-keys -t f Enter
# The last fault's backoff holds automatic runs: S starts one now.
wait_screen "Press Enter to start" && tmux -L $SOCK send-keys -t f S &&
    wait_line "$T/fault.out" '^accepted' 20 &&
    ok "never: the TUI is at Home and its sync is waiting on the clinic" || bad "never: no Home or no request" "$(scr)"
sleep 1
t0=$(date +%s%N)
tmux -L $SOCK send-keys -t f '?'
wait_screen "Keys" 40
t1=$(date +%s%N)
ms=$(( (t1 - t0) / 1000000 ))
[ $ms -lt 1000 ] && ok "never: a key is answered in $ms ms while the sync waits" || bad "never: ? took $ms ms" "$(scr)"
tmux -L $SOCK send-keys -t f Escape
wait_screen "Press Enter to start" 40
scr | grep -q "Sending to Test Clinic..." && ok "never: the screen says it is sending to Test Clinic" ||
    bad "never: status line" "$(scr)"
t0=$(date +%s%N)
tmux -L $SOCK send-keys -t f q
wait_screen "EXITED-0" 100
t1=$(date +%s%N)
ms=$(( (t1 - t0) / 1000000 ))
[ $ms -lt 3000 ] && ok "never: q quits in $ms ms" || bad "never: q took $ms ms" "$(scr)"
tmux -L $SOCK kill-server 2>/dev/null
unset "PID[tmux]"
expect "never: the queue is as it was" "$n0" "$(queued)"

# Byte by byte: the real server's answers, one byte each 5 ms.
fault trickle
s=$(sync_until p 5) && ok "trickle: synced (statuses:$s)" || bad "trickle: statuses:$s" "$(tail -20 "$T/p.syncs")"
grep -q "The clinic has received" "$T/p.syncs" && ok "trickle: the sync says the clinic received them" || bad "trickle: words" "$(tail -5 "$T/p.syncs")"
once trickle 20

# 3 s more on each round trip (1.5 s each way).
seed p phq9 0,1,0,1,0,1,0,1,0 1700100000 10 || finish
fault delay=1500
t0=$(date +%s)
s=$(sync_until p 5) && ok "3 s latency: synced in $(( $(date +%s) - t0 )) s (statuses:$s)" || bad "3 s latency: statuses:$s" "$(tail -20 "$T/p.syncs")"
once "3 s latency" 30

# 30% of the packets to and from the clinic's address lost.
seed p gad7 1,1,1,1,1,1,1 1700200000 10 || finish
fault delay=0
{ nft add table inet f &&
  nft add chain inet f c '{ type filter hook input priority 0; }' &&
  nft add counter inet f lost &&
  nft add rule inet f c tcp dport $P numgen random mod 100 '<' 30 counter name lost drop &&
  nft add rule inet f c tcp sport $P numgen random mod 100 '<' 30 counter name lost drop; } 2>"$T/nft.err" ||
    skip_all "nftables does not work here: $(cat "$T/nft.err")"
t0=$(date +%s)
s=$(sync_until p 40) && ok "30% loss: synced in $(( $(date +%s) - t0 )) s (statuses:$s)" || bad "30% loss: statuses:$s" "$(tail -20 "$T/p.syncs")"
lost=$(nft list counter inet f lost | sed -n 's/.*packets \([0-9]*\).*/\1/p')
[ "${lost:-0}" -gt 0 ] && ok "30% loss: $lost packets were dropped on the way" || bad "30% loss: nothing dropped"
for x in $s; do
	case $x in 0|3|4) ;; *) bad "30% loss: a sync ended with status $x (only 0, 3 or 4 are expected)"; break ;; esac
done
nft delete table inet f
once "30% loss" 40
finish
