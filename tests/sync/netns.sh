# netns.sh: sourced first (before lib.sh) by a sync test that runs in a
# network namespace of its own: outside one, it runs the script again
# under unshare -n, with the same arguments; where that cannot be done,
# or one of the commands named in NETNS_NEEDS is missing, the test is
# skipped (77, meson's word for it).
if [ "${SW_NETNS:-}" != 1 ]; then
	for t in unshare ip tc nft ${NETNS_NEEDS:-}; do
		command -v $t >/dev/null || { echo "SKIP: no $t"; exit 77; }
	done
	unshare -n true 2>/dev/null || { echo "SKIP: unshare -n does not work here (it needs root or user namespaces)"; exit 77; }
	SW_NETNS=1 exec unshare -n bash "$0" "$@"
fi
