#!/bin/bash
# The nsupdate scripts of every stage, applied in order to a real Knot
# server on loopback (TSIG-signed dynamic updates): after each step the
# zones hold exactly the expected records; a stage applied to a zone in
# another state is refused by the server and changes nothing.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
need knotd knotc dig nsupdate openssl jq ss

plan=$top_srcdir/zones/example.conf
port=$(free_port) || skip "no free port"
secret=$(head -c 32 /dev/urandom | base64)
spki=$(openssl x509 -in "$top_srcdir/zones/edge.example.com.pem" -pubkey \
    -noout | openssl pkey -pubin -outform DER | sha256sum | cut -c1-64)

mkdir -p "$T/knot/db"
cat >"$T/key.conf" <<EOF
key "xmppcut-test." {
	algorithm hmac-sha256;
	secret "$secret";
};
EOF
# knotd runs as whoever starts it; as root it must be told to stay root
# (it would switch to the knot user, who cannot read $T)
user=
[ "$(id -u)" -eq 0 ] && user="user: root:root"
cat >"$T/knot/knot.conf" <<EOF
server:
    rundir: "$T/knot"
    $user
    listen: 127.0.0.1@$port
log:
  - target: stderr
    any: info
database:
    storage: "$T/knot/db"
key:
  - id: xmppcut-test.
    algorithm: hmac-sha256
    secret: $secret
acl:
  - id: update
    address: 127.0.0.0/8
    key: xmppcut-test.
    action: update
  - id: transfer
    address: 127.0.0.0/8
    action: transfer
template:
  - id: default
    storage: "$T/knot"
    acl: [update, transfer]
zone:
  - domain: example.com
  - domain: example.org
EOF
# The zones as they are before the move: SRV to the old OCS gateway; the
# new Edge host already has an A record (it was deployed beforehand).
cat >"$T/knot/example.com.zone" <<'EOF'
$ORIGIN example.com.
$TTL 3600
@                  SOA ns1 hostmaster 1 3600 600 86400 300
@                  NS ns1
ns1                A 127.0.0.1
_xmpp-server._tcp  SRV 0 0 5269 ocs-xmpp
ocs-xmpp           A 192.0.2.5
ocs-xmpp           AAAA 2001:db8::5
edge               A 192.0.2.10
EOF
cat >"$T/knot/example.org.zone" <<'EOF'
$ORIGIN example.org.
$TTL 3600
@                  SOA ns1.example.com. hostmaster 1 3600 600 86400 300
@                  NS ns1.example.com.
_xmpp-server._tcp  SRV 0 0 5269 ocs-xmpp.example.com.
EOF

knotc -c "$T/knot/knot.conf" conf-check >/dev/null || { not_ok "knot config"; done_testing; }
start_bg knot knotd -c "$T/knot/knot.conf"
wait_dns 127.0.0.1 "$port" example.com || { not_ok "knot started"; done_testing; }
wait_dns 127.0.0.1 "$port" example.org || { not_ok "knot started"; done_testing; }

# The records that matter, one per line: owner ttl type rdata (lowercase).
state() {
	for z in example.com example.org; do
		dig @127.0.0.1 -p "$port" "$z" AXFR +nocmd +nostats \
		    +nocomments +nosplit
	done | awk '$4 != "SOA" && $4 != "NS" && $1 != "ns1.example.com." {
	    $3 = ""; print }' | tr -s ' \t' ' ' | tr 'A-Z' 'a-z' | sort
}
serials() {
	for z in example.com example.org; do
		dig @127.0.0.1 -p "$port" "$z" SOA +short | awk '{print $3}'
	done
}
expect_state() {
	sed "s/@SPKI@/$spki/" | sort >"$T/want"
	state >"$T/have"
	same_file "$1" "$T/want" "$T/have"
}
apply() {
	"$XMPPCUT" -c "$plan" generate --stage "$1" --format nsupdate \
	    --server "127.0.0.1@$port" --tsig-key "$T/key.conf" >"$T/$1.nsupdate" &&
	    nsupdate -k "$T/key.conf" <"$T/$1.nsupdate"
}
# refused STAGE: the server refuses the stage and nothing changes.
refused() {
	state >"$T/before"
	serials >"$T/serial-before"
	expect_status 2 "$1 is refused by the server" apply "$1"
	check "$1: the server answered NXRRSET or YXRRSET" \
	    grep -Eq 'update failed: (NXRRSET|YXRRSET)' "$T/err"
	state >"$T/after"
	serials >"$T/serial-after"
	same_file "$1: records unchanged" "$T/before" "$T/after"
	same_file "$1: SOA serials unchanged" "$T/serial-before" "$T/serial-after"
}

expect_state "the old state is loaded" <<'EOF'
_xmpp-server._tcp.example.com. 3600 srv 0 0 5269 ocs-xmpp.example.com.
edge.example.com. 3600 a 192.0.2.10
ocs-xmpp.example.com. 3600 a 192.0.2.5
ocs-xmpp.example.com. 3600 aaaa 2001:db8::5
_xmpp-server._tcp.example.org. 3600 srv 0 0 5269 ocs-xmpp.example.com.
EOF

# Without the TSIG key the server refuses the update.
"$XMPPCUT" -c "$plan" generate --stage pre --format nsupdate \
    --server "127.0.0.1@$port" >"$T/unsigned.nsupdate"
expect_status 2 "an unsigned update is refused" nsupdate "$T/unsigned.nsupdate"

expect_status 0 "pre applies" apply pre
expect_state "pre: old records, TTL 300" <<'EOF'
_xmpp-server._tcp.example.com. 300 srv 0 0 5269 ocs-xmpp.example.com.
edge.example.com. 3600 a 192.0.2.10
ocs-xmpp.example.com. 300 a 192.0.2.5
ocs-xmpp.example.com. 300 aaaa 2001:db8::5
_xmpp-server._tcp.example.org. 300 srv 0 0 5269 ocs-xmpp.example.com.
EOF

refused final

expect_status 0 "cutover applies" apply cutover
cutover_state() {
	cat <<'EOF'
_xmpp-server._tcp.example.com. 300 srv 10 0 5269 edge.example.com.
_xmpps-server._tcp.example.com. 300 srv 10 0 5270 edge.example.com.
edge.example.com. 300 a 192.0.2.10
edge.example.com. 300 aaaa 2001:db8::10
_5269._tcp.edge.example.com. 300 tlsa 3 1 1 @SPKI@
_5270._tcp.edge.example.com. 300 tlsa 3 1 1 @SPKI@
ocs-xmpp.example.com. 300 a 192.0.2.5
ocs-xmpp.example.com. 300 aaaa 2001:db8::5
_xmpp-server._tcp.example.org. 300 srv 10 0 5269 edge.example.com.
_xmpps-server._tcp.example.org. 300 srv 10 0 5270 edge.example.com.
EOF
}
expect_state "cutover: new records, TTL 300, TLSA from the cert" < <(cutover_state)

refused cutover
refused pre

expect_status 0 "final applies" apply final
expect_state "final: new records, TTL 3600" <<'EOF'
_xmpp-server._tcp.example.com. 3600 srv 10 0 5269 edge.example.com.
_xmpps-server._tcp.example.com. 3600 srv 10 0 5270 edge.example.com.
edge.example.com. 3600 a 192.0.2.10
edge.example.com. 3600 aaaa 2001:db8::10
_5269._tcp.edge.example.com. 3600 tlsa 3 1 1 @SPKI@
_5270._tcp.edge.example.com. 3600 tlsa 3 1 1 @SPKI@
ocs-xmpp.example.com. 300 a 192.0.2.5
ocs-xmpp.example.com. 300 aaaa 2001:db8::5
_xmpp-server._tcp.example.org. 3600 srv 10 0 5269 edge.example.com.
_xmpps-server._tcp.example.org. 3600 srv 10 0 5270 edge.example.com.
EOF

expect_status 0 "rollback applies" apply rollback
expect_state "rollback: old records, TTL 300, no direct TLS" <<'EOF'
_xmpp-server._tcp.example.com. 300 srv 0 0 5269 ocs-xmpp.example.com.
edge.example.com. 3600 a 192.0.2.10
edge.example.com. 3600 aaaa 2001:db8::10
_5269._tcp.edge.example.com. 3600 tlsa 3 1 1 @SPKI@
_5270._tcp.edge.example.com. 3600 tlsa 3 1 1 @SPKI@
ocs-xmpp.example.com. 300 a 192.0.2.5
ocs-xmpp.example.com. 300 aaaa 2001:db8::5
_xmpp-server._tcp.example.org. 300 srv 0 0 5269 ocs-xmpp.example.com.
EOF

refused final
refused rollback

done_testing
