# lib.sh: shared helpers for the TUI tests: a private tmux server, a fresh
# data folder, waiting for text on the screen, and counting results.
# Usage in a test: . "$(dirname "$0")/lib.sh" "$@"

STEPWISE=${1:?usage: $0 STEPWISE-BINARY CONTENT-DIR}
CONTENT=${2:?usage: $0 STEPWISE-BINARY CONTENT-DIR}
case $STEPWISE in /*) ;; *) STEPWISE=$PWD/$STEPWISE ;; esac
case $CONTENT in /*) ;; *) CONTENT=$PWD/$CONTENT ;; esac
# The first crisis contact as the Help now screen shows it ("name: phone"),
# read from the safety file, the one place the numbers are kept, so that no
# test pins a number or its wording.
SAFETY_FIRST=$(python3 -c 'import json, sys
c = json.load(open(sys.argv[1]))["contacts"][0]
print(c["name"] + ": " + c["phone"])' "$CONTENT/safety/en-GB.json")

. "$(dirname "$0")/../tools/clinic.sh"
SW_ENV=${SW_ENV:-}	# extra environment for stepwise, e.g. NO_COLOR=1
SOCK=sw-tui-$$-$(date +%s%N)
DATA=$(mktemp -d)
PASS=correct-horse-battery
PASSED=0
FAILED=0

# No stepwise this test started outlives it: in the sanitizer build, one
# whose terminal went away can stay spinning in LeakSanitizer's exit check
# (its tracer waits on it for ever), and would load every later test.
cleanup() {
	tmux -L "$SOCK" kill-server 2>/dev/null
	pkill -9 -f -- "--data-dir $DATA" 2>/dev/null
	rm -rf "$DATA" ${OPEN:+"$OPEN"}
}
trap cleanup EXIT INT TERM

T() { tmux -L "$SOCK" "$@"; }

# Start stepwise in a new session (80x24, or TUI_COLS x TUI_ROWS) with the
# given extra arguments.
NSESS=0
CUR=sw0
start() {
	old=$CUR
	NSESS=$((NSESS + 1))
	CUR=sw$NSESS
	T -f /dev/null new-session -d -x "${TUI_COLS:-80}" -y "${TUI_ROWS:-24}" -s "$CUR" \
	    "env LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=${TUI_TERM:-screen-256color} $SW_ENV \
	    $STEPWISE --content $CONTENT --data-dir $DATA $*; \
	    echo EXITED-\$?; sleep 30"
	T set-option -t "$CUR" remain-on-exit on >/dev/null
	T kill-session -t "$old" 2>/dev/null
	return 0
}

screen() { T capture-pane -p -t "$CUR"; }

# flat: the screen as one line, rows joined, spaces squeezed, the
# selection marker taken off.
flat() { screen | sed 's/^> /  /' | tr '\n' ' ' | tr -s ' '; }
# shows TEXT...: each is on the screen, wrapped or not.
shows() {
	f=$(flat)
	for want in "$@"; do
		want=$(printf '%s' "$want" | tr -s ' ')
		case $f in *"$want"*) ;; *)
			echo "--- not on the screen: $want" >&2
			screen >&2
			return 1 ;;
		esac
	done
}
# Wait until the screen shows the fixed string $1 (15 s at most).
wait_for() {
	i=0
	while [ $i -lt 150 ]; do
		if screen | grep -qF -- "$1"; then
			return 0
		fi
		sleep 0.1
		i=$((i + 1))
	done
	echo "--- timed out waiting for: $1" >&2
	screen >&2
	return 1
}

# A copy of the content with every exercise available from the first day
# (all listed as "always"), for tests of exercises from later modules.
open_exercises() {
	OPEN=$(mktemp -d) || return 1
	cp -R "$CONTENT/." "$OPEN" || return 1
	all=$(ls "$CONTENT/exercises" | sed 's/\.json$//; s/.*/"&"/' |
	    paste -sd, -)
	sed "s/\"always\": *\[[^]]*\]/\"always\": [$all]/" \
	    "$CONTENT/programme.json" >"$OPEN/programme.json" || return 1
	CONTENT=$OPEN
}

# Select the exercise whose row starts with $1: up to the first row, then
# down until the row marked "> " is it (rows wrap, and the list scrolls).
select_exercise() {
	screen | grep -q ' min[: ]' || return 1
	n=0
	while [ $n -lt 20 ]; do keys Up; n=$((n + 1)); done
	sleep 0.2
	n=0
	while [ $n -lt 20 ]; do
		if screen | grep -q "^> $1, "; then
			return 0
		fi
		was=$(screen | grep '^> ')
		keys Down
		i=0
		while [ $i -lt 20 ] && [ "$(screen | grep '^> ')" = "$was" ]; do
			sleep 0.05
			i=$((i + 1))
		done
		n=$((n + 1))
	done
	return 1
}

# The profile's export (JSON), unlocked with the test passphrase.
export_json() {
	"$STEPWISE" --content "$CONTENT" --data-dir "$DATA" export \
	    --passphrase-fd 3 3<<EOP
$PASS
EOP
}

keys() { T send-keys -t "$CUR" "$@"; }
# Type text literally.
type_text() { T send-keys -t "$CUR" -l -- "$1"; }

ok() {
	PASSED=$((PASSED + 1))
	echo "ok - $1"
}
fail() {
	FAILED=$((FAILED + 1))
	echo "FAIL - $1"
}
check() {
	name=$1
	shift
	if "$@"; then ok "$name"; else fail "$name"; fi
}

# On the first-run screens: choose the passphrase, up to the welcome.
passphrase_chosen() {
	wait_for "Choose a passphrase" || return 1
	keys 1
	wait_for "at least 8" || return 1
	type_text "$PASS"
	keys Enter
	wait_for "same passphrase again" || return 1
	type_text "$PASS"
	keys Enter
	wait_for "Welcome to Stepwise"
}

# Make a profile through the first-run screens and reach home.
first_run() {
	start
	passphrase_chosen || return 1
	wait_for "What your clinic sees" || return 1
	keys Enter
	wait_for "Not connected to a clinic yet"
}

# Open an existing profile through the unlock screen.
unlock() {
	start "$@"
	wait_for "Type your passphrase" || return 1
	type_text "$PASS"
	keys Enter
}

# clinic_up CLINIC DIR: a clinic folder DIR ("Test Clinic") and the real
# stepwise-clinic serving it on a free port, with that address in its
# clinic.json for the enrollment files; sets SERVER (its pid) and PORT
# (empty when it did not start), its output in DIR.serve.out and .log.
clinic_up() {
	"$1" init "$2" --name "Test Clinic" >"$2.init.out" 2>&1 || return 1
	"$1" serve --dir "$2" --listen 127.0.0.1:0 >"$2.serve.out" \
	    2>"$2.serve.log" &
	SERVER=$!
	i=0
	while ! grep -q '^listening on http://127.0.0.1:[0-9]*$' \
	    "$2.serve.out" && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	PORT=$(sed -n 's/^listening on http:\/\/127.0.0.1:\([0-9]*\)$/\1/p' \
	    "$2.serve.out")
	[ -n "$PORT" ] || return 1
	python3 - "$2/clinic.json" "$PORT" <<'PY'
import json, sys
p, port = sys.argv[1], sys.argv[2]
c = json.load(open(p))
c["url"] = "http://127.0.0.1:" + port
json.dump(c, open(p, "w"))
PY
}

finish() {
	echo "$PASSED passed, $FAILED failed"
	[ "$FAILED" -eq 0 ]
}
