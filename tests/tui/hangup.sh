#!/bin/sh
# A dropped SSH link (SIGHUP) or a shutdown (SIGTERM) in the middle of a
# check-in keeps the answers as a draft, and the next start resumes it.
. "$(dirname "$0")/lib.sh"

# The stepwise process under the current pane (the pane runs a shell).
stepwise_pid() {
	# Anchored: the tmux server and the pane shell carry the same words.
	pgrep -f "^$STEPWISE --content $CONTENT --data-dir $DATA" | head -1
}
gone() {
	i=0
	while [ $i -lt 150 ] && [ -n "$(stepwise_pid)" ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ -z "$(stepwise_pid)" ]
}

first_run >/dev/null || fail "first run"
keys q
wait_for "EXITED-0" >/dev/null

# SIGTERM on question 3 of the GAD-7.
unlock checkin gad7
wait_for "1 of 7" >/dev/null
keys 1 2
check "on question 3" wait_for "3 of 7"
kill -TERM "$(stepwise_pid)"
check "SIGTERM ends the program" wait_for "EXITED-"
unlock
check "home offers the GAD-7 draft after SIGTERM" wait_for "finish your GAD-7 check-in"
keys Enter
check "it resumes at question 3" wait_for "3 of 7"
keys q
keys q
wait_for "EXITED-" >/dev/null

# SIGHUP: the terminal goes away (tmux closes the session's pane).
unlock checkin phq9
wait_for "1 of 9" >/dev/null
keys 0 1 2 3
check "on question 5" wait_for "5 of 9"
T kill-session -t "$CUR"
check "SIGHUP ends the program" gone
unlock checkin phq9
check "the PHQ-9 draft resumes at question 5 after SIGHUP" wait_for "5 of 9"
finish
