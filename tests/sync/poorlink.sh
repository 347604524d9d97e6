#!/bin/bash
# poorlink.sh: 200 records over a poor link (64 kbit/s, 400 ms of queue,
# 3% of packets to the server dropped) arrive exactly once, however many
# runs of stepwise sync it takes. Runs in its own network namespace
# (unshare -n), so the shaping touches nothing else; skipped (77) where
# that cannot be done.
#   poorlink.sh STEPWISE STEPWISE-CLINIC SW-SEED CONTENT-DIR SW-PROXY
if [ "${SW_POORLINK_NETNS:-}" != 1 ]; then
	for t in unshare ip tc nft; do
		command -v $t >/dev/null || { echo "SKIP: no $t"; exit 77; }
	done
	unshare -n true 2>/dev/null || { echo "SKIP: unshare -n does not work here (it needs root or user namespaces)"; exit 77; }
	SW_POORLINK_NETNS=1 exec unshare -n bash "$0" "$@"
fi
. "$(dirname "$0")/lib.sh"
N=200

ip link set lo up && ip link set lo mtu 1500 || skip_all "cannot bring up lo in the namespace"
tc qdisc add dev lo root tbf rate 64kbit burst 4kb latency 400ms 2>"$T/tc.err" ||
    skip_all "tc tbf does not work here: $(cat "$T/tc.err")"
make_clinic "$T/c" && start_server srv "$T/c" || finish
set_url "$T/c" "http://127.0.0.1:${PORT[srv]}"
{ nft add table inet t &&
  nft add chain inet t c '{ type filter hook input priority 0; }' &&
  nft add rule inet t c tcp dport "${PORT[srv]}" numgen random mod 100 '<' 3 counter drop; } 2>"$T/nft.err" ||
    skip_all "nftables does not work here: $(cat "$T/nft.err")"
ok "lo: 64 kbit/s, 400 ms, 3% of packets to port ${PORT[srv]} dropped"

make_profile p && seed p phq9 1,2,1,2,1,2,1,2,0 1700000000 $N || finish
enroll_file "$T/c" R1 "$T/p.stepwise" && enroll p "$T/p.stepwise" || finish
t0=$(date +%s)
s=$(sync_until p 20); st=$?
t=$(( $(date +%s) - t0 ))
echo "# sync statuses:$s; $t s; $(nft list ruleset | grep -o 'packets [0-9]* bytes [0-9]*' | head -1) dropped"
[ $st -eq 0 ] && ok "synced within 20 runs of stepwise sync (statuses:$s)" || bad "did not finish in 20 runs:$s" "$(tail -30 "$T/p.syncs")"
for x in $s; do
	case $x in 0|3|4) ;; *) bad "a sync ended with status $x (only 0, 3 or 4 are expected)"; break ;; esac
done
[ $t -ge 5 ] && ok "the link really was slow ($t s for about 100 KB)" || bad "the shaping had no effect ($t s)"
expect "$N rows at the clinic" $N "$(clinic_count "$T/c")"
expect "$N distinct records" $N "$(clinic_distinct "$T/c")"
want=$(export_ids p); got=$(clinic_ids "$T/c")
[ -n "$want" ] && [ "$want" = "$got" ] && ok "the clinic's ids are the profile's export ids" ||
    bad "ids differ" "$(diff <(echo "$want") <(echo "$got") | head)"
finish
