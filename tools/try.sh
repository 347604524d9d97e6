#!/bin/sh
# try.sh: install what is missing, build and install Stepwise, and start it
# on the bundled content. The first command in README.md.
set -eu
cd "$(dirname "$0")/.."
tools/install-deps.sh
[ -d build ] || meson setup build --prefix=/usr/local
meson install -C build --quiet
exec stepwise "$@"
