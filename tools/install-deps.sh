#!/bin/sh
# install-deps.sh: install, from Debian's packages, everything Stepwise needs
# to build, run and be tested. Installs only what is missing; safe to rerun.
set -eu

packages="gcc meson ninja-build pkg-config gettext
libncurses-dev libcurl4-openssl-dev libcjson-dev check libsodium-dev
libsqlite3-dev libcmark-dev libmicrohttpd-dev zlib1g-dev
libpwquality-dev cracklib-runtime
tmux diction faketime python3 openssl xxd sqlite3 iproute2 nftables
curl ca-certificates time procps strace nodejs"
# npm comes with some builds of nodejs; Debian's own is a package of its own.
command -v npm >/dev/null 2>&1 || packages="$packages npm"

# The FHIR checkers the test suite runs (tests/fhir/check.js), from npm at
# the versions tests/fhir/package-lock.json pins, into tests/fhir/node_modules
# (not committed): npm ci again only when the lockfile changed since.
fhir_checkers() {
	dir=$(dirname "$0")/../tests/fhir
	if ! cmp -s "$dir/package-lock.json" "$dir/node_modules/.package-lock.json.ci" 2>/dev/null; then
		echo "install-deps: npm ci in tests/fhir (the FHIR checkers)"
		# Without them only the fhir test fails (and says why); the
		# programs build and run.
		if (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error); then
			cp "$dir/package-lock.json" "$dir/node_modules/.package-lock.json.ci"
		else
			echo "install-deps: npm ci in tests/fhir failed: the fhir test will fail until it succeeds" >&2
		fi
	fi
}

missing=""
for p in $packages; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && { fhir_checkers; exit 0; }

if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		exec sudo "$0" "$@"
	fi
	echo "install-deps: run as root to install:$missing" >&2
	exit 1
fi
echo "install-deps: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing
fhir_checkers
