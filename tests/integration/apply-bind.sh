#!/bin/bash
# shellcheck disable=SC2086
# apply, --wait, check and the nsupdate scripts against the servers most
# sites run rather than the lab's Knot: BIND 9 as the primary (dynamic
# updates under a TSIG key, signing with dnssec-policy and inline-signing,
# the default from BIND 9.20) and NSD as its secondary (NOTIFY, then
# AXFR/IXFR). Two zones, each holding a new gateway that serves both
# domains: the cutover goes out in four messages (each zone's hosts, then
# each zone's SRV records).
#
# With inline-signing BIND applies an update to the unsigned zone, answers
# NOERROR, and serves the change once it is signed, milliseconds later:
# apply read the zone at once and said update-refused ("part of the
# update was dropped") for an update that had gone through.
#
# BIND listens only on addresses its interfaces have: the test gives lo
# one address of a free block for the run (root) and takes it back.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
need named named-checkconf nsd dig nsupdate dnssec-dsfromkey ip ss jq
[ "$(id -u)" -eq 0 ] || skip "BIND and NSD bind port 53: run as root"

# A block 127.X.Y.0/24 nobody listens in (the lab takes X from 100).
for _ in $(seq 1 100); do
	net="127.$((RANDOM % 50 + 50)).$((RANDOM % 250 + 1))"
	ss -Hltun | awk '{print $5}' | grep -q "^$net\." || break
done
NS1=$net.31 NS2=$net.32 NS3=$net.33
ip addr add "$NS1/32" dev lo || skip "cannot add $NS1 to lo"
test_cleanup() {
	ip addr del "$NS1/32" dev lo 2>/dev/null
	ip addr del "$NS3/32" dev lo 2>/dev/null
}
ip addr add "$NS3/32" dev lo || skip "cannot add $NS3 to lo"

secret=$(head -c 32 /dev/urandom | base64)
printf 'key "xmppcut-lab." {\n\talgorithm hmac-sha256;\n\tsecret "%s";\n};\n' "$secret" >"$T/tsig.key"
mkdir -p "$T/named/keys" "$T/nsd"
cat >"$T/named/example.test.zone" <<EOF
\$ORIGIN example.test.
\$TTL 3600
@                  SOA ns1 hostmaster 1 2 1 86400 5
@                  NS ns1
@                  NS ns2
ns1                A $NS1
ns2                A $NS2
_xmpp-server._tcp  SRV 0 0 5269 old
old                A $net.2
new                A $net.3
EOF
cat >"$T/named/plain.test.zone" <<EOF
\$ORIGIN plain.test.
\$TTL 3600
@                  SOA ns1.example.test. hostmaster 1 2 1 86400 5
@                  NS ns1.example.test.
@                  NS ns2.example.test.
_xmpp-server._tcp  SRV 0 0 5269 old.example.test.
EOF
# named_conf DIR ADDR [OPTION...]: the start of a named.conf in DIR, for
# a server on ADDR port 53 with the TSIG key
named_conf() {
	local d=$1 addr=$2
	shift 2
	{
		printf 'options {\n\tdirectory "%s";\n\tpid-file "%s/named.pid";\n' "$d" "$d"
		printf '\tsession-keyfile "%s/session.key";\n' "$d"
		printf '\tlisten-on port 53 { %s; };\n\tlisten-on-v6 { none; };\n' "$addr"
		printf '\trecursion no;\n\tdnssec-validation no;\n'
		[ $# -eq 0 ] || printf '\t%s\n' "$@"
		printf '};\ncontrols { };\n'
		printf 'key "xmppcut-lab." { algorithm hmac-sha256; secret "%s"; };\n' "$secret"
	} >"$d/named.conf"
}
# notify-source: else from the address it notifies, on lo
named_conf "$T/named" "$NS1" "notify yes;" "notify-source $NS1;"
cat >>"$T/named/named.conf" <<EOF
dnssec-policy lab {
	keys { csk key-directory lifetime unlimited algorithm ecdsap256sha256; };
};
EOF
cat >"$T/nsd/nsd.conf" <<EOF
server:
	ip-address: $NS2@53
	port: 53
	username: ""
	chroot: ""
	database: ""
	zonesdir: "$T/nsd"
	pidfile: "$T/nsd/nsd.pid"
	xfrdfile: "$T/nsd/xfrd.state"
	zonelistfile: "$T/nsd/zone.list"
	xfrdir: "$T/nsd"
	logfile: "$T/nsd/log"
remote-control:
	control-enable: no
EOF
for z in example.test plain.test; do
	cat >>"$T/named/named.conf" <<EOF
zone "$z" {
	type primary;
	file "$z.zone";
	allow-update { key "xmppcut-lab."; };
	allow-transfer { any; };
	also-notify { $NS2; $NS3; };
	dnssec-policy lab;
	inline-signing yes;
	key-directory "$T/named/keys";
};
EOF
	printf 'zone:\n\tname: %s\n\tzonefile: "%s.zone"\n\trequest-xfr: %s NOKEY\n\tallow-notify: %s NOKEY\n' \
	    "$z" "$z" "$NS1" "$NS1" >>"$T/nsd/nsd.conf"
done
named-checkconf "$T/named/named.conf" 2>/dev/null || { not_ok "BIND config"; done_testing; }
start_bg named named -g -u root -c "$T/named/named.conf"
signed() {
	dig +time=1 +tries=1 +dnssec @"$1" example.test SOA 2>/dev/null | grep -q RRSIG &&
	    dig +time=1 +tries=1 +dnssec @"$1" plain.test SOA 2>/dev/null | grep -q RRSIG
}
for _ in $(seq 1 100); do signed "$NS1" && break; sleep 0.1; done
check "BIND serves the zones, signed" signed "$NS1"
start_bg nsd nsd -d -c "$T/nsd/nsd.conf"
for _ in $(seq 1 100); do signed "$NS2" && break; sleep 0.1; done
check "NSD serves it too, as transferred" signed "$NS2"
# A second BIND, a secondary that forwards updates to the primary (not in
# the NS records: a server the admin sends updates to)
mkdir -p "$T/named2"
named_conf "$T/named2" "$NS3"
for z in example.test plain.test; do
	printf 'zone "%s" {\n\ttype secondary;\n\tprimaries { %s; };\n\tfile "%s.zone";\n\tallow-update-forwarding { key "xmppcut-lab."; };\n};\n' \
	    "$z" "$NS1" "$z" >>"$T/named2/named.conf"
done
start_bg named2 named -g -u root -c "$T/named2/named.conf"
for _ in $(seq 1 100); do signed "$NS3" && break; sleep 0.1; done
check "the forwarding BIND secondary serves the zones" signed "$NS3"
cat "$T"/named/keys/K*.key | grep -v '^;' >"$T/ta.key"

cat >"$T/plan.conf" <<EOF
[plan]
domain = example.test
domain = plain.test
ttl = 3600
cutover-ttl = 300
from = example.test

[gateway old.example.test]
role = old
address = $net.2

[gateway new.example.test]
role = new
address = $net.3
weight = 50

[gateway gw.plain.test]
role = new
address = $net.4
weight = 50
EOF
P=$T/plan.conf
OPTS="--stub example.test=$NS1 --stub example.test=$NS2 --stub plain.test=$NS1 --stub plain.test=$NS2 --trust-anchor $T/ta.key"
ap() { "$XMPPCUT" -c "$P" $OPTS --json apply --tsig-key "$T/tsig.key" "$@"; }
serial() { dig +short @"$1" "${2:-example.test}" SOA | awk '{print $3}'; }

expect_status 0 "pre to BIND (inline-signing), found from the SOA MNAME, --wait" ap --stage pre --wait 20
json_ok "... both zones sent and read back at the stage, no update-refused" \
    '[.zones[] | "\(.zone) \(.primary) \(.sent)"] == ["example.test '"$NS1"' true", "plain.test '"$NS1"' true"] and (.findings | length == 0)'
check "... NSD caught up" grep -q '^xmppcut: apply: all 4 servers serve the stage (2 of example.test, 2 of plain.test)$' "$T/err"
check "... NSD serves pre (TTL 300)" sh -c "dig +noall +answer @$NS2 _xmpp-server._tcp.example.test SRV | grep -q '[[:space:]]300[[:space:]].*old.example.test.$'"

sed -i 's/^pre \([^ ]*\) [0-9]* /pre \1 1000000000 /' "$P.journal"
expect_status 0 "cutover, --wait: four messages" ap --stage cutover --wait 20
json_ok "... each zone's hosts, then its SRV, each read back at the stage" \
    '[.zones[] | "\(.zone) \(.part) \(.sent)"] == ["example.test hosts true", "plain.test hosts true", "example.test srv true", "plain.test srv true"] and (.findings | length == 0)'
json_ok "... the report: a zone's SRV message starts from the serial its hosts message left" \
    '[.zones[] | select(.zone == "plain.test")] as $p | $p[1].serial_before == $p[0].serial_after and $p[1].serial_after != $p[1].serial_before'
check "... NSD serves the new gateways" sh -c "dig +short @$NS2 _xmpp-server._tcp.plain.test SRV | grep -q 'gw.plain.test.$'"
check "... and gw.plain.test's address" sh -c "dig +short @$NS2 gw.plain.test A | grep -qx '$net.4'"
expect_status 0 "check --stage cutover --dns-only: libunbound validates BIND's signatures" \
    "$XMPPCUT" -c "$P" $OPTS --json check --stage cutover --dns-only
json_ok "... the SRV is secure, both servers agree" \
    '([.. | objects | select(.type? == "SRV" and .dnssec? == "secure")] | length > 0) and (.findings | length == 0)'

# The nsupdate script of final, run by nsupdate against BIND.
s=$(serial "$NS1")
check "final's nsupdate script: BIND takes it" sh -c "'$XMPPCUT' -c '$P' generate --stage final --format nsupdate --server $NS1 --tsig-key '$T/tsig.key' | nsupdate -k '$T/tsig.key'"
for _ in $(seq 1 50); do [ "$(serial "$NS1")" != "$s" ] && break; sleep 0.1; done
expect_status 0 "... apply reads final in place" ap --stage final
json_ok "... at the stage, nothing sent" '[.zones[] | "\(.state) \(.sent)"] | unique == ["at-stage false"]'

# An alias at a name the script sets: the prerequisite (nxrrset NAME
# CNAME) makes BIND refuse the whole message; apply refuses to send.
s=$(serial "$NS1")
check "old.example.test becomes an alias by hand" sh -c "printf 'server $NS1\nzone example.test.\nupdate delete old.example.test. A\nupdate add old.example.test. 300 CNAME new.example.test.\nsend\n' | nsupdate -k '$T/tsig.key'"
for _ in $(seq 1 50); do [ "$(serial "$NS1")" != "$s" ] && break; sleep 0.1; done
s=$(serial "$NS1")
check "rollback's script: BIND refuses it (YXRRSET)" sh -c "! '$XMPPCUT' -c '$P' generate --stage rollback --format nsupdate --server $NS1 --tsig-key '$T/tsig.key' | nsupdate -k '$T/tsig.key' 2>'$T/nsupdate.err'"
check "... nsupdate says so" grep -q 'YXRRSET' "$T/nsupdate.err"
check "... nothing changed" test "$(serial "$NS1")" = "$s"
expect_status 2 "apply rollback: refused, nothing sent" ap --stage rollback
json_ok "... zone-unexpected-state names the alias" \
    '[.findings[] | select(.id == "zone-unexpected-state" and (.message | test("alias|CNAME")))] | length == 1'
check "... nothing changed" test "$(serial "$NS1")" = "$s"

# Keys BIND does not take: NOTAUTH (BADSIG, BADKEY); no key: REFUSED.
printf 'key "xmppcut-lab." {\n\talgorithm hmac-sha256;\n\tsecret "%s";\n};\n' "$(head -c 32 /dev/urandom | base64)" >"$T/bad.key"
s=$(serial "$NS1")
check "old.example.test is an address again" sh -c "printf 'server $NS1\nzone example.test.\nupdate delete old.example.test. CNAME\nupdate add old.example.test. 300 A $net.2\nsend\n' | nsupdate -k '$T/tsig.key'"
for _ in $(seq 1 50); do [ "$(serial "$NS1")" != "$s" ] && break; sleep 0.1; done
expect_status 2 "rollback with a wrong secret" "$XMPPCUT" -c "$P" $OPTS --json apply --tsig-key "$T/bad.key" --stage rollback
json_ok "... update-refused: NOTAUTH, the key is not accepted" \
    '[.findings[] | select(.id == "update-refused" and (.message | test("NOTAUTH.*key is not accepted")))] | length == 1'
expect_status 2 "rollback without a key" "$XMPPCUT" -c "$P" $OPTS --json apply --stage rollback
json_ok "... update-refused: REFUSED, says no key was given" \
    '[.findings[] | select(.id == "update-refused" and (.message | test("REFUSED.*no --tsig-key")))] | length == 1'
for _ in $(seq 1 50); do [ "$(serial "$NS2")" = "$(serial "$NS1")" ] && break; sleep 0.1; done
expect_status 2 "rollback sent to the NSD secondary (--server)" ap --stage rollback --server "$NS2"
json_ok "... update-refused: NOTIMP, not the zone's primary (or held back for it); nothing sent" \
    '([.findings[] | select(.id == "update-refused" and (.message | test("NOTIMP .*not the zone.s primary")))] | length >= 1) and ([.findings[] | select(.id == "update-refused") | .message | test("NOTIMP|held back")] | all) and ([.zones[] | select(.sent)] == [])'
expect_status 0 "rollback with the key, --wait" ap --stage rollback --wait 20
check "... NSD serves the old gateway again" sh -c "dig +short @$NS2 _xmpp-server._tcp.example.test SRV | grep -q 'old.example.test.$'"

# Through the forwarding secondary: BIND passes the update to the primary
# and the primary's signed answer back, our ID in its header and the ID
# the primary saw in its TSIG (RFC 8945 §4.3.3: the MAC covers that one).
for _ in $(seq 1 50); do
	[ "$(serial "$NS3")" = "$(serial "$NS1")" ] && [ "$(serial "$NS3" plain.test)" = "$(serial "$NS1" plain.test)" ] && break
	sleep 0.1
done
sed -i 's/^pre \([^ ]*\) [0-9]* /pre \1 1000000000 /' "$P.journal"
expect_status 0 "cutover (rollback left pre's records) through the forwarding secondary (--server), --wait" \
    ap --stage cutover --server "$NS3" --wait 20
json_ok "... every message sent, its signed answer verified" \
    '([.zones[] | .sent] | all) and (.findings == [])'
check "... the primary serves the new gateway" sh -c "dig +short @$NS1 _xmpp-server._tcp.plain.test SRV | grep -q 'gw.plain.test.$'"

# A TTL above BIND's cap (max-zone-ttl, 86400 s under dnssec-policy):
# BIND takes the update and serves 86400. Said at once, with the fix --
# not "the update was not applied" after --timeout, run after run.
sed 's/^ttl = 3600$/ttl = 172800/' "$P" >"$T/long.conf"
t0=$(date +%s%N)
expect_status 2 "final with ttl 172800" "$XMPPCUT" -c "$T/long.conf" $OPTS --json apply --tsig-key "$T/tsig.key" --stage final
t1=$(date +%s%N)
json_ok "... update-refused: the server caps TTLs, 86400 where the stage sets 172800" \
    '[.findings[] | select(.id == "update-refused" and (.message | test("with TTL 86400 where the stage sets 172800: the server caps TTLs")))] | length >= 1'
check "... said at once, not after --timeout (10 s)" test $(( (t1 - t0) / 1000000 )) -lt 5000
t0=$(date +%s%N)
expect_status 2 "final with ttl 172800 again (the zone holds 86400: ready, sent again)" "$XMPPCUT" -c "$T/long.conf" $OPTS --json apply --tsig-key "$T/tsig.key" --stage final
t1=$(date +%s%N)
json_ok "... the same words: the server caps TTLs (BIND kept the serial: at final, a TTL not cutover's)" \
    '([.findings[] | select(.id == "update-refused" and (.message | test("with TTL 86400 where the stage sets 172800: the server caps TTLs")))] | length >= 1) and ([.findings[] | select(.message | test("not applied"))] | length == 0)'
check "... at once again" test $(( (t1 - t0) / 1000000 )) -lt 5000
expect_status 0 "final with the plan's ttl (3600)" ap --stage final
json_ok "... sent" '[.zones[] | .sent] | all'
done_testing
