# lib.sh: what the console tests share (issue 17): a clinic whose patients
# synced through the real stepwise-clinic serve, and tmux sessions for the
# console and for a patient's TUI. Sourced by tests/console/*.sh with the
# sync tests' arguments:
#   SCRIPT STEPWISE STEPWISE-CLINIC SW-SEED CONTENT-DIR SW-PROXY
# On top of tests/sync/lib.sh (the folder $T, the servers, ok/bad/expect/
# finish, profiles, seeding and syncing).
#
# console_fixture makes the clinic $T/c with four patients, each a real
# profile that enrolled and synced:
#   $P_RISK      an open risk: PHQ-9 item 9 answered 2, nobody has
#                acknowledged it (Sam Supporter's)
#   $P_OVERDUE   the next review was due three days ago (Sam Supporter's)
#   $P_SILENT    its device last synced 15 days ago (Kim Keyworker's). The
#                server stamps a device's last contact with its own clock,
#                so that one sync went to a server of its own run 15 days
#                in the past (faketime), the device's clock 15 days back too
#                (a signed request more than a few minutes from the server's
#                clock is refused)
#   $P_PLAIN     nothing to see: synced today, no review due (Sam's)
# Their references sort otherwise than the caseload orders them, so that an
# alphabetical list fails the order checks.
. "$(dirname "$0")/../sync/lib.sh"
export TZ=UTC
P_RISK=P-RISK P_OVERDUE=P-OVERDUE P_SILENT=P-SILENT P_PLAIN=P-ORDINARY
SAM="Sam Supporter" KIM="Kim Keyworker"
C=$T/c
# faketime preloads its library; a sanitizer build must let it.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"

db() { sqlite3 -cmd '.timeout 5000' "$(clinic_db "$C")" "$@"; }
sc() { "$SC" "$1" --dir "$C" "${@:2}"; }
day() { date -u -d "@$(( $(date +%s) - $1 * 86400 ))" +%s; }

# ---- 15 days in the past ----
# libfaketime itself, preloaded, rather than the faketime command: that one
# forks and waits, so its pid is not the server's, and a server under it
# does not end on SIGTERM. The monotonic clock is left alone (15 days off
# uptime would be a negative time to the server's timeouts).
FAKETIME_LIB=
for f in /usr/lib/*/faketime/libfaketime.so.1 /usr/lib/faketime/libfaketime.so.1 \
    /usr/local/lib/faketime/libfaketime.so.1; do
	[ -e "$f" ] && { FAKETIME_LIB=$f; break; }
done
# start_server_past NAME DIR OFFSET: stepwise-clinic serve on a free port
# with its clock OFFSET away; sets PID[NAME] and PORT[NAME] but not
# SERVER[NAME]: finish() does not ask it to stop; stop it with
# stop_server NAME KILL.
start_server_past() {
	local name=$1 dir=$2 off=$3
	: >"$T/$name.out"
	# Not through a shell function: one run in the background is a
	# subshell, and $! would be its pid, not the server's.
	LD_PRELOAD=$FAKETIME_LIB FAKETIME=$off FAKETIME_DONT_FAKE_MONOTONIC=1 \
	    "$SC" serve --dir "$dir" --listen 127.0.0.1:0 \
	    >"$T/$name.out" 2>>"$T/$name.log" &
	PID[$name]=$!
	if ! wait_line "$T/$name.out" '^listening on http://127\.0\.0\.1:[0-9]+$' 10; then
		bad "server $name (clock $off) starts" "$(cat "$T/$name.out" "$T/$name.log")"
		return 1
	fi
	PORT[$name]=$(head -1 "$T/$name.out" | sed 's/.*://')
}
# sync_until_past OFFSET NAME TRIES: sync_until with the device's clock
# OFFSET away (stepwise through a wrapper that preloads libfaketime).
sync_until_past() {
	printf '#!/bin/sh\nLD_PRELOAD=%s FAKETIME=%s FAKETIME_DONT_FAKE_MONOTONIC=1 exec '\''%s'\'' "$@"\n' \
	    "$FAKETIME_LIB" "$1" "$SW" >"$T/sw-past" && chmod +x "$T/sw-past" &&
	    SW=$T/sw-past sync_until "$2" "$3" >/dev/null
}

# ---- the clinic ----

# patient_up NAME REF [OFFSET]: a profile with check-ins, enrolled with
# the clinic (whose clinic.json has the address of the server to use) and
# synced.
# A PHQ-9 and a GAD-7 are seeded 20 days and again 6 days before now
# (OFFSET days earlier still, for the silent one), so that each has a
# first-to-latest outcome to show.
patient_up() {
	local name=$1 ref=$2 off=${3:-0}
	make_profile "$name" || return 1
	seed "$name" phq9 "2,2,2,1,1,1,1,1,0" "$(day $((off + 20)))" &&
	    seed "$name" gad7 "2,1,1,1,1,1,1" "$(day $((off + 20)))" &&
	    seed "$name" phq9 "1,1,1,1,1,0,0,0,0" "$(day $((off + 6)))" &&
	    seed "$name" gad7 "1,1,1,1,0,0,0" "$(day $((off + 6)))" || return 1
	enroll_file "$C" "$ref" "$T/$name.stepwise" && enroll "$name" "$T/$name.stepwise" || return 1
	if [ "$off" = 0 ]; then
		sync_until "$name" 5 >/dev/null
	else
		sync_until_past "-${off}d" "$name" 5
	fi || { bad "$ref syncs" "$(cat "$T/$name.syncs" "$T"/*.log 2>/dev/null | tail -30)"; return 1; }
}

# console_fixture: the clinic and the four patients above, checked with
# stepwise-clinic patients --format json. The real server "srv" goes on
# running for the test (PORT[srv]); the past one has been stopped.
console_fixture() {
	[ -n "$FAKETIME_LIB" ] || skip_all "libfaketime is not installed"
	make_clinic "$C" || return 1
	# The silent patient first, against a server 15 days in the past.
	start_server_past old "$C" -15d || return 1
	set_url "$C" "http://127.0.0.1:${PORT[old]}"
	patient_up silent "$P_SILENT" 15 || return 1
	stop_server old KILL
	# Nothing listens where it did: the server itself has ended.
	! (exec 3<>"/dev/tcp/127.0.0.1/${PORT[old]}") 2>/dev/null ||
	    { bad "the server 15 days in the past has ended"; return 1; }
	# The others against the server of today.
	start_server srv "$C" || return 1
	set_url "$C" "http://127.0.0.1:${PORT[srv]}"
	patient_up risk "$P_RISK" && patient_up overdue "$P_OVERDUE" &&
	    patient_up plain "$P_PLAIN" || return 1
	# The risk answer, as the patient gives it in plain mode: the check-in
	# and the risk signal saved at the answer, both sent.
	checkin_plain risk phq9 '0\n0\n0\n0\n0\n0\n0\n0\n2\nc\n0\n\n'
	sync_until risk 5 >/dev/null || { bad "$P_RISK's risk answer syncs" "$(cat "$T/risk.checkin" "$T/risk.syncs")"; return 1; }
	sc assign --patient "$P_RISK" --to "$SAM" --as "Ann Admin" >/dev/null &&
	    sc assign --patient "$P_OVERDUE" --to "$SAM" --as "Ann Admin" >/dev/null &&
	    sc assign --patient "$P_PLAIN" --to "$SAM" --as "Ann Admin" >/dev/null &&
	    sc assign --patient "$P_SILENT" --to "$KIM" --as "Ann Admin" >/dev/null ||
	    { bad "assign the patients"; return 1; }
	sc review --patient "$P_OVERDUE" --next "$(date -u -d '-3 days' +%F)" --as "$SAM" >/dev/null ||
	    { bad "the overdue review date"; return 1; }
	sc review --patient "$P_PLAIN" --next "$(date -u -d '+10 days' +%F)" --as "$SAM" >/dev/null ||
	    { bad "the ordinary review date"; return 1; }
	fixture_checked
}

# caseload_order: the references in stepwise-clinic patients' order.
caseload_order() {
	sc patients --format json 2>>"$T/patients.err" |
	    python3 -c 'import json, sys; print(" ".join(p["patient"] for p in json.load(sys.stdin)["patients"]))'
}

# fixture_checked: what each patient is, as stepwise-clinic patients says.
fixture_checked() {
	local out
	expect "fixture: the caseload orders risk, overdue, silent, then the rest" \
	    "$P_RISK $P_OVERDUE $P_SILENT $P_PLAIN" "$(caseload_order)"
	out=$(sc patients --format json 2>&1)
	python3 - "$out" "$P_RISK" "$P_OVERDUE" "$P_SILENT" "$P_PLAIN" <<'PYEOF' &&
import json, sys, time
p = {x["patient"]: x for x in json.loads(sys.argv[1])["patients"]}
risk, over, silent, plain = (p[r] for r in sys.argv[2:6])
now = time.time()
days = lambda x: (now - x["last_contact"]) / 86400
assert risk["open_risks"] == 1 and risk["latest"]["phq9"]["risk"], risk
assert over["next_review"]["overdue"] and not over["open_risks"], over
assert 15 <= days(silent) < 15.1 and not silent["open_risks"], silent
assert silent["next_review"] is None, silent
for x in (risk, over, plain):
    assert days(x) < 0.1, x
assert not plain["open_risks"] and not plain["next_review"]["overdue"], plain
for x in (risk, over, silent, plain):
    assert x["records"] >= 4 and x["active_devices"] == 1, x
assert silent["supporter"] == "Kim Keyworker" and risk["supporter"] == "Sam Supporter", (silent, risk)
PYEOF
	ok "fixture: one open risk, one review overdue, one device 15 days silent, one ordinary" ||
	    bad "fixture: patients --format json" "$out"
}

# ---- tmux ----
# One private tmux server for the test; each session runs one program and
# stays (remain-on-exit) so that its last screen and exit status can be
# read. Sessions are 80x24 unless COLS/ROWS are set.
TSOCK=sw-console-$$-$(date +%s%N)
tm() { tmux -L "$TSOCK" "$@"; }
# No program a session ran outlives the test: each pane's children are
# killed by their pid before the server goes (a sanitizer build whose
# terminal hangs up can spin for ever in LeakSanitizer's exit check).
lib_cleanup() {
	local p c
	for p in $(tm list-panes -a -F '#{pane_pid}' 2>/dev/null); do
		for c in $(pgrep -P "$p"); do kill -9 "$c" 2>/dev/null; done
	done
	tm kill-server 2>/dev/null
	cleanup
}
trap lib_cleanup EXIT
# session NAME COMMAND: start COMMAND in a new session NAME (killing one of
# that name first); the session's screen then says EXITED-STATUS.
session() {
	local name=$1; shift
	tm kill-session -t "$name" 2>/dev/null
	tm -f /dev/null new-session -d -x "${COLS:-80}" -y "${ROWS:-24}" -s "$name" \
	    "$*; echo EXITED-\$?; sleep 60"
	tm set-option -t "$name" remain-on-exit on >/dev/null
}
# screen NAME: what the session shows now.
screen() { tm capture-pane -p -t "$1"; }
# flat NAME: the screen as one line, rows joined, spaces squeezed.
flat() { screen "$1" | tr '\n' ' ' | tr -s ' '; }
# wait_for NAME TEXT [SECONDS]: until the screen shows the fixed string
# TEXT (default 15 s), wrapped over lines or not, or the program has ended;
# the screen goes to $T/NAME.last when the text did not come.
wait_for() {
	local name=$1 text n=$(( ${3:-15} * 20 )) s
	text=$(printf '%s' "$2" | tr -s ' ')
	while [ $n -gt 0 ]; do
		s=$(screen "$name")
		case $(tr '\n' ' ' <<<"$s" | tr -s ' ') in *"$text"*) return 0 ;; esac
		grep -q '^EXITED-[0-9]*$' <<<"$s" && break
		sleep 0.05
		n=$((n - 1))
	done
	screen "$name" >"$T/$name.last"
	return 1
}
# gone NAME TEXT [SECONDS]: until the screen no longer shows TEXT.
gone() {
	local name=$1 text=$2 n=$(( ${3:-5} * 20 ))
	while [ $n -gt 0 ]; do
		screen "$name" | grep -qF -- "$text" || return 0
		sleep 0.05
		n=$((n - 1))
	done
	return 1
}
keys() { local name=$1; shift; tm send-keys -t "$name" "$@"; }
# type_text NAME TEXT: TEXT typed literally.
type_text() { tm send-keys -t "$1" -l -- "$2"; }

# console NAME [ENV...]: stepwise-clinic console on $C as Sam Supporter in
# session NAME, with extra environment (NO_COLOR=1, LC_ALL=C, TERM=vt100);
# its standard error in $T/NAME.err, where finish() looks for sanitizer
# reports.
console() {
	local name=$1; shift
	session "$name" "env LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=screen-256color $* \
	    STEPWISE_CONTENT_DIR='$CONTENT' '$SC' console --dir '$C' --as '$SAM' \
	    2>>'$T/$name.err'"
}
# patient_tui NAME PROFILE: the patient's TUI on $T/PROFILE, unlocked.
patient_tui() {
	local name=$1 prof=$2
	session "$name" "env LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=screen-256color \
	    '$SW' --content '$CONTENT' --data-dir '$T/$prof' 2>>'$T/$name.err'"
	wait_for "$name" "Type your passphrase" || return 1
	tm send-keys -t "$name" -l -- "$PW"
	keys "$name" Enter
}
