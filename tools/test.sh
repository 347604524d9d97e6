#!/bin/sh
# test.sh: install what is missing, build, and run the whole test suite:
# once in a normal build, then again built with AddressSanitizer and
# UndefinedBehaviorSanitizer and -Werror. The second command in README.md,
# and exactly what .ci/run calls.
#   tools/test.sh                                  both builds
#   tools/test.sh BUILD-DIR [MESON-SETUP-OPTIONS]  one build (development)
set -eu
cd "$(dirname "$0")/.."
tools/install-deps.sh

# suite DIR [MESON-SETUP-OPTIONS]: configure, build and test one build dir;
# prints "N passed, M failed" and returns non-zero when a test failed.
suite() {
	dir=$1
	shift
	if [ -d "$dir" ]; then
		meson setup --reconfigure "$dir" "$@" >/dev/null
	else
		meson setup "$dir" "$@"
	fi
	ninja -C "$dir"
	status=0
	meson test -C "$dir" --print-errorlogs --num-processes 2 || status=$?
	python3 tools/test-summary.py "$dir/meson-logs/testlog.json"
	return $status
}

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
exit $failed
