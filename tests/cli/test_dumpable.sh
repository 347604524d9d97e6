#!/bin/bash
# test_dumpable.sh: both programs make themselves non-dumpable at start
# (PR_SET_DUMPABLE 0, besides the core-file limit), so that another process
# of the same account cannot read their memory: while each waits (stepwise
# for a passphrase, stepwise-clinic serve for requests), its /proc/PID files
# are root's and its environment cannot be read by its own user. Run as
# root, the programs and the reader are the account nobody (root could
# read them anyway, with CAP_SYS_PTRACE).
#   test_dumpable.sh STEPWISE STEPWISE-CLINIC
set -u
SW=$1 SC=$2
T=$(mktemp -d --suffix=.stepwise-dumpable)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
pass=0 fail=0
ok()  { pass=$((pass + 1)); echo "ok - $1"; }
bad() { fail=$((fail + 1)); echo "FAIL - $1"; [ -n "${2:-}" ] && echo "$2" | sed 's/^/    /' | head -20; }

as=()
uid=$(id -u)
if [ "$uid" = 0 ]; then
	uid=65534
	as=(setpriv --reuid=$uid --regid=65534 --clear-groups --)
	chmod 755 "$T"
fi

# check NAME PID: PID is not dumpable, as its own user sees it.
check() {
	local owner env
	owner=$(stat -c %u "/proc/$2/status" 2>&1)
	if "${as[@]}" cat "/proc/$2/environ" >"$T/environ" 2>/dev/null; then
		env="read: $(tr '\0' '\n' <"$T/environ" | head -3)"
	else
		env="refused"
	fi
	[ "$owner" = 0 ] && ok "$1: its /proc files are root's, not its user's ($uid)" || bad "$1: /proc/$2 owned by $owner"
	[ "$env" = refused ] && ok "$1: its own user cannot read its environment" || bad "$1: environ" "$env"
}
# waiting PID: true once PID is blocked in a system call (it has got past
# the start of main and is waiting for input).
waiting() {
	local n
	for n in $(seq 200); do
		[ -d "/proc/$1" ] || return 1
		grep -q '^State:.*S (sleeping)' "/proc/$1/status" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

# stepwise waits for its passphrase on descriptor 3, a pipe no one writes.
mkfifo "$T/pass"
exec 8<>"$T/pass"
mkdir "$T/p" && chown "$uid" "$T/p"
"${as[@]}" "$SW" --data-dir "$T/p" --passphrase-fd 3 init 3<"$T/pass" >"$T/sw.out" 2>&1 &
spid=$!
pids+=("$spid")
if waiting "$spid"; then check "stepwise waiting for a passphrase" "$spid"; else bad "stepwise did not wait" "$(cat "$T/sw.out")"; fi
kill "$spid" 2>/dev/null

# stepwise-clinic serve, waiting for requests.
"$SC" init "$T/c" >/dev/null 2>&1 || bad "stepwise-clinic init"
chown -R "$uid" "$T/c"
"${as[@]}" "$SC" serve --dir "$T/c" --listen 127.0.0.1:0 >"$T/sc.out" 2>"$T/sc.log" &
cpid=$!
pids+=("$cpid")
for _ in $(seq 200); do grep -q '^listening on' "$T/sc.out" && break; sleep 0.05; done
if grep -q '^listening on' "$T/sc.out"; then check "stepwise-clinic serve" "$cpid"; else bad "serve did not start" "$(cat "$T/sc.log")"; fi
kill "$cpid" 2>/dev/null

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
