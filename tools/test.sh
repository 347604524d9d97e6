#!/bin/sh
# test.sh: install what is missing, build, and run the whole test suite.
# The second command in README.md, and what .ci/run calls.
#   tools/test.sh [BUILD-DIR [MESON-SETUP-OPTIONS...]]
set -eu
cd "$(dirname "$0")/.."
tools/install-deps.sh
dir=${1:-build-test}
[ $# -gt 0 ] && shift
if [ -d "$dir" ]; then
	meson setup --reconfigure "$dir" "$@" >/dev/null
else
	meson setup "$dir" "$@"
fi
ninja -C "$dir"
status=0
meson test -C "$dir" --print-errorlogs --num-processes 2 || status=$?
python3 tools/test-summary.py "$dir/meson-logs/testlog.json"
exit $status
