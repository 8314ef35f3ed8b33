# tests/lib.sh — shared by the shell tests: sourced, never run.
#
# Each test gets a private folder ($T), servers it starts are stopped by
# PID when it exits (trap), and a missing tool makes it SKIP (exit 77).

set -u

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
: "${XMPPCUT:=$top_builddir/xmppcut}"
export TZ=UTC LC_ALL=C

T=$(mktemp -d "${TMPDIR:-/tmp}/xmppcut-test.XXXXXX")
PIDS=""
FAILED=0
CHECKS=0

cleanup() {
	type lab_stop >/dev/null 2>&1 && lab_stop
	for pid in $PIDS; do
		kill "$pid" 2>/dev/null
	done
	for pid in $PIDS; do
		# give a server a moment, then be firm
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -9 "$pid" 2>/dev/null
	done
	# what a test set up outside $T (an address given to lo), its servers
	# stopped first
	type test_cleanup >/dev/null 2>&1 && test_cleanup
	if [ "$FAILED" -eq 0 ] && [ -z "${KEEP:-}" ]; then
		rm -rf "$T"
	else
		echo "# test files kept in $T"
	fi
}
trap cleanup 0
# a reader that goes away (| head) must not leave servers behind: SIGPIPE
# ends the test through the same cleanup
trap 'exit 1' 1 2 13 15

skip() {
	echo "SKIP: $*"
	exit 77
}

need() {
	for tool in "$@"; do
		command -v "$tool" >/dev/null 2>&1 || skip "$tool is not installed"
	done
}

ok() {
	CHECKS=$((CHECKS + 1))
	echo "ok $CHECKS - $*"
}

not_ok() {
	CHECKS=$((CHECKS + 1))
	FAILED=$((FAILED + 1))
	echo "not ok $CHECKS - $*"
}

# check DESCRIPTION COMMAND...: passes when the command succeeds.
check() {
	local desc=$1
	shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}

# expect_status N DESCRIPTION COMMAND...: runs the command with stdout in
# $T/out and stderr in $T/err and checks its exit status.
expect_status() {
	local want=$1 desc=$2 got
	shift 2
	"$@" >"$T/out" 2>"$T/err"
	got=$?
	if [ "$got" -eq "$want" ]; then
		ok "$desc (exit $got)"
	else
		not_ok "$desc: exit $got, expected $want"
		sed 's/^/#   out: /' "$T/out" | head -20
		sed 's/^/#   err: /' "$T/err" | head -20
	fi
}

# same_file DESCRIPTION EXPECTED ACTUAL
same_file() {
	if cmp -s "$2" "$3"; then
		ok "$1"
	else
		not_ok "$1"
		diff -u "$2" "$3" | sed 's/^/#   /' | head -40
	fi
}

# JSON assertions on $T/out with jq: json_ok DESCRIPTION JQ-FILTER
json_ok() {
	if jq -e "$2" "$T/out" >/dev/null 2>&1; then
		ok "$1"
	else
		not_ok "$1 (jq: $2)"
		head -c 2000 "$T/out" | sed 's/^/#   /'
	fi
}

# jq_file DESCRIPTION JQ-FILTER FILE: the filter holds on FILE.
jq_file() {
	if jq -e "$2" "$3" >/dev/null 2>&1; then ok "$1"; else not_ok "$1 (jq: $2)"; fi
}

# finding_ids: the sorted, unique finding ids of the JSON report in $T/out
finding_ids() {
	jq -r '[.findings[].id] | unique | join(" ")' "$T/out"
}

done_testing() {
	echo "1..$CHECKS"
	[ "$FAILED" -eq 0 ] || { echo "# $FAILED of $CHECKS checks failed"; exit 1; }
	exit 0
}

# free_port [ADDR]: a TCP and UDP port no socket uses right now, below the
# kernel's ephemeral range (10000-32767): a client's ephemeral port there
# (a probe, a transfer) would keep a server from binding it.
free_port() {
	for _ in $(seq 1 50); do
		p=$(( (RANDOM << 15 | RANDOM) % 22768 + 10000 ))
		if ! ss -Htuan 2>/dev/null | awk '{print $5}' |
		    grep -q ":$p\$"; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

# wait_dns ADDR PORT ZONE: wait until the server answers for ZONE (5 s).
wait_dns() {
	for _ in $(seq 1 50); do
		if dig +time=1 +tries=1 @"$1" -p "$2" "$3" SOA +short 2>/dev/null |
		    grep -q .; then
			return 0
		fi
		sleep 0.1
	done
	echo "# no DNS answer from $1@$2 for $3"
	return 1
}

# start_bg NAME COMMAND...: start a server in the background, log in
# $T/NAME.log, remember its PID for cleanup.
start_bg() {
	local name=$1
	shift
	"$@" >"$T/$name.log" 2>&1 &
	PIDS="$PIDS $!"
	eval "PID_$name=$!"
}

# stop_bg NAME: stop one server started by start_bg.
stop_bg() {
	eval "pid=\${PID_$1:-}"
	[ -n "$pid" ] || return 0
	kill "$pid" 2>/dev/null
	for _ in $(seq 1 30); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	kill -9 "$pid" 2>/dev/null
	return 0
}

# ca_config: an `openssl ca` setup in the current folder (ca.cnf and
# ./ca/), for certificates with exact validity dates (-startdate/-enddate).
ca_config() {
	mkdir -p ca/new
	touch ca/index.txt
	echo 1000 >ca/serial
	cat >ca.cnf <<'CNF'
[ ca ]
default_ca = test
[ test ]
dir = ./ca
database = $dir/index.txt
new_certs_dir = $dir/new
serial = $dir/serial
default_md = sha256
policy = any
unique_subject = no
[ any ]
commonName = supplied
[ v3_ca ]
basicConstraints = critical, CA:true
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
CNF
}

# lab_start: a cutover lab of real servers (scripts/lab.sh) in $T/lab,
# stopped when the test ends; sources its lab.env. Needs root (port 53 on
# 127.X.Y.11 and .21).
lab_start() {
	[ "$(id -u)" -eq 0 ] || skip "the lab binds port 53: run as root"
	need knotd keymgr prosody ldns-signzone openssl ss dig nsupdate
	LAB_STARTED=1
	"$top_srcdir/scripts/lab.sh" start "$T/lab" >"$T/lab.log" 2>&1 || {
		cat "$T/lab.log"
		not_ok "the lab starts"
		done_testing
	}
	# shellcheck disable=SC1091
	. "$T/lab/lab.env"
}

lab_stop() {
	[ -n "${LAB_STARTED:-}" ] && "$top_srcdir/scripts/lab.sh" stop "$T/lab"
	LAB_STARTED=
}

# lab_serial SERVER ZONE: the zone's SOA serial at that server.
lab_serial() {
	dig +short @"$1" "$2" SOA | awk '{print $3}'
}

# lab_nsupdate SERVER NSUPDATE-LINES...: one TSIG-signed message.
lab_nsupdate() {
	local ns=$1
	shift
	{ printf 'server %s 53\n' "$ns"; printf '%s\n' "$@"; printf 'send\n'; } |
	    nsupdate -k "$LAB_TSIG"
}

# lab_nsupdate_both NSUPDATE-LINES...: the same message to both primaries.
lab_nsupdate_both() {
	lab_nsupdate "$LAB_NS1" "$@" && lab_nsupdate "$LAB_NS2" "$@" && sleep 0.3
}

# lab_refuse_key ZONE: ns1's ACL for ZONE no longer accepts the TSIG key
# (updates answered NOTAUTH); lab_accept_key: every zone accepts it again.
lab_refuse_key() {
	sed -i "s/^  - domain: $1\$/  - domain: $1\n    acl: [transfer]/" "$LAB_DIR/knot1/knot.conf"
	knotc -c "$LAB_DIR/knot1/knot.conf" reload >/dev/null
	sleep 0.3
}
lab_accept_key() {
	sed -i '/^    acl: \[transfer\]$/d' "$LAB_DIR/knot1/knot.conf"
	knotc -c "$LAB_DIR/knot1/knot.conf" reload >/dev/null
	sleep 0.3
}

# lab_knot_stop N / lab_knot_start N: stop or (re)start the lab's knotN
# (stopped by PID; started in the background and stopped with the lab).
lab_knot_stop() {
	local pid
	pid=$(awk -v n="knot$1" '$2 == n {p = $1} END {print p}' "$LAB_DIR/pids")
	kill "$pid" 2>/dev/null
	while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
	# its PID may be reused: lab.sh stop must not kill it again
	sed -i "/^$pid knot$1\$/d" "$LAB_DIR/pids"
}
lab_knot_start() {
	knotd -c "$LAB_DIR/knot$1/knot.conf" >>"$LAB_DIR/knot$1/stderr" 2>&1 &
	echo "$! knot$1" >>"$LAB_DIR/pids"
}

# lab_update STAGE SERVER...: apply a stage's nsupdate script to servers.
lab_update() {
	local stage=$1 ns
	shift
	for ns in "$@"; do
		"$XMPPCUT" -c "$LAB_PLAN" generate --stage "$stage" --format nsupdate \
		    --server "$ns" --tsig-key "$LAB_TSIG" | nsupdate -k "$LAB_TSIG" || return 1
	done
	sleep 0.2	# Knot signs the change
}

# lab_leaf NAME SAN [openssl ca options]: NAME.pem and NAME.key in the
# current folder (after ca_config), signed by the lab's CA, both EKUs.
lab_leaf() {
	local name=$1 san=$2
	shift 2
	printf 'subjectAltName = %s\nextendedKeyUsage = serverAuth, clientAuth\n' "$san" >"$name.ext"
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$name.key" \
	    -out "$name.csr" -subj "/CN=$name" >/dev/null 2>&1
	openssl ca -batch -config ca.cnf -cert "$LAB_DIR/ca/root.pem" -keyfile "$LAB_DIR/ca/root.key" \
	    -in "$name.csr" -out "$name.pem" -extfile "$name.ext" -notext "$@" >/dev/null 2>&1
}

# lab_addr MODE: the address of MODE.hostile.test in the lab.
lab_addr() {
	local e
	for e in $LAB_HOSTILE; do [ "${e%%=*}" = "$1" ] && echo "${e#*=}"; done
}

# hostile NAME [--cert F --key F] ADDR:PORT=MODE...: start misbehaving
# peers (tests/tools/hostile) and wait until they listen.
hostile() {
	local name=$1
	shift
	start_bg "$name" "$HOSTILE" "$@"
	for _ in $(seq 1 50); do
		grep -q ready "$T/$name.log" 2>/dev/null && return 0
		sleep 0.05
	done
	not_ok "hostile peer $name started"
}
