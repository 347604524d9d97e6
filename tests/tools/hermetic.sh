#!/bin/sh
# hermetic.sh: run one test with none of this machine's own state. The
# default test setup (tests/meson.build) runs every test through it.
#   hermetic.sh COMMAND [ARGS...]
# HOME and every XDG folder point into a new private folder, removed after
# (kept with KEEP=1); the variables through which the programs, libcurl or
# the C library would read the user's settings are cleared; the locale and
# the time zone are fixed. A test that wants another locale sets its own.
set -u
h=$(mktemp -d "${TMPDIR:-/tmp}/stepwise-home.XXXXXXXX") || exit 99
mkdir -m 700 "$h/home" "$h/run" "$h/share" "$h/etc" || exit 99
export HOME="$h/home"
export XDG_DATA_HOME="$h/home/.local/share"
export XDG_STATE_HOME="$h/home/.local/state"
export XDG_CONFIG_HOME="$h/home/.config"
export XDG_CACHE_HOME="$h/home/.cache"
export XDG_RUNTIME_DIR="$h/run"
export XDG_DATA_DIRS="$h/share"
export XDG_CONFIG_DIRS="$h/etc"
export STEPWISE_TEST_HOME="$h"
# Stepwise's own settings, the terminal's size and colours, a tmux around
# the test run, and proxies libcurl would send loopback traffic through.
unset STEPWISE_CONTENT_DIR STEPWISE_CA_FILE COLUMNS LINES NO_COLOR \
    TMUX TMUX_PANE TMUX_TMPDIR \
    http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy \
    NO_PROXY no_proxy CURL_CA_BUNDLE SSL_CERT_FILE SSL_CERT_DIR \
    LANGUAGE LC_ALL
for v in $(env | sed -n 's/^\(LC_[A-Z_]*\)=.*/\1/p'); do
	unset "$v"
done
export LANG=C.UTF-8 TZ=UTC
trap 'rm -rf "$h"; exit 143' HUP INT TERM
"$@"
st=$?
if [ "${KEEP:-0}" = 1 ]; then
	echo "hermetic.sh: kept $h" >&2
else
	rm -rf "$h"
fi
exit $st
