#!/bin/bash
# run.sh: build the libFuzzer targets (clang, -Dfuzz=true, ASan and UBSan)
# and run each for a fixed time on its seed corpus, tests/fuzz/<target>/.
#   tests/fuzz/run.sh [BUILD-DIR] [TARGET...]     (default: build-fuzz, all)
# FUZZ_SECONDS: seconds per target (default 20; CI runs the default, a
# long run is e.g. FUZZ_SECONDS=3600). FUZZ_KEEP=DIR keeps the inputs each
# target found, in DIR/<target>/, to merge into a seed corpus by hand
# (fuzz-X -merge=1 tests/fuzz/X DIR/X). A crash, a leak or a hang (over 10
# s on one input) fails the run: the input is kept in the build folder as
# fuzz-artifacts/<target>-crash-..., and once its cause is fixed it goes
# into tests/fuzz/<target>/ so that every later run tries it first.
# Prints "N passed, N failed" and exits non-zero when a target failed.
set -u
cd "$(dirname "$0")/../.."
ROOT=$PWD
B=${1:-build-fuzz}
[ $# -gt 0 ] && shift
SECONDS_EACH=${FUZZ_SECONDS:-20}
ALL="proto lesson measure exercise programme safety enrollment reply request"
TARGETS=${*:-$ALL}

if [ ! -d "$B" ]; then
	CC=clang meson setup "$B" -Dfuzz=true -Db_sanitize=address,undefined \
	    -Db_lundef=false --prefix="$ROOT/$B/broken-install" >/dev/null ||
	    exit 1
fi
ninja -C "$B" >/dev/null || { ninja -C "$B"; exit 1; }
W=$(mktemp -d "${TMPDIR:-/tmp}/stepwise-fuzz-run.XXXXXX") || exit 1
trap 'rm -rf "$W"' EXIT
mkdir -p "$B/fuzz-artifacts"
pass=0 fail=0
for t in $TARGETS; do
	exe=$B/tests/fuzz/fuzz-$t
	mkdir -p "$W/$t"
	# The corpus found in this run first (libFuzzer writes into the first
	# folder), the checkout's seeds second, never written.
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    tests/tools/hermetic.sh "$exe" -max_total_time="$SECONDS_EACH" \
	    -timeout=10 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
	    -artifact_prefix="$ROOT/$B/fuzz-artifacts/$t-" \
	    "$W/$t" "tests/fuzz/$t" >"$W/$t.log" 2>&1
	st=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$W/$t.log")
	cov=$(grep -Eo 'cov: [0-9]+' "$W/$t.log" | tail -1)
	if [ $st -eq 0 ]; then
		pass=$((pass + 1))
		printf 'ok - fuzz-%s: %s runs in %s s, %s, no crash\n' "$t" \
		    "${runs:-?}" "$SECONDS_EACH" "${cov:-cov: ?}"
	else
		fail=$((fail + 1))
		printf 'FAIL - fuzz-%s (exit %d)\n' "$t" $st
		grep -E 'ERROR|SUMMARY|runtime error|Test unit written|^    #[0-9]' \
		    "$W/$t.log" | head -30 | sed 's/^/    /'
	fi
	if [ -n "${FUZZ_KEEP:-}" ]; then
		mkdir -p "$FUZZ_KEEP/$t"
		cp "$W/$t"/* "$FUZZ_KEEP/$t/" 2>/dev/null
	fi
done
echo "fuzz: $pass passed, $fail failed"
[ $fail -eq 0 ]
