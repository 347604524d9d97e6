#!/bin/bash
# test_hermetic.sh: the suite, and a program run from the build tree, never
# depend on what is installed on this machine or on the user's home.
#   test_hermetic.sh STEPWISE STEPWISE-CLINIC SW-SEED CONTENT-DIR SW-PROXY \
#       INSTALLED-CONTENT PREFIX BUILD-ROOT
# Outside any namespace: the test runs with a private HOME and XDG folders
# (tests/tools/hermetic.sh) and the build tree's binaries use the checkout's
# content. Then, when the prefix lies inside the build folder (as
# tools/test.sh configures it), in a mount namespace of its own with an
# empty tmpfs over the prefix, a whole clinic round trip (check-content,
# init, enroll, a check-in sent to the real server, results, status,
# export) is run three times: with nothing installed, with a broken
# programme.json installed at the compiled-in path, and with copies of the
# binaries installed in the prefix, which must then use the installed
# content only (broken: a clear error naming the file; mended: valid).
set -u
. "$(dirname "$0")/../sync/lib.sh" "$@"
INSTALLED=$6 PREFIX=$7 ROOT=$8

under() { case "$1/" in "$2"/*) return 0 ;; esac; return 1; }

# flow LABEL STEPWISE STEPWISE-CLINIC WANT-CONTENT: the whole round trip,
# no --content anywhere; check-content must name WANT-CONTENT.
flow() {
	local l=$1 sw=$2 SC=$3 want=$4 d=$T/$1 st
	mkdir -p "$d"
	"$sw" check-content >"$d/cc.out" 2>&1; st=$?
	[ $st -eq 0 ] && grep -qxF "$want: the content is valid: 8 modules, 21 lessons, 12 exercises, 2 measures." "$d/cc.out" &&
	    ok "$l: check-content with no folder checks $want" ||
	    bad "$l: check-content with no folder" "status $st
$(cat "$d/cc.out")"
	make_clinic "$d/c" || return
	start_server "$l" "$d/c" || return
	set_url "$d/c" "http://127.0.0.1:${PORT[$l]}"
	enroll_file "$d/c" R1 "$d/r1.stepwise" || return
	# The default profile folder: it must be the private XDG_DATA_HOME.
	echo "$PW" | "$sw" --passphrase-fd 0 init >"$d/init" 2>&1 &&
	    [ -f "$XDG_DATA_HOME/stepwise/default.db" ] &&
	    ok "$l: the default profile is made in the test's own XDG_DATA_HOME" ||
	    bad "$l: init in the default folder" "$(cat "$d/init")"
	"$sw" --passphrase-fd 3 enroll --no-sync "$d/r1.stepwise" 3<<<"$PW" >"$d/enroll" 2>&1 ||
	    bad "$l: stepwise enroll" "$(cat "$d/enroll")"
	printf '1\n2\n0\n1\n0\n3\n0\n1\n1\nc\n1\n\n' |
	    "$sw" --passphrase-fd 3 --plain checkin phq9 3<<<"$PW" >"$d/checkin" 2>&1; st=$?
	[ $st -eq 0 ] && grep -q "received 1 record" "$d/checkin" &&
	    ok "$l: a plain PHQ-9 is saved and reaches the clinic" ||
	    bad "$l: plain check-in" "status $st
$(tail -15 "$d/checkin")"
	"$SC" results --dir "$d/c" --format json >"$d/res.json" 2>"$d/res.err"; st=$?
	[ $st -eq 0 ] && python3 - "$d/res.json" <<'PY' &&
import json, sys
r = json.load(open(sys.argv[1]))["results"]
assert len(r) == 2 and all(x["check"] == "ok" for x in r), r
assert sorted(x["kind"] for x in r) == ["checkin", "risk"], r
x = [x for x in r if x["kind"] == "checkin"][0]["record"]
assert x["total"] == 9 and x["severity"] == "mild" and x["risk"] is True, x
PY
	    ok "$l: stepwise-clinic results scores the check-in (total 9, mild, risk)" ||
	    bad "$l: results" "status $st
$(cat "$d/res.err" "$d/res.json")"
	"$sw" --passphrase-fd 3 status 3<<<"$PW" >"$d/status" 2>&1 &&
	    ok "$l: status" || bad "$l: status" "$(cat "$d/status")"
	"$sw" --passphrase-fd 3 export 3<<<"$PW" 2>"$d/export.err" |
	    python3 -c 'import json,sys; assert len(json.load(sys.stdin)["checkins"]) == 1' &&
	    ok "$l: export holds the check-in" || bad "$l: export" "$(cat "$d/export.err")"
	stop_server "$l"
	rm -rf "$XDG_DATA_HOME/stepwise"
}

if [ "${HERMETIC_IN_NS:-}" != 1 ]; then
	# What tests/tools/hermetic.sh promises every test.
	real_home=$(getent passwd "$(id -u)" | cut -d: -f6)
	base=${STEPWISE_TEST_HOME:-}
	if [ -n "$base" ] && [ -d "$base" ] && [ "$HOME" != "$real_home" ]; then
		ok "HOME is a private folder, not $real_home"
	else
		bad "HOME is private" "HOME=$HOME STEPWISE_TEST_HOME=$base"
	fi
	outside=""
	for v in HOME XDG_DATA_HOME XDG_CONFIG_HOME XDG_CACHE_HOME \
	    XDG_STATE_HOME XDG_RUNTIME_DIR XDG_DATA_DIRS XDG_CONFIG_DIRS; do
		under "${!v:-/nowhere}" "${base:-/nowhere}" || outside="$outside $v=${!v:-}"
	done
	[ -z "$outside" ] && ok "every XDG folder lies in the test's private folder" ||
	    bad "XDG folders outside the private folder:$outside"
	set_vars=""
	for v in STEPWISE_CONTENT_DIR STEPWISE_CA_FILE http_proxy https_proxy \
	    HTTP_PROXY HTTPS_PROXY ALL_PROXY LC_ALL LANGUAGE COLUMNS NO_COLOR; do
		[ -n "${!v+x}" ] && set_vars="$set_vars $v"
	done
	[ -z "$set_vars" ] && [ "$LANG" = C.UTF-8 ] && [ "$TZ" = UTC ] &&
	    ok "no user setting reaches the test; LANG and TZ are fixed" ||
	    bad "settings from outside the test" "set:$set_vars LANG=$LANG TZ=${TZ:-}"

	# The build tree's binaries use the checkout's content by themselves.
	"$SW" check-content >"$T/cc.out" 2>&1 &&
	    grep -qxF "$CONTENT: the content is valid: 8 modules, 21 lessons, 12 exercises, 2 measures." "$T/cc.out" &&
	    ok "stepwise from the build tree checks the checkout's content" ||
	    bad "stepwise's default content" "$(cat "$T/cc.out")"

	if ! under "$PREFIX" "$ROOT"; then
		echo "the prefix $PREFIX is outside the build folder: the install checks need" \
		    "a prefix inside it (tools/test.sh configures one)"
		finish
	fi
	mkdir -p "$PREFIX"
	# Root can make a mount namespace; anyone else tries a user namespace.
	if [ "$(id -u)" -eq 0 ]; then ns="unshare -m --propagation private"
	elif unshare -rm true 2>/dev/null; then ns="unshare -rm --propagation private"
	else skip_all "no mount namespace can be made here (not root, no user namespaces)"
	fi
	HERMETIC_IN_NS=1 $ns bash "$0" "$@" >"$T/ns.out" 2>&1; st=$?
	cat "$T/ns.out"
	n_ok=$(grep -c '^ok - ' "$T/ns.out")
	n_bad=$(grep -c '^FAIL - ' "$T/ns.out")
	pass=$((pass + n_ok)) fail=$((fail + n_bad))
	[ $st -eq 0 ] && [ "$n_ok" -ge 20 ] || bad "the checks in the mount namespace (status $st, $n_ok passed)"
	finish
fi

# ---- in the namespace: an empty tmpfs over the prefix ----
mount -t tmpfs -o mode=0755 stepwise-prefix "$PREFIX" ||
    { bad "mount a tmpfs over $PREFIX"; finish; }
[ -z "$(ls -A "$PREFIX")" ] && [ ! -e "$INSTALLED" ] &&
    ok "nothing is installed at $INSTALLED" || bad "the prefix is empty"

flow nothing-installed "$SW" "$SC" "$CONTENT"

mkdir -p "$(dirname "$INSTALLED")"
cp -r "$CONTENT" "$INSTALLED"
printf '{ "modules": [ {"id": "broken", ' >"$INSTALLED/programme.json"
flow broken-installed "$SW" "$SC" "$CONTENT"

# Copies installed in the prefix are installed programs: only the installed
# content counts, and a broken programme.json is named.
mkdir -p "$PREFIX/bin"
cp "$SW" "$SC" "$PREFIX/bin/"
ISW=$PREFIX/bin/$(basename "$SW") ISC=$PREFIX/bin/$(basename "$SC")
"$ISW" check-content >"$T/icc.out" 2>&1; st=$?
[ $st -eq 1 ] && grep -qF "$INSTALLED/programme.json" "$T/icc.out" &&
    ok "an installed stepwise checks the installed content and names its broken programme.json" ||
    bad "installed stepwise with broken content" "status $st
$(cat "$T/icc.out")"
"$ISC" results --dir "$T/nothing-installed/c" >"$T/ires.out" 2>&1; st=$?
[ $st -eq 1 ] && grep -qF "$INSTALLED/programme.json" "$T/ires.out" &&
    ok "an installed stepwise-clinic reads the installed content and names its broken file" ||
    bad "installed stepwise-clinic with broken content" "status $st
$(cat "$T/ires.out")"
cp "$CONTENT/programme.json" "$INSTALLED/programme.json"
flow installed-binaries "$ISW" "$ISC" "$INSTALLED"
finish
