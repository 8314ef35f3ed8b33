#!/bin/bash
# scripts/lab.sh — a cutover lab of real servers on loopback.
#
#   scripts/lab.sh start DIR   start it; DIR/lab.env tells the rest
#   scripts/lab.sh stop DIR    stop every server it started (by PID)
#
# With LAB_SECONDARY=1, 127.X.Y.21 is instead a secondary of .11 for every
# zone (NOTIFY, then AXFR; the signed example.test as transferred), and the
# zones' SOA refresh is 2 s, so a secondary that was down catches up soon
# after it comes back (a NOTIFY sent while it was down is lost).
#
# Each lab takes its own block 127.X.Y.0/24 (free, picked at random), so
# labs of tests running side by side never meet:
#
#   127.X.Y.11, .21   Knot, two authoritative primaries on port 53 (NS
#                     records carry no port), each with its own copy of
#                     the zones, dynamic updates signed with a TSIG key,
#                     example.test signed with one key shared by both
#   127.X.Y.2         Prosody, the old gateway of example.test (5269)
#   127.X.Y.3         Prosody, the new gateway (5269, direct TLS 5270)
#   127.X.Y.4         Prosody, the partners partner-{a,b,c}.test,
#                     plain.test and twin.test (unsigned zones; twin.test
#                     has two SRV targets of equal priority and weight)
#   127.X.Y.49-.64    hostile.test: MODE.hostile.test for each misbehaving
#                     peer of tests/tools/hostile.c (the tests start them;
#                     .49 stays closed: connection refused)
#
# Zones: example.test (the plan's domain; SRV to the old gateway at
# first), partner-a/b/c.test and plain.test (unsigned), broken.test (an
# alias as SRV target, a target without address; noaddr.broken.test and
# noalias.broken.test one each), tampered.test,
# bogus-addr.test, bogus-tlsa.test (signed, then changed: bogus SRV,
# address, TLSA), chat.plain.test (no SRV, a CNAME: the fallback). Certificates come from a test CA made here.
#
# DIR/lab.env sets LAB_DIR, LAB_NS1, LAB_NS2, LAB_OLD, LAB_NEW,
# LAB_PARTNERS, LAB_PLAN, LAB_TA (trust anchors), LAB_CA, LAB_TSIG (key
# file for nsupdate and --tsig-key) and LAB_OPTS (the xmppcut options:
# --stub for every lab zone, --trust-anchor, --ca), and LAB_HOSTILE
# (MODE=ADDRESS for each domain of hostile.test).
set -eu

die() { echo "lab: $*" >&2; exit 1; }
need() {
	for t in "$@"; do
		command -v "$t" >/dev/null 2>&1 || die "$t is missing (scripts/setup.sh installs it)"
	done
}

# A block 127.X.Y.0/24 nobody listens in.
pick_net() {
	local used
	used=$(ss -Hltun 2>/dev/null | awk '{print $5}')
	for _ in $(seq 1 100); do
		local net="127.$((RANDOM % 150 + 100)).$((RANDOM % 250 + 1))"
		if ! printf '%s\n' "$used" | grep -q "^$net\."; then
			echo "$net"
			return 0
		fi
	done
	die "no free 127.X.Y.0/24 block"
}

quiet() { "$@" >/dev/null 2>&1 || die "failed: $*"; }

make_ca() {
	local d=$1/ca
	mkdir -p "$d"
	quiet openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$d/root.key" -out "$d/root.pem" -days 30 \
	    -subj "/CN=xmppcut lab CA" \
	    -addext "basicConstraints=critical,CA:true" \
	    -addext "keyUsage=critical,keyCertSign,cRLSign"
}

# make_cert DIR NAME DOMAIN...: a gateway certificate with DNS-ID, SRV-ID
# and XmppAddr for each domain and both EKUs, signed by the lab CA.
make_cert() {
	local d=$1/ca name=$2 san="" dom
	shift 2
	for dom in "$@"; do
		san="$san${san:+, }DNS:$dom, otherName:1.3.6.1.5.5.7.8.7;IA5STRING:_xmpp-server.$dom, otherName:1.3.6.1.5.5.7.8.5;UTF8:$dom"
	done
	printf 'subjectAltName = %s\nextendedKeyUsage = serverAuth, clientAuth\nbasicConstraints = CA:false\n' \
	    "$san" >"$d/$name.ext"
	quiet openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$d/$name.key" -out "$d/$name.csr" -subj "/CN=$1"
	quiet openssl x509 -req -in "$d/$name.csr" -CA "$d/root.pem" \
	    -CAkey "$d/root.key" -CAcreateserial -days 30 \
	    -extfile "$d/$name.ext" -out "$d/$name.pem"
}

# zone_head NAME: the start of a lab zone served by ns1/ns2.example.test.
zone_head() {
	printf '$ORIGIN %s.\n$TTL 3600\n' "$1"
	printf '@                  SOA ns1.example.test. hostmaster 1 %s 86400 300\n' "$TIMERS"
	printf '@                  NS ns1.example.test.\n@                  NS ns2.example.test.\n'
}

zone_files() {
	local z=$1
	mkdir -p "$z"
	cat >"$z/example.test.zone" <<EOF
\$ORIGIN example.test.
\$TTL 3600
@                  SOA ns1 hostmaster 1 $TIMERS 86400 300
@                  NS ns1
@                  NS ns2
ns1                A $NS1
ns2                A $NS2
_xmpp-server._tcp  SRV 0 0 5269 old
old                A $OLD
new                A $NEW
EOF
	for p in partner-a partner-b partner-c plain; do
		{
			zone_head "$p.test"
			printf '_xmpp-server._tcp  SRV 0 0 5269 xmpp\nxmpp               A %s\n' "$PARTNERS"
		} >"$z/$p.test.zone"
	done
	# chat.plain.test: no SRV, an alias of xmpp.plain.test: the A/AAAA
	# fallback follows it (RFC 6120 3.2.2)
	printf 'chat               CNAME xmpp\n' >>"$z/plain.test.zone"
	# twin.test: two targets of one priority and equal weight; a
	# partner's server picks one at random each time (RFC 2782)
	{
		zone_head twin.test
		printf '_xmpp-server._tcp  SRV 10 50 5269 a\n_xmpp-server._tcp  SRV 10 50 5269 b\n'
		printf 'a                  A %s\nb                  A %s\n' "$PARTNERS" "$PARTNERS"
	} >"$z/twin.test.zone"
	{ zone_head broken.test; cat; } >"$z/broken.test.zone" <<EOF
_xmpp-server._tcp  SRV 0 0 5269 alias
_xmpp-server._tcp  SRV 10 0 5269 nohost
alias              CNAME xmpp
xmpp               A $PARTNERS
nohost             TXT "no address"
_xmpp-server._tcp.noaddr SRV 0 0 5269 nohost
_xmpp-server._tcp.noalias SRV 0 0 5269 alias
EOF
	{
		zone_head hostile.test
		for entry in $HOSTILE; do
			mode=${entry%%=*}
			case "$mode" in
			direct-*) printf '_xmpps-server._tcp.%s SRV 0 0 5270 %s\n' "$mode" "$mode" ;;
			*) printf '_xmpp-server._tcp.%s SRV 0 0 5269 %s\n' "$mode" "$mode" ;;
			esac
			printf '%s A %s\n' "$mode" "${entry#*=}"
		done
	} >"$z/hostile.test.zone"
	# Signed here, then changed behind the signer's back (bogus):
	# tampered.test its SRV port, bogus-addr.test its target's address
	# (signed pointing nowhere, changed to the live partner server: a
	# tool that fails open would reach it), bogus-tlsa.test its TLSA.
	{ zone_head tampered.test; cat; } >"$z/tampered.test.unsigned" <<EOF
_xmpp-server._tcp  SRV 0 0 5269 xmpp
xmpp               A $PARTNERS
EOF
	{ zone_head bogus-addr.test; cat; } >"$z/bogus-addr.test.unsigned" <<EOF
_xmpp-server._tcp  SRV 0 0 5269 xmpp
xmpp               A 127.0.0.254
EOF
	{ zone_head bogus-tlsa.test; cat; } >"$z/bogus-tlsa.test.unsigned" <<EOF
_xmpp-server._tcp  SRV 0 0 5269 xmpp
xmpp               A $PARTNERS
_5269._tcp.xmpp    TLSA 3 1 1 $(printf '%064d' 0)
EOF
	(
		cd "$z"
		for zone in tampered.test bogus-addr.test bogus-tlsa.test; do
			k=$(ldns-keygen -a ECDSAP256SHA256 -k "$zone")
			s=$(ldns-keygen -a ECDSAP256SHA256 "$zone")
			cat "$k.ds" >>../ta.key
			ldns-signzone -e 20350101000000 -f "$zone.signed" \
			    "$zone.unsigned" "$k" "$s"
		done
		rm -f K*.private
		sed "s/^\(_xmpp-server._tcp.tampered.test.[[:space:]].*SRV[[:space:]]\)0 0 5269/\10 0 5222/" \
		    tampered.test.signed >tampered.test.zone
		sed "s/127\.0\.0\.254/$PARTNERS/" bogus-addr.test.signed >bogus-addr.test.zone
		sed "s/\(TLSA[[:space:]]*3 1 1 \)0000/\11111/" bogus-tlsa.test.signed >bogus-tlsa.test.zone
	)
}

knot_conf() { # knot_conf N ADDR ROLE: primary, notifying (a primary with
	# a secondary) or secondary
	local d=$DIR/knot$1 role=$3
	cat >"$d/knot.conf" <<EOF
server:
    rundir: "$d"
    user: root:root
    listen: $2@53
log:
  - target: $d/knot.log
    any: info
database:
    storage: "$d/db"
key:
  - id: xmppcut-lab.
    algorithm: hmac-sha256
    secret: $TSIG_SECRET
acl:
  - id: update
    address: 127.0.0.0/8
    key: xmppcut-lab.
    action: update
  - id: transfer
    address: 127.0.0.0/8
    action: transfer
  - id: notify
    address: $NS1
    action: notify
EOF
	case $role in
	notifying) printf 'remote:\n  - id: secondary\n    address: %s@53\n' "$NS2" ;;
	secondary) printf 'remote:\n  - id: primary\n    address: %s@53\n' "$NS1" ;;
	esac >>"$d/knot.conf"
	cat >>"$d/knot.conf" <<EOF
policy:
  - id: lab
    algorithm: ecdsap256sha256
    manual: on
template:
  - id: default
    storage: "$d/zones"
    zonefile-sync: -1
    journal-content: changes
EOF
	case $role in
	primary) printf '    acl: [update, transfer]\n' ;;
	notifying) printf '    acl: [update, transfer]\n    notify: secondary\n' ;;
	secondary) printf '    acl: [notify, transfer]\n    master: primary\n' ;;
	esac >>"$d/knot.conf"
	printf 'zone:\n  - domain: example.test\n' >>"$d/knot.conf"
	[ "$role" = secondary ] ||
	    printf '    dnssec-signing: on\n    dnssec-policy: lab\n' >>"$d/knot.conf"
	for z in partner-a partner-b partner-c plain twin broken tampered \
	    bogus-addr bogus-tlsa hostile; do
		printf '  - domain: %s.test\n' "$z"
	done >>"$d/knot.conf"
}

prosody_conf() { # prosody_conf NAME ADDR DIRECT_TLS_PORTS CERT HOSTS...
	local name=$1 addr=$2 dtls=$3 cert=$4 d=$DIR/prosody-$1
	shift 4
	mkdir -p "$d/data"
	cat >"$d/prosody.cfg.lua" <<EOF
run_as_root = true
pidfile = "$d/prosody.pid"
data_path = "$d/data"
log = { { levels = { min = "info" }, to = "file", filename = "$d/prosody.log" } }
interfaces = { "$addr" }
s2s_ports = { 5269 }
s2s_direct_tls_ports = { $dtls }
c2s_ports = { }
c2s_direct_tls_ports = { }
http_ports = { }
https_ports = { }
component_ports = { }
modules_enabled = { "tls"; "dialback"; "disco"; "ping" }
modules_disabled = { "s2s_bidi" }
s2s_require_encryption = true
s2s_secure_auth = false
ssl = { certificate = "$DIR/ca/$cert.pem"; key = "$DIR/ca/$cert.key"; cafile = "$DIR/ca/root.pem" }
EOF
	for h in "$@"; do
		printf 'VirtualHost "%s"\n' "$h" >>"$d/prosody.cfg.lua"
	done
}

start_knot() { # start_knot N
	knotd -c "$DIR/knot$1/knot.conf" >"$DIR/knot$1/stderr" 2>&1 &
	echo "$! knot$1" >>"$DIR/pids"
}

# wait_signed ADDR: the zones are loaded (and example.test signed, or
# transferred) once its SOA answers with a signature; at most 10 s.
wait_signed() {
	for _ in $(seq 1 200); do
		dig +time=1 +tries=1 +dnssec @"$1" example.test SOA 2>/dev/null |
		    grep -q RRSIG && return 0
		sleep 0.05
	done
	die "$1 serves no signed example.test (logs in $DIR)"
}

wait_listen() { # wait_listen ADDR:PORT
	for _ in $(seq 1 100); do
		ss -Hltn 2>/dev/null | awk '{print $4}' | grep -qx "$1" && return 0
		sleep 0.05
	done
	die "nothing listens on $1 (logs in $DIR)"
}

start() {
	need knotd knotc keymgr prosody openssl ldns-keygen ldns-signzone ss
	mkdir -p "$DIR"
	DIR=$(cd "$DIR" && pwd)
	: >"$DIR/pids"
	NET=$(pick_net)
	SECONDARY=${LAB_SECONDARY:-0}
	# SOA refresh and retry: small with a secondary, so that it catches
	# up soon after being down
	TIMERS="3600 600"
	[ "$SECONDARY" = 1 ] && TIMERS="2 1"
	NS1=$NET.11 NS2=$NET.21 OLD=$NET.2 NEW=$NET.3 PARTNERS=$NET.4
	TSIG_SECRET=$(head -c 32 /dev/urandom | base64)
	: >"$DIR/ta.key"
	HOSTILE="refused=$NET.49"
	i=50
	for mode in silent trickle garbage deep endless host-unknown tls-failure \
	    no-starttls tls-garbage close-mid wrong-name expired self-signed \
	    direct-wrong-name forge srv-id xmppaddr host-only; do
		HOSTILE="$HOSTILE $mode=$NET.$i"
		i=$((i + 1))
	done

	make_ca "$DIR"
	make_cert "$DIR" old example.test
	make_cert "$DIR" new example.test
	make_cert "$DIR" partners partner-a.test partner-b.test partner-c.test plain.test chat.plain.test twin.test broken.test tampered.test bogus-addr.test bogus-tlsa.test
	quiet openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$DIR/dnskey.pem"
	printf 'key "xmppcut-lab." {\n\talgorithm hmac-sha256;\n\tsecret "%s";\n};\n' \
	    "$TSIG_SECRET" >"$DIR/tsig.key"

	zone_files "$DIR/zones"
	for n in 1 2; do
		mkdir -p "$DIR/knot$n/db" "$DIR/knot$n/zones"
		if [ "$SECONDARY" = 1 ] && [ $n = 2 ]; then
			# no zone files, no keys: it takes the zones by AXFR
			knot_conf 2 "$NS2" secondary
			quiet knotc -c "$DIR/knot2/knot.conf" conf-check
			continue
		fi
		cp -r "$DIR/zones/." "$DIR/knot$n/zones/"
		knot_conf "$n" "$( [ $n = 1 ] && echo "$NS1" || echo "$NS2")" \
		    "$( [ "$SECONDARY" = 1 ] && echo notifying || echo primary)"
		quiet knotc -c "$DIR/knot$n/knot.conf" conf-check
		quiet keymgr -c "$DIR/knot$n/knot.conf" example.test import-pem \
		    "$DIR/dnskey.pem" algorithm=ecdsap256sha256 ksk=yes zsk=yes
	done
	keymgr -c "$DIR/knot1/knot.conf" example.test ds | head -1 >>"$DIR/ta.key"

	start_knot 1
	# a secondary started with its primary asks before the primary serves
	# and then backs off: it starts once the primary serves the signed zone
	if [ "$SECONDARY" = 1 ]; then
		wait_listen "$NS1:53"
		wait_signed "$NS1"
	fi
	start_knot 2
	prosody_conf old "$OLD" "" old example.test
	prosody_conf new "$NEW" 5270 new example.test
	prosody_conf partners "$PARTNERS" "" partners partner-a.test partner-b.test partner-c.test plain.test chat.plain.test twin.test broken.test tampered.test bogus-addr.test bogus-tlsa.test
	for n in old new partners; do
		prosody -F --config "$DIR/prosody-$n/prosody.cfg.lua" \
		    >"$DIR/prosody-$n/stderr" 2>&1 &
		echo "$! prosody-$n" >>"$DIR/pids"
	done
	wait_listen "$NS1:53"
	wait_listen "$NS2:53"
	wait_listen "$OLD:5269"
	wait_listen "$NEW:5269"
	wait_listen "$NEW:5270"
	wait_listen "$PARTNERS:5269"
	wait_signed "$NS1"
	wait_signed "$NS2"

	cat >"$DIR/plan.conf" <<EOF
; The lab's plan: example.test moves from old to new.
[plan]
domain = example.test
ttl = 3600
cutover-ttl = 300
from = example.test

[gateway old.example.test]
role = old
address = $OLD

[gateway new.example.test]
role = new
address = $NEW
direct-tls-port = 5270
cert = ca/new.pem

[partner partner-a.test]
[partner partner-b.test]
[partner partner-c.test]
EOF
	local opts=""
	for z in example.test partner-a.test partner-b.test partner-c.test plain.test twin.test broken.test tampered.test bogus-addr.test bogus-tlsa.test hostile.test; do
		opts="$opts --stub $z=$NS1 --stub $z=$NS2"
	done
	opts="$opts --trust-anchor $DIR/ta.key --ca $DIR/ca/root.pem"
	cat >"$DIR/lab.env" <<EOF
LAB_DIR='$DIR'
LAB_NS1='$NS1'
LAB_NS2='$NS2'
LAB_OLD='$OLD'
LAB_NEW='$NEW'
LAB_PARTNERS='$PARTNERS'
LAB_PLAN='$DIR/plan.conf'
LAB_TA='$DIR/ta.key'
LAB_CA='$DIR/ca/root.pem'
LAB_TSIG='$DIR/tsig.key'
LAB_OPTS='${opts# }'
LAB_HOSTILE='$HOSTILE'
LAB_SECONDARY='$SECONDARY'
EOF
	echo "$DIR/lab.env"
}

stop() {
	[ -f "$DIR/pids" ] || return 0
	while read -r pid name; do
		kill "$pid" 2>/dev/null || true
	done <"$DIR/pids"
	while read -r pid name; do
		for _ in $(seq 1 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.05
		done
		kill -9 "$pid" 2>/dev/null || true
	done <"$DIR/pids"
	: >"$DIR/pids"
}

[ $# -eq 2 ] || die "usage: lab.sh start|stop DIR"
DIR=$2
case "$1" in
start) start ;;
stop) stop ;;
*) die "usage: lab.sh start|stop DIR" ;;
esac
