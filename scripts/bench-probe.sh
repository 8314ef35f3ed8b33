#!/bin/bash
# scripts/bench-probe.sh — how the probe engine scales with partners.
#
# N partner domains (p1.bench.test ... pN.bench.test, served by a Knot on
# loopback) whose peer waits DELAY ms before it answers, then does a full
# STARTTLS handshake (tests/tools/hostile, mode tls). In one run:
#   1. xmppcut probe of all N at -j N
#   2. xmppcut probe of one domain
#   3. a sequential loop of openssl s_client -starttls xmpp-server over
#      the same N (the baseline)
# It prints wall time and peak RSS of each, the ratio all/one (target: at
# most 3) and the ratio against the sequential baseline.
#
#   scripts/bench-probe.sh [N [DELAY_MS]]     (default 500 200)
set -eu
cd "$(dirname "$0")/.."
n=${1:-500}
delay=${2:-200}
x=${XMPPCUT:-$PWD/xmppcut}
hostile=${HOSTILE:-$PWD/tests/tools/hostile}
[ -x "$hostile" ] || make -s tests/tools/hostile
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time (apt-get install time)"; exit 3; }
dir=$(mktemp -d)
pids=""
# every kill may fail (a process already gone, knotd no group leader):
# none may stop the others (set -e)
trap 'for p in $pids; do kill -- -"$p" 2>/dev/null || :; kill "$p" 2>/dev/null || :; done; [ -n "${KEEP:-}" ] || rm -rf "$dir"' 0
ulimit -n 4096 2>/dev/null || true

free_port() {
	for _ in $(seq 1 50); do
		# below the ephemeral range (32768-): see tests/lib.sh
		p=$(( (RANDOM << 15 | RANDOM) % 22768 + 10000 ))
		ss -Htuan | awk '{print $5}' | grep -q ":$p\$" || { echo "$p"; return; }
	done
}
addr=127.$((RANDOM % 100 + 20)).$((RANDOM % 250 + 1)).7
dnsport=$(free_port)

# A CA and one wildcard certificate for every partner.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$dir/ca.key" -out "$dir/ca.pem" -days 2 -subj "/CN=bench CA" \
    -addext "basicConstraints=critical,CA:true" >/dev/null 2>&1
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$dir/peer.key" -out "$dir/peer.csr" -subj "/CN=*.bench.test" >/dev/null 2>&1
printf 'subjectAltName = DNS:*.bench.test\nextendedKeyUsage = serverAuth, clientAuth\n' >"$dir/ext"
openssl x509 -req -in "$dir/peer.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" \
    -CAcreateserial -days 2 -extfile "$dir/ext" -out "$dir/peer.pem" >/dev/null 2>&1

# The zone: every partner's SRV names the one peer.
{
	printf '$ORIGIN bench.test.\n$TTL 3600\n'
	printf '@ SOA ns hostmaster 1 3600 600 86400 300\n@ NS ns\nns A 127.0.0.1\n'
	printf 'peer A %s\n' "$addr"
	for i in $(seq 1 "$n"); do
		printf '_xmpp-server._tcp.p%d SRV 0 0 5269 peer\n' "$i"
	done
} >"$dir/bench.test.zone"
mkdir -p "$dir/db"
cat >"$dir/knot.conf" <<EOF
server:
    rundir: "$dir"
    user: root:root
    listen: 127.0.0.1@$dnsport
database:
    storage: "$dir/db"
template:
  - id: default
    storage: "$dir"
zone:
  - domain: bench.test
EOF
knotd -c "$dir/knot.conf" >"$dir/knot.log" 2>&1 &
pids="$pids $!"
setsid "$hostile" --cert "$dir/peer.pem" --key "$dir/peer.key" --delay "$delay" \
    --workers "$n" "$addr:5269=tls" >"$dir/hostile.log" 2>&1 &
pids="$pids $!"
for _ in $(seq 1 100); do
	dig +short +time=1 @127.0.0.1 -p "$dnsport" _xmpp-server._tcp.p1.bench.test SRV |
	    grep -q peer && grep -q ready "$dir/hostile.log" && break
	sleep 0.05
done

opts="--stub bench.test=127.0.0.1@$dnsport --ca $dir/ca.pem --timeout 10"
domains=$(seq -f 'p%g.bench.test' 1 "$n")
measure() { # measure NAME COMMAND...: wall (s) and peak RSS (KiB)
	local name=$1
	shift
	/usr/bin/time -f '%e %M %U %S' -o "$dir/time" "$@" >"$dir/$name.out" 2>&1 || true
	tail -n 1 "$dir/time" >"$dir/time.last"
	read -r t r u s <"$dir/time.last"
	printf '%-22s %8.2f s %9d KiB  (CPU %.2f s user, %.2f s sys)\n' \
	    "$name" "$t" "$r" "$u" "$s"
	eval "T_$name=$t"
}
echo "$n partner domains, each peer waits $delay ms before answering"
echo "                           wall    peak RSS"
peer_cpu() { # nanoseconds on CPU of the peer's processes so far: their
	# schedstat (exact), not their clock ticks (10 ms each: a worker's
	# handshake rounds to 0)
	local t=0 p v
	for p in $(pgrep -s "${pids##* }" 2>/dev/null); do
		v=$(awk '{print $1}' "/proc/$p/schedstat" 2>/dev/null) || v=0
		t=$((t + ${v:-0}))
	done
	echo "$t"
}
before=$(peer_cpu)
# shellcheck disable=SC2086
measure all "$x" $opts -j "$n" --json probe $domains
peer=$(( $(peer_cpu) - before ))
reached=$(jq '.reachable' "$dir/all.out")
# shellcheck disable=SC2086
measure one "$x" $opts --json probe p1.bench.test
cat >"$dir/seq.sh" <<EOF
for i in \$(seq 1 $n); do
	openssl s_client -connect $addr:5269 -starttls xmpp-server \\
	    -xmpphost p\$i.bench.test -CAfile $dir/ca.pem \\
	    -verify_hostname p\$i.bench.test </dev/null >/dev/null 2>&1
done
EOF
[ -n "${NO_BASELINE:-}" ] && { T_sequential_s_client=1; } || measure sequential_s_client bash "$dir/seq.sh"
echo "reachable: $reached of $n; the peers used $(awk -v t="$peer" 'BEGIN { printf "%.3f", t / 1e9 }') s of CPU during 'all'"
echo "(the peers run on this machine: every TLS handshake costs CPU on both sides)"
awk -v a="$T_all" -v o="$T_one" -v s="$T_sequential_s_client" 'BEGIN {
	printf "all / one:        %.2f (target: <= 3)\n", a / o
	printf "all / sequential: %.3f (%.0fx faster)\n", a / s, s / a
	exit !(a <= 3 * o)
}' && echo "target met" || { echo "target NOT met"; exit 1; }
[ "$reached" = "$n" ] || { echo "not every domain was reachable"; exit 1; }
