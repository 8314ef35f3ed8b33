# tests/bench/bench-lib.sh — what the probe benchmarks share (sourced).
#
# bench_setup N DELAY_MS starts, on loopback:
#   - a Knot serving bench.test, DNSSEC-signed by Knot itself (an ECDSA
#     P-256 key made by keymgr, signing on), whose DS is the trust anchor
#     $B_TA; partners p1..pN.bench.test (PKIX) and d1..dN.bench.test
#     (DANE: the target has TLSA 3 1 1 of the peers' key);
#   - peers (tests/tools/hostile, mode tls: STARTTLS, a TLS 1.3 handshake
#     with a *.bench.test certificate of the CA $B_CA, then features with
#     dialback) that wait DELAY_MS before answering, one process a 2,000
#     partners, each on its own loopback address with as many workers.
# Every partner's SRV names its peer's host (HOSTS=shared, default: all
# partners of a peer on one host, as hosting providers do) or a host of
# its own (HOSTS=distinct: no two lookups alike). ALG=rsasha256 signs the
# zone with RSA (2048 bits) instead of ECDSA P-256. Knot and the peers run
# on CPU 0, the measured client on CPU 1 (taskset): user+sys of the client
# is its own cost, not the peers'. Everything is stopped by PID on exit.
set -eu
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
X=${XMPPCUT:-$top/xmppcut}
HOSTILE=${HOSTILE:-$top/tests/tools/hostile}
FLOOR=${FLOOR:-$top/tests/bench/floor}
REPEAT=${REPEAT:-3}
HOSTS=${HOSTS:-shared}
ALG=${ALG:-ecdsap256sha256}	# the zone's DNSSEC algorithm (or rsasha256)
[ -x "$HOSTILE" ] || make -C "$top" -s tests/tools/hostile
[ -x "$FLOOR" ] || make -C "$top" -s tests/bench/floor
for t in knotd keymgr dig taskset jq openssl; do
	command -v "$t" >/dev/null || { echo "needs $t"; exit 77; }
done
[ "$(nproc)" -ge 2 ] || { echo "needs 2 CPUs (peers on one, the client on the other)"; exit 77; }
B_DIR=$(mktemp -d)
B_PIDS=""
bench_stop() { # every kill may fail (set -e): none may stop the others
	for p in $B_PIDS; do
		kill -- -"$p" 2>/dev/null || :
		kill "$p" 2>/dev/null || :
	done
	for p in $B_PIDS; do
		while kill -0 "$p" 2>/dev/null; do sleep 0.05; done
	done
	B_PIDS=""
	[ -n "${KEEP:-}" ] || rm -rf "$B_DIR"
}
trap bench_stop 0
trap 'exit 1' 1 2 15
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

free_port() {
	local p
	for _ in $(seq 1 50); do
		# below the ephemeral ports (32768-): no outgoing
		# connection holds it
		p=$(( (RANDOM << 15 | RANDOM) % 12000 + 20000 ))
		ss -Hltun | awk '{print $5}' | grep -q ":$p\$" || { echo "$p"; return; }
	done
}
B_NET=127.$((RANDOM % 100 + 120)).$((RANDOM % 250 + 1))
B_DNSPORT=$(free_port)
B_CA=$B_DIR/ca.pem
B_TA=$B_DIR/ta.key

bench_certs() {
	local d=$B_DIR
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$d/ca.key" -out "$d/ca.pem" -days 2 -subj "/CN=bench CA" \
	    -addext "basicConstraints=critical,CA:true" >/dev/null 2>&1
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$d/peer.key" -out "$d/peer.csr" -subj "/CN=*.bench.test" >/dev/null 2>&1
	printf 'subjectAltName = DNS:*.bench.test\nextendedKeyUsage = serverAuth, clientAuth\n' >"$d/ext"
	openssl x509 -req -in "$d/peer.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" \
	    -CAcreateserial -days 2 -extfile "$d/ext" -out "$d/peer.pem" >/dev/null 2>&1
	B_SPKI=$(openssl x509 -in "$d/peer.pem" -pubkey -noout |
	    openssl pkey -pubin -outform DER | sha256sum | cut -d' ' -f1)
}

# bench_peer I: the peer (1..B_NPEERS) of partner I; bench_target P I:
# the SRV target of partner I of prefix P (p: PKIX, d: DANE)
bench_peer() { echo $(( ($1 - 1) % B_NPEERS + 1 )); }

bench_zone() { # bench_zone N
	local n=$1 i k
	{
		printf '$ORIGIN bench.test.\n$TTL 3600\n'
		printf '@ SOA ns hostmaster 1 3600 600 86400 300\n@ NS ns\nns A 127.0.0.1\n'
		for k in $(seq 1 "$B_NPEERS"); do
			printf 'peer%d A %s.%d\ndpeer%d A %s.%d\n' "$k" "$B_NET" "$k" "$k" "$B_NET" "$k"
			printf '_5269._tcp.dpeer%d TLSA 3 1 1 %s\n' "$k" "$B_SPKI"
		done
		for i in $(seq 1 "$n"); do
			k=$(( (i - 1) % B_NPEERS + 1 ))
			if [ "$HOSTS" = distinct ]; then
				printf 'h%d A %s.%d\ndh%d A %s.%d\n' "$i" "$B_NET" "$k" "$i" "$B_NET" "$k"
				printf '_5269._tcp.dh%d TLSA 3 1 1 %s\n' "$i" "$B_SPKI"
				printf '_xmpp-server._tcp.p%d SRV 0 0 5269 h%d\n' "$i" "$i"
				printf '_xmpp-server._tcp.d%d SRV 0 0 5269 dh%d\n' "$i" "$i"
			else
				printf '_xmpp-server._tcp.p%d SRV 0 0 5269 peer%d\n' "$i" "$k"
				printf '_xmpp-server._tcp.d%d SRV 0 0 5269 dpeer%d\n' "$i" "$k"
			fi
		done
	} >"$B_DIR/bench.test.zone"
}

bench_knot() {
	local d=$B_DIR
	mkdir -p "$d/db"
	cat >"$d/knot.conf" <<EOF
server:
    rundir: "$d"
    user: root:root
    listen: 127.0.0.1@$B_DNSPORT
database:
    storage: "$d/db"
policy:
  - id: bench
    algorithm: $ALG
    manual: on
template:
  - id: default
    storage: "$d"
    zonefile-sync: -1
    journal-content: none
zone:
  - domain: bench.test
    dnssec-signing: on
    dnssec-policy: bench
EOF
	keymgr -c "$d/knot.conf" bench.test generate algorithm="$ALG" \
	    ksk=yes zsk=yes >/dev/null
	keymgr -c "$d/knot.conf" bench.test ds | head -1 >"$B_TA"
	taskset -c 0 knotd -c "$d/knot.conf" >"$d/knot.log" 2>&1 &
	B_KNOT=$!
	B_PIDS="$B_PIDS $!"
}

bench_peers() { # bench_peers N DELAY_MS
	local n=$1 delay=$2 k w
	w=$(( (n + B_NPEERS - 1) / B_NPEERS + 8 ))
	for k in $(seq 1 "$B_NPEERS"); do
		taskset -c 0 setsid "$HOSTILE" --cert "$B_DIR/peer.pem" \
		    --key "$B_DIR/peer.key" --delay "$delay" --workers "$w" \
		    "$B_NET.$k:5269=tls" >"$B_DIR/hostile$k.log" 2>&1 &
		B_PIDS="$B_PIDS $!"
	done
}

bench_wait() { # until the last partner's SRV is signed and every peer is ready
	local last=$1 k ok
	for _ in $(seq 1 400); do
		kill -0 "$B_KNOT" 2>/dev/null || break
		ok=1
		dig +dnssec +time=1 +tries=1 @127.0.0.1 -p "$B_DNSPORT" \
		    "_xmpp-server._tcp.d$last.bench.test" SRV 2>/dev/null |
		    grep -q RRSIG || ok=0
		for k in $(seq 1 "$B_NPEERS"); do
			grep -q ready "$B_DIR/hostile$k.log" 2>/dev/null || ok=0
		done
		[ $ok = 1 ] && return 0
		sleep 0.1
	done
	echo "the lab did not come up (files in $B_DIR)"
	KEEP=1
	exit 1
}

bench_setup() { # bench_setup N DELAY_MS
	B_NPEERS=$(( ($1 + 1999) / 2000 ))
	bench_certs
	bench_zone "$1"
	bench_knot
	bench_peers "$1" "$2"
	bench_wait "$1"
	B_OPTS="--stub bench.test=127.0.0.1@$B_DNSPORT --trust-anchor $B_TA --timeout 10"
}

# bench_run NAME COMMAND...: runs it REPEAT times on CPU 1 and keeps the
# run of median CPU: $B_cpu (s, user+sys from getrusage, as bash's time
# reports them to the millisecond; /usr/bin/time rounds to 10 ms),
# $B_wall (s); the output of the last run in $B_DIR/NAME.out.
bench_run() {
	local name=$1 r TIMEFORMAT='%3R %3U %3S'
	shift
	: >"$B_DIR/$name.times"
	for r in $(seq 1 "$REPEAT"); do
		{ time taskset -c 1 "$@" >"$B_DIR/$name.out" 2>"$B_DIR/$name.err" ||
		    true; } 2>"$B_DIR/time"
		awk '{ printf "%.3f %.3f\n", $2 + $3, $1 }' "$B_DIR/time" \
		    >>"$B_DIR/$name.times"
	done
	read -r B_cpu B_wall <<EOF
$(sort -n "$B_DIR/$name.times" | awk -v m=$(( (REPEAT + 1) / 2 )) 'NR == m')
EOF
}

# bench_line NAME N REACHED: one line of figures for the last bench_run
bench_line() {
	awk -v name="$1" -v n="$2" -v c="$B_cpu" -v w="$B_wall" -v ok="$3" 'BEGIN {
		printf "%-30s %6.3f ms/probe  (CPU %7.3f s, wall %6.2f s, %s of %d through)\n",
		    name, c * 1000 / n, c, w, ok, n
	}'
}

# the domains of prefix P (p, d) from 1 to N, one a line
bench_domains() { seq -f "$1%g.bench.test" 1 "$2"; }

# bench_xmppcut NAME N PREFIX OPTIONS...: xmppcut probe of N partners of
# PREFIX at -j N, reachable count on stdout after the figures line
bench_xmppcut() {
	local name=$1 n=$2 prefix=$3 reached
	shift 3
	# shellcheck disable=SC2046
	bench_run "$name" "$X" $B_OPTS "$@" -j "$n" --json probe --max-time 600 $(bench_domains "$prefix" "$n")
	reached=$(jq -r '.reachable // 0' "$B_DIR/$name.out" 2>/dev/null || echo 0)
	bench_line "$name" "$n" "$reached"
}

# bench_xmppcut_text NAME N PREFIX OPTIONS...: the same, as the default
# text report (one line a partner) instead of --json (4 KB a partner)
bench_xmppcut_text() {
	local name=$1 n=$2 prefix=$3 reached
	shift 3
	# shellcheck disable=SC2046
	bench_run "$name" "$X" $B_OPTS "$@" -j "$n" probe --max-time 600 $(bench_domains "$prefix" "$n")
	reached=$(grep -c ': reachable via' "$B_DIR/$name.out" 2>/dev/null || echo 0)
	bench_line "$name" "$n" "$reached"
}

# bench_floor NAME N PREFIX: the floor client over the same partners,
# addresses given
bench_floor() {
	local name=$1 n=$2 prefix=$3 i reached
	for i in $(seq 1 "$n"); do
		echo "$prefix$i.bench.test=$B_NET.$(bench_peer "$i"):5269"
	done >"$B_DIR/targets"
	bench_run "$name" sh -c "exec '$FLOOR' -c '$B_CA' -t 10 <'$B_DIR/targets'"
	reached=$(awk '/^ok/ { print $2 }' "$B_DIR/$name.out")
	bench_line "$name" "$n" "${reached:-0}"
}

# bench_dnsfloor NAME N PREFIX: the floor client looking the partners up
# first with libunbound (validated, the trust anchor and stub as xmppcut
# gets them, nothing else): the least a validating client costs
bench_dnsfloor() {
	local name=$1 n=$2 prefix=$3 reached
	bench_domains "$prefix" "$n" >"$B_DIR/domains"
	bench_run "$name" sh -c "exec '$FLOOR' -s 'bench.test=127.0.0.1@$B_DNSPORT' -a '$B_TA' -c '$B_CA' -t 10 <'$B_DIR/domains'"
	reached=$(awk '/^ok/ { print $2 }' "$B_DIR/$name.out")
	bench_line "$name" "$n" "${reached:-0}"
}
