#!/bin/bash
# no_libcurl.sh: a computer whose libcurl cannot be loaded. Everything but
# the sync works (a check-in is saved); the sync fails in words that say
# so ("libcurl could not be loaded: " and the loader's reason), kept as the
# last error, and nothing is lost: once libcurl loads again, the check-in
# goes. libcurl is made unloadable for one stepwise at a time, in a mount
# namespace of its own (unshare -m, as root) where each file the loader's
# cache gives for the soname is covered by /dev/null; skipped (77) where
# that cannot be made.
#   no_libcurl.sh STEPWISE STEPWISE-CLINIC SW-SEED CONTENT-DIR SW-PROXY SONAME
. "$(dirname "$0")/lib.sh"

SONAME=${6:?usage: $0 STEPWISE STEPWISE-CLINIC SW-SEED CONTENT-DIR SW-PROXY SONAME}
files=$(ldconfig -p | awk -v s="$SONAME" '$1 == s { print $NF }')
[ -n "$files" ] || skip_all "the loader's cache has no $SONAME"
cover=
for f in $files; do cover="$cover mount --bind /dev/null $f &&"; done
unshare -m sh -c "$cover true" 2>/dev/null ||
    skip_all "cannot cover $SONAME in a mount namespace here (it needs root)"
# nolib ARGS...: stepwise on profile p with libcurl covered, the
# passphrase on descriptor 3.
nolib() {
	unshare -m sh -c "$cover exec \"\$0\" \"\$@\"" "$SW" --content "$CONTENT" \
	    --data-dir "$T/p" --passphrase-fd 3 "$@" 3<<<"$PW"
}

make_clinic "$T/c" || finish
start_server srv "$T/c" || finish
set_url "$T/c" "http://127.0.0.1:${PORT[srv]}"
make_patient p "$T/c" R1 || finish

nolib sync >"$T/sync.out" 2>&1; st=$?
[ $st -ne 0 ] && grep -q "libcurl could not be loaded: .*$SONAME" "$T/sync.out" &&
    ok "stepwise sync without libcurl fails, saying libcurl could not be loaded and why" ||
    bad "stepwise sync without libcurl" "exit $st
$(cat "$T/sync.out")"
expect "nothing reached the clinic" 0 "$(clinic_count "$T/c")"
nolib status >"$T/status.out" 2>&1
grep -q "Last error: libcurl could not be loaded" "$T/status.out" &&
    ok "stepwise status gives it as the last error" ||
    bad "stepwise status" "$(cat "$T/status.out")"

printf '1\n2\n0\n1\n0\n3\n0\n1\n0\n1\n\n' | nolib --plain checkin phq9 \
    >"$T/checkin.out" 2>&1; st=$?
[ $st -eq 0 ] && grep -q "total is 8 out of 27" "$T/checkin.out" &&
    ok "a check-in without libcurl is saved" ||
    bad "plain check-in without libcurl" "exit $st
$(tail -20 "$T/checkin.out")"
id=$(export_ids p)
expect "the profile holds it" 1 "$(echo "$id" | grep -c .)"

sts=$(sync_until p 5)
expect "with libcurl back, stepwise sync sends it and then has nothing to do" 3 "${sts##* }" "$(cat "$T/p.syncs")"
expect "the clinic holds the check-in" "$id" "$(clinic_ids "$T/c")"
finish
