#!/bin/bash
# tests/bench/bench-latency.sh — does a latency-bound run scale?
#
#   tests/bench/bench-latency.sh [N [DELAY_MS]]      (default 300 1000)
#
# N partners in a DNSSEC-signed zone whose peers answer after DELAY_MS
# (tests/bench/bench-lib.sh; peers and Knot on CPU 0, the client on CPU
# 1). Wall time of xmppcut probe of all N at -j N against one partner's
# (goal: at most 1.3), and as the baseline in the same run the floor
# client (tests/bench/floor, no DNS) over the same N and one: what the
# peers, handshaking on one CPU, allow at best. Also the DNS phase: how
# long after the start the last partner's first connection began.
. "$(dirname "$0")/bench-lib.sh"
n=${1:-300}
delay=${2:-1000}
bench_setup "$n" "$delay"
echo "$n partners, bench.test DNSSEC-signed, peers answer after $delay ms, hosts $HOSTS; median of $REPEAT runs"
bench_xmppcut xmppcut "$n" p --ca "$B_CA"
all=$B_wall
dns=$(jq -r '[.domains[] | .ms - (.attempts[0].ms // 0)] | max' "$B_DIR/xmppcut.out")
# shellcheck disable=SC2086
bench_run one "$X" $B_OPTS --ca "$B_CA" --json probe p1.bench.test
one=$B_wall
echo "xmppcut, one partner              wall $one s"
bench_floor floor "$n" p
fall=$B_wall
bench_run floor1 "$FLOOR" -c "$B_CA" "p1.bench.test=$B_NET.1:5269"
fone=$B_wall
echo "floor, one partner                wall $fone s"
echo "the last partner's first connection began ${dns} ms after the start (DNS phase)"
awk -v a="$all" -v o="$one" -v fa="$fall" -v fo="$fone" 'BEGIN {
	printf "xmppcut all / one:  %.2f (goal <= 1.3)\n", a / o
	printf "floor all / one:    %.2f (the peers on one CPU allow no better)\n", fa / fo
	exit !(a <= 1.3 * o)
}' && echo "goal met" || echo "goal NOT met"
