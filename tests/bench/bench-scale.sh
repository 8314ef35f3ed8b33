#!/bin/bash
# tests/bench/bench-scale.sh — is a probe's cost flat in the number of
# partners?
#
#   tests/bench/bench-scale.sh [N...]      (default 500 2000 5000)
#
# One lab (tests/bench/bench-lib.sh) for the largest N: a DNSSEC-signed
# zone, peers that answer after DELAY_MS (default 200) on CPU 0, a peer
# process a 2,000 partners. For each N: CPU per probe (median of REPEAT)
# of xmppcut probe of partners 1..N at -j N, and of the floor client
# over the same N; a quadratic step shows as a per-probe cost that grows
# with N, the floor's line says how much of it the kernel and the peers
# account for.
. "$(dirname "$0")/bench-lib.sh"
[ $# -gt 0 ] || set -- 500 2000 5000
max=0
for n in "$@"; do [ "$n" -gt "$max" ] && max=$n; done
bench_setup "$max" "${DELAY_MS:-200}"
echo "bench.test DNSSEC-signed ($max partners), peers answer after ${DELAY_MS:-200} ms, hosts $HOSTS; median of $REPEAT runs"
for n in "$@"; do
	bench_xmppcut "xmppcut, N=$n" "$n" p --ca "$B_CA"
	x=$B_cpu
	bench_floor "floor, N=$n" "$n" p
	awk -v x="$x" -v f="$B_cpu" 'BEGIN { printf "%-30s %6.2f\n", "xmppcut / floor", x / f }'
done
