#!/bin/sh
# test.sh: install what is missing, build, and run the whole test suite:
# once in a normal build, then again built with AddressSanitizer and
# UndefinedBehaviorSanitizer and -Werror; then the main flows under
# valgrind (tests/valgrind/flows.sh); then the fuzz targets for a
# short fixed time each (tests/fuzz/run.sh, clang, build-fuzz). The second
# command in README.md, and exactly what .ci/run calls.
#   tools/test.sh                                  both builds
#   tools/test.sh BUILD-DIR [MESON-SETUP-OPTIONS]  one build (development)
# The suite never sees an installed Stepwise: each build's prefix is a
# folder inside it (so the content path compiled into the binaries is
# there, never /usr/local), and before the tests run a real install is made
# into it with a broken programme.json, which no test may notice. The
# hermetic test (tests/cli/test_hermetic.sh) checks the rest: nothing
# installed, a broken install, and installed copies that use only their own
# content. Every test has a private HOME (tests/tools/hermetic.sh).
set -eu
cd "$(dirname "$0")/.."
tools/install-deps.sh
unset STEPWISE_CONTENT_DIR STEPWISE_CA_FILE

# suite DIR [MESON-SETUP-OPTIONS]: configure, build and test one build dir;
# prints "N passed, M failed" and returns non-zero when a test failed.
suite() {
	dir=$1
	shift
	prefix=$PWD/$dir/broken-install
	if [ -d "$dir" ]; then
		meson setup --reconfigure "$dir" --prefix="$prefix" "$@" >/dev/null
	else
		meson setup "$dir" --prefix="$prefix" "$@"
	fi
	ninja -C "$dir"
	rm -rf "$prefix"
	meson install -C "$dir" --no-rebuild --quiet >/dev/null
	printf '{ "modules": [ {"id": "broken", ' \
	    >"$prefix/share/stepwise/content/programme.json"
	status=0
	meson test -C "$dir" --print-errorlogs --num-processes 2 || status=$?
	python3 tools/test-summary.py "$dir/meson-logs/testlog.json" |
	    tee -a "$sums"
	return $status
}

# step COMMAND...: one more step of the run, its closing "N passed, M
# failed" line kept for the total.
step() {
	log=$(mktemp)
	{ "$@" && echo 0 >"$log.st" || echo $? >"$log.st"; } 2>&1 | tee "$log"
	st=$(cat "$log.st")
	line=$(grep -E '^([a-z]+: )?[0-9]+ passed, [0-9]+ failed' "$log" |
	    tail -1 | sed 's/^[a-z]*: //')
	# A step that failed without counting is one failure.
	[ -n "$line" ] || { [ "$st" -eq 0 ] && line="0 passed, 0 failed" ||
	    line="0 passed, 1 failed"; }
	echo "$line" >>"$sums"
	rm -f "$log" "$log.st"
	return "$st"
}

sums=$(mktemp)
trap 'rm -f "$sums"' EXIT
if [ $# -gt 0 ]; then
	suite "$@"
	exit
fi
failed=0
suite build-test || failed=1
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	suite build-sanitize -Db_sanitize=address,undefined -Db_lundef=false \
	    -Dwerror=true || failed=1
# The main flows under valgrind's memcheck, on the normal build.
step tests/tools/hermetic.sh tests/valgrind/flows.sh build-test || failed=1
step tests/fuzz/run.sh build-fuzz || failed=1
# One closing line for the whole run.
awk '{ p += $1; f += $3 } END { printf "all: %d passed, %d failed\n", p, f }' "$sums"
exit $failed
