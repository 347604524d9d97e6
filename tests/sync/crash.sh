#!/bin/bash
# crash.sh: stepwise killed with SIGKILL in the middle of saving a check-in,
# an exercise entry and a reply, and in the middle of a sync, at exact
# points: strace stops the process at the Nth write to the profile
# (pwrite64), the Nth flush (fdatasync), the Nth file removal (unlink: the
# journal's, which is when SQLite commits) or, for a sync, the Nth read
# from the network (recvfrom: after the server took an upload, before the
# device kept its answer). After each kill:
# - every command opens the profile (status, export, remind), and none
#   calls it damaged;
# - no record saved before is missing, and at most the one being saved was
#   added;
# - when that record was saved, its draft is not offered again;
# - after the next syncs the clinic holds each of the profile's records
#   exactly once.
# Each round starts from a copy of one enrolled profile, so the rounds are
# independent (the copies share one device: the server runs without a rate
# limit). Every unlink point is taken, and so every boundary between two
# transactions (killed just before a commit, all earlier ones done: the
# moment between saving a record and removing its draft, when they were
# two transactions); a few writes and flushes inside transactions (leaving
# a hot journal) are drawn with a fixed seed; for a sync, every recvfrom
# too. STEPWISE_SOAK (meson -Dsoak=true) takes 200 points of every kind.
#   crash.sh STEPWISE STEPWISE-CLINIC SW-SEED CONTENT-DIR SW-PROXY
. "$(dirname "$0")/lib.sh"
command -v strace >/dev/null || skip_all "strace is not installed"
RANDOM=12
SOAK=${STEPWISE_SOAK:-}

make_clinic "$T/c" || finish
start_server srv "$T/c" 0 --rate 0 || finish
set_url "$T/c" "http://127.0.0.1:${PORT[srv]}"
make_patient base "$T/c" R1 || finish
seed base phq9 1,1,1,1,1,1,1,1,0 1700000000 || finish
seed base gad7 1,1,1,1,1,1,1 1700000100 || finish
sync_until base 5 >/dev/null || bad "the base profile syncs" "$(cat "$T/base.syncs")"
# A supporter's message to answer, fetched into the base profile.
echo "How was your week?" | "$SC" message --dir "$T/c" --patient R1 --from Sam >/dev/null 2>&1
sync_until base 5 >/dev/null || bad "the message is fetched" "$(cat "$T/base.syncs")"
mood=$(printf '4\n\nq\n' | sw base --plain 2>/dev/null | grep -m1 -i 'mood check' | cut -d. -f1 | tr -d ' ')
[ -n "$mood" ] || { bad "the mood check is on the exercise list"; finish; }

# The input of each save, as plain mode reads it, and the input that shows
# whether a draft is offered ("probe"), with the words that offer it.
declare -A INPUT PROBE OFFER CMD
INPUT[checkin]='1\n2\n0\n1\n0\n3\n0\n1\n0\n1\n\n'
CMD[checkin]="--plain checkin phq9"
PROBE[checkin]='q\nq\n'
OFFER[checkin]='You started this check-in before|You answered every question'
INPUT[exercise]="4\n$mood\n1\n\n6\n4\n3\nI went for a walk.\ny\nq\n"
CMD[exercise]="--plain"
PROBE[exercise]="4\n$mood\n1\nq\nq\nq\nq\n"
OFFER[exercise]='You started this before'
INPUT[reply]='8\ny\nThank you, it went well.\n.\ny\nq\n'
CMD[reply]="--plain"
PROBE[reply]='8\ny\nq\nq\nq\n'
OFFER[reply]='You started a reply earlier'

# count_calls NAME INPUT ARGS...: how many times each of the syscalls is
# made in a whole run, as "pwrite64=N fdatasync=N ..."
count_calls() {
	local name=$1 input=$2; shift 2
	rm -rf "$T/$name"; cp -a "$T/base" "$T/$name"
	printf '%b' "$input" | ASAN_OPTIONS=$ST_ASAN strace -f -qq -c -o "$T/$name.count" \
	    -e trace=pwrite64,fdatasync,unlink,recvfrom "$@" >/dev/null 2>&1
	calls_of "$T/$name.count" pwrite64 fdatasync unlink
}
# calls_of FILE SYSCALL...: from strace -c output ("calls" is the fourth
# column whether or not there were errors), "pwrite64=N ...".
calls_of() {
	local f=$1; shift
	for c in "$@"; do
		awk -v c="$c" '$NF == c { n = $4 } END { printf "%s=%d ", c, n }' "$f"
	done
}
# points COUNTS: kill points "syscall:N": every unlink and recvfrom, and
# two pwrite64 and fdatasync points drawn with the fixed seed (in a soak,
# 200 drawn from all the points).
points() {
	local c name n i
	for c in $1; do
		name=${c%%=*} n=${c#*=}
		[ "$n" -gt 0 ] 2>/dev/null || continue
		if [ -n "$SOAK" ] || [ "$name" = unlink ] || [ "$name" = recvfrom ]; then
			for ((i = 1; i <= n; i++)); do echo "$name:$i"; done
		else
			echo "$name:$(( RANDOM % n + 1 ))"
			echo "$name:$(( RANDOM % n + 1 ))"
		fi
	done | sort -u | if [ -n "$SOAK" ]; then shuf -n 200 --random-source=<(yes); else cat; fi
}
# ids NAME: the profile's record ids (check-ins, exercises, replies), from
# $T/NAME.export when opens has just made it.
ids() {
	[ -s "$T/$1.export" ] || sw "$1" export >"$T/$1.export" 2>"$T/$1.export.err"
	python3 -c '
import json, sys
d = json.load(sys.stdin)
ids = [c["id"] for c in d["checkins"]] + [e["id"] for e in d["exercises"]]
ids += [m["id"] for m in d["messages"] if m["from"] == "patient"]
for i in sorted(ids):
    print(i)' <"$T/$1.export"
	rm -f "$T/$1.export"
}
# opens NAME: every command opens the profile, and nothing says damaged.
opens() {
	local out=$T/$1.opens st bad=""
	: >"$out"
	sw "$1" status >>"$out" 2>&1 || bad="$bad status=$?"
	sw "$1" export >"$T/$1.export" 2>>"$out" || bad="$bad export=$?"
	"$SW" --data-dir "$T/$1" remind >>"$out" 2>&1; st=$?
	[ $st -le 1 ] || bad="$bad remind=$st"
	grep -qiE "damaged|not a Stepwise profile" "$out" && bad="$bad (says damaged)"
	[ -z "$bad" ] || { echo "$bad: $(cat "$out")"; return 1; }
}
# at_clinic_once NAME: every record of the profile is at the clinic once.
at_clinic_once() {
	local id n missing=""
	for id in $(ids "$1"); do
		n=$(sqlite3 -cmd '.timeout 10000' "$(clinic_db "$T/c")" "SELECT count(*) FROM records WHERE id = '$id'")
		[ "$n" = 1 ] || missing="$missing $id:$n"
	done
	[ -z "$missing" ] || { echo "records not held exactly once:$missing"; return 1; }
}

# enough KIND COUNTS: at least 6 rounds, and at least three in four of
# them reached their kill point (runs vary a little: a run that made
# fewer calls than the first one counted is checked all the same).
enough() {
	local n=$((rounds - n0)) k=$((killed - k0))
	[ $n -ge 6 ] && [ $((4 * k)) -ge $((3 * n)) ] && return 0
	bad "$1: only $k of $n rounds were killed ($2)"
	return 1
}

# LeakSanitizer cannot run under ptrace: a sanitizer build's run that
# strace does not kill (its kill point not reached this time) would end in
# LeakSanitizer's fatal error. Leaks are checked by every other test.
ST_ASAN="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
before=$(ids base)
nbefore=$(echo "$before" | grep -c .)
rounds=0 failed_rounds=0 killed=0
# kill_round KIND POINT: one round, on a fresh copy of the base profile.
kill_round() {
	local kind=$1 point=$2 r=$T/r st problems="" now nnow call=${2%%:*} when=${2#*:}
	rm -rf "$r"; cp -a "$T/base" "$r"
	if [ "$kind" = sync ]; then
		seed r phq9 2,2,2,2,2,2,2,2,0 1700000200 3 >/dev/null
		before_sync=$(ids r)
		ASAN_OPTIONS=$ST_ASAN strace -f -qq -o /dev/null -e trace="$call" \
		    -e inject="$call:signal=SIGKILL:when=$when" \
		    "$SW" --data-dir "$r" sync >/dev/null 2>&1
	else
		# shellcheck disable=SC2086
		printf '%b' "${INPUT[$kind]}" | ASAN_OPTIONS=$ST_ASAN strace -f -qq -o /dev/null -e trace="$call" \
		    -e inject="$call:signal=SIGKILL:when=$when" \
		    "$SW" --content "$CONTENT" --data-dir "$r" --passphrase-fd 3 \
		    ${CMD[$kind]} 3<<<"$PW" >"$T/r.run" 2>&1
	fi
	st=$?
	rounds=$((rounds + 1))
	# A point the run did not reach this time still checks the rest.
	[ $st -eq 137 ] && killed=$((killed + 1))
	opens r || problems="$problems; $(opens r)"
	now=$(ids r)
	nnow=$(echo "$now" | grep -c .)
	if [ "$kind" = sync ]; then
		[ "$now" = "$before_sync" ] || problems="$problems; the records changed in a sync"
	else
		comm -23 <(echo "$before") <(echo "$now") | grep -q . &&
		    problems="$problems; a saved record is missing"
		[ "$nnow" -eq "$nbefore" ] || [ "$nnow" -eq $((nbefore + 1)) ] ||
		    problems="$problems; $nnow records from $nbefore"
		if [ "$nnow" -gt "$nbefore" ]; then
			# shellcheck disable=SC2086
			printf '%b' "${PROBE[$kind]}" | sw r ${CMD[$kind]} >"$T/r.probe" 2>&1
			grep -qE "${OFFER[$kind]}" "$T/r.probe" &&
			    problems="$problems; the draft of the saved record is offered again"
		fi
	fi
	sync_until r 8 >/dev/null || problems="$problems; the syncs after the kill did not finish: $(tail -3 "$T/r.sync")"
	at_clinic_once r >"$T/r.once" || problems="$problems; $(cat "$T/r.once")"
	if [ -n "$problems" ]; then
		failed_rounds=$((failed_rounds + 1))
		bad "$kind killed at $point${problems}"
	fi
}

for kind in checkin exercise reply; do
	# shellcheck disable=SC2086
	counts=$(count_calls probe-$kind "${INPUT[$kind]}" "$SW" --content "$CONTENT" \
	    --data-dir "$T/probe-$kind" --passphrase-fd 3 ${CMD[$kind]} 3<<<"$PW")
	n0=$rounds f0=$failed_rounds k0=$killed
	for p in $(points "$counts"); do
		kill_round "$kind" "$p"
	done
	enough "$kind" "$counts" && [ $failed_rounds -eq $f0 ] &&
	    ok "$kind: killed at $((killed - k0)) points ($counts): the profile opens, nothing is lost, no draft of a saved record is offered, the clinic holds each record once"
done

rm -rf "$T/probe-sync"; cp -a "$T/base" "$T/probe-sync"
seed probe-sync phq9 2,2,2,2,2,2,2,2,0 1700000200 3 >/dev/null
ASAN_OPTIONS=$ST_ASAN strace -f -qq -c -o "$T/probe-sync.count" -e trace=pwrite64,fdatasync,unlink,recvfrom \
    "$SW" --data-dir "$T/probe-sync" sync >/dev/null 2>&1
counts=$(calls_of "$T/probe-sync.count" pwrite64 fdatasync unlink recvfrom)
n0=$rounds f0=$failed_rounds k0=$killed
for p in $(points "$counts"); do
	kill_round sync "$p"
done
enough sync "$counts" && [ $failed_rounds -eq $f0 ] &&
    ok "sync: killed at $((killed - k0)) points ($counts): the profile opens, nothing is lost, the clinic holds each record once"
echo "$rounds rounds, $failed_rounds failed"
finish
