#!/bin/bash
# scripts/bench-lint.sh — how xmppcut lint scales with a large zone.
#
# Generates a zone of 2*N records (N XMPP SRV records, each naming its own
# host, and N A records: the worst case, since every SRV matters to XMPP)
# and times, on the same file in the same run, xmppcut lint against
# ldns-read-zone and named-checkzone: wall time and peak RSS of each, and
# the ratios. Target: lint no slower than ldns-read-zone, with at most a
# quarter of its peak memory.
#
#   scripts/bench-lint.sh [N]        (default N = 200000)
set -eu
cd "$(dirname "$0")/.."
n=${1:-200000}
x=${XMPPCUT:-./xmppcut}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' 0
zone=$dir/example.com.zone

awk -v n="$n" 'BEGIN {
	print "$ORIGIN example.com."
	print "$TTL 3600"
	print "@ IN SOA ns1 hostmaster 1 3600 600 86400 300"
	print "@ IN NS ns1"
	print "ns1 IN A 192.0.2.53"
	for (i = 0; i < n; i++) {
		printf "_xmpp-server._tcp.d%d IN SRV 0 0 5269 h%d\n", i, i
		printf "h%d IN A 10.%d.%d.%d\n", i, int(i / 65536) % 256, int(i / 256) % 256, i % 256
	}
}' >"$zone"
records=$(grep -c ' IN ' "$zone")
printf 'zone: %s records (%s SRV, %s A), %s bytes\n' "$records" "$n" "$n" "$(stat -c %s "$zone")"

# The three tools run in turns, ROUNDS times (this machine is noisy: a
# neighbour's load hits all three alike), and each one's median wall time
# and largest peak RSS (KiB) are compared.
rounds=${ROUNDS:-5}
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time (apt-get install time)"; exit 3; }
run() { # run NAME COMMAND...: appends "wall rss" to $dir/NAME
	local name=$1
	shift
	/usr/bin/time -f '%e %M' -o "$dir/t" "$@" >/dev/null 2>&1 || true
	cat "$dir/t" >>"$dir/$name"
}
for _ in $(seq 1 "$rounds"); do
	run lint "$x" lint --origin example.com "$zone"
	run ldns_read_zone ldns-read-zone "$zone"
	run named_checkzone named-checkzone -q example.com "$zone"
done
echo "                   median wall   peak RSS   ($rounds rounds, in turns)"
for name in lint ldns_read_zone named_checkzone; do
	t=$(cut -d' ' -f1 "$dir/$name" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
	r=$(cut -d' ' -f2 "$dir/$name" | sort -n | tail -1)
	printf '%-16s %10.2f s %10d KiB\n' "$name" "$t" "$r"
	eval "T_$name=$t R_$name=$r"
done
awk -v tl="$T_lint" -v tr="$T_ldns_read_zone" -v tn="$T_named_checkzone" \
    -v rl="$R_lint" -v rr="$R_ldns_read_zone" -v rn="$R_named_checkzone" 'BEGIN {
	printf "lint / ldns-read-zone:   time %.2f, memory %.2f (targets: <= 1.00, <= 0.25)\n", tl / tr, rl / rr
	printf "lint / named-checkzone:  time %.2f, memory %.2f\n", tl / tn, rl / rn
	exit !(tl <= tr && rl <= rr / 4)
}' && echo "targets met" || { echo "targets NOT met"; exit 1; }

# Instructions are repeatable where seconds are not: with INSTR=1, count
# them with callgrind on a zone a tenth the size.
if [ -n "${INSTR:-}" ] && command -v valgrind >/dev/null; then
	small=$dir/small.zone
	head -n $((5 + n / 5)) "$zone" >"$small"
	for cmd in "$x lint --origin example.com" "ldns-read-zone" "named-checkzone -q example.com"; do
		# shellcheck disable=SC2086
		valgrind --tool=callgrind --callgrind-out-file="$dir/cg" $cmd "$small" >/dev/null 2>&1 || true
		printf '%-36s %15s instructions\n' "${cmd%% *}" \
		    "$(sed -n 's/^summary: //p' "$dir/cg")"
	done
fi
