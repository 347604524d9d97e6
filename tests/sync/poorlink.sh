#!/bin/bash
# poorlink.sh: 200 records over a poor link (64 kbit/s, 400 ms of queue,
# 3% of packets to the server dropped) arrive exactly once, however many
# runs of stepwise sync it takes; the kernel's counters show the link was
# really shaped and lossy. Runs in its own network namespace (unshare -n),
# so the shaping touches nothing else; skipped (77) where that cannot be
# done. How long it takes is measured by tools/bench-sync.sh.
#   poorlink.sh STEPWISE STEPWISE-CLINIC SW-SEED CONTENT-DIR SW-PROXY
. "$(dirname "$0")/netns.sh"
. "$(dirname "$0")/lib.sh"
N=200

ip link set lo up && ip link set lo mtu 1500 || skip_all "cannot bring up lo in the namespace"
tc qdisc add dev lo root tbf rate 64kbit burst 4kb latency 400ms 2>"$T/tc.err" ||
    skip_all "tc tbf does not work here: $(cat "$T/tc.err")"
make_clinic "$T/c" && start_server srv "$T/c" || finish
set_url "$T/c" "http://127.0.0.1:${PORT[srv]}"
# Random loss of 3%: over the hundred or so packets of this upload that
# can mean no drop at all now and then (0.97^100 is about 5%), so one
# packet, the 25th to the server, is also dropped every time: the counters
# below can then prove that loss was on the path, and the random rule
# counts what it saw and dropped.
{ nft add table inet t &&
  nft add counter inet t seen && nft add counter inet t lost && nft add counter inet t forced &&
  nft add chain inet t c '{ type filter hook input priority 0; }' &&
  nft add rule inet t c tcp dport "${PORT[srv]}" numgen inc mod 1000 == 24 counter name forced drop &&
  nft add rule inet t c tcp dport "${PORT[srv]}" counter name seen numgen random mod 100 '<' 3 counter name lost drop; } 2>"$T/nft.err" ||
    skip_all "nftables does not work here: $(cat "$T/nft.err")"
ok "lo: 64 kbit/s, 400 ms; packets to port ${PORT[srv]}: 3% dropped at random, and the 25th"
# nft_packets COUNTER: its packet count.
nft_packets() { nft list counter inet t "$1" | sed -n 's/.*packets \([0-9]*\).*/\1/p'; }

make_profile p && seed p phq9 1,2,1,2,1,2,1,2,0 1700000000 $N || finish
enroll_file "$T/c" R1 "$T/p.stepwise" && enroll p "$T/p.stepwise" || finish
s=$(sync_until p 20); st=$?
[ $st -eq 0 ] && ok "synced within 20 runs of stepwise sync (statuses:$s)" || bad "did not finish in 20 runs:$s" "$(tail -30 "$T/p.syncs")"
for x in $s; do
	case $x in 0|3|4) ;; *) bad "a sync ended with status $x (only 0, 3 or 4 are expected)"; break ;; esac
done
seen=$(nft_packets seen) lost=$(nft_packets lost) forced=$(nft_packets forced)
echo "# nftables: $seen packets to the server met the random rule, $lost of them dropped; $forced dropped by the fixed rule"
[ "${forced:-0}" -ge 1 ] && [ "${seen:-0}" -ge 25 ] &&
    ok "packets to the server were dropped on the way ($((lost + forced)) of $((seen + forced)))" ||
    bad "no loss on the path: nftables counters seen=$seen lost=$lost forced=$forced" "$(nft list ruleset)"
# tbf: "Sent B bytes P pkt (dropped D, overlimits O requeues R)".
qd=$(tc -s qdisc show dev lo)
over=$(echo "$qd" | sed -n 's/.*overlimits \([0-9]*\).*/\1/p' | head -1)
[ "${over:-0}" -gt 0 ] && ok "tbf held packets back at 64 kbit/s (overlimits $over)" || bad "tbf never limited the rate" "$qd"
expect "$N rows at the clinic" $N "$(clinic_count "$T/c")"
expect "$N distinct records" $N "$(clinic_distinct "$T/c")"
want=$(export_ids p); got=$(clinic_ids "$T/c")
[ -n "$want" ] && [ "$want" = "$got" ] && ok "the clinic's ids are the profile's export ids" ||
    bad "ids differ" "$(diff <(echo "$want") <(echo "$got") | head)"
finish
