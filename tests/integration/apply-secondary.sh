#!/bin/bash
# shellcheck disable=SC2086
# apply with a real primary and secondary (the lab with LAB_SECONDARY=1:
# Knot on .21 takes every zone from .11 by NOTIFY and AXFR, SOA refresh
# 2 s): the primary found from the SOA MNAME (no --server); --wait seeing
# the secondary catch up; the secondary down when the cutover is sent and
# --wait seeing it come back and catch up; a secondary still down at the
# bound is ns-unreachable (a warning: propagation not verified there);
# an SOA MNAME with addresses that do not answer: the next one is tried.
# The journal: pre sent with the secondary down is "partial" after
# --wait, and cutover is held until a later pre --wait sees every server
# serve it; the TTL counts from then, not from the send.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
need jq
LAB_SECONDARY=1 lab_start
# the zone is given: with ns2 down, finding it would wait on ns2's answer
P=$LAB_DIR/secondary.conf
sed 's/^domain = example.test$/domain = example.test\nzone = example.test/' "$LAB_PLAN" >"$P"
ap() { "$XMPPCUT" -c "$P" $LAB_OPTS --json apply --tsig-key "$LAB_TSIG" "$@"; }

check "the secondary serves the signed zone" sh -c "dig +dnssec @$LAB_NS2 example.test SOA | grep -q RRSIG"
expect_status 0 "pre, to the SOA's primary, --wait" ap --stage pre --wait 10
json_ok "... the primary is ns1.example.test, found from the SOA MNAME" \
    '.zones[0].primary_name == "ns1.example.test" and .zones[0].primary == "'"$LAB_NS1"'" and .zones[0].sent'
check "... the secondary caught up" grep -q '^xmppcut: apply: all 2 servers serve the stage$' "$T/err"
check "... the secondary serves pre (TTL 300)" sh -c "dig +noall +answer @$LAB_NS2 _xmpp-server._tcp.example.test SRV | grep -q '[[:space:]]300[[:space:]]'"
check "... the journal counts from when every server served pre (a second entry)" \
    test "$(grep -c '^pre example.test ' "$P.journal")" -eq 2
json_ok "... and says until when caches may hold today's records" '.caches_until | test("UTC$")'

# The secondary is down when the cutover goes out; it comes back 3 s
# later and catches up on its refresh timer (the NOTIFY was lost).
sed -i 's/^pre \([^ ]*\) [0-9]* /pre \1 1000000000 /' "$P.journal"
lab_knot_stop 2
(sleep 10; lab_knot_start 2) &
expect_status 1 "cutover with the secondary down, --wait 30 (each question 3 s: the resolver tries ns1 after ns2)" ap --timeout 3 --stage cutover --wait 30
wait
json_ok "... whether the secondary serves pre could not be told: a warning" \
    '[.findings[] | .id] == ["ns-unreachable"] and (.findings[0].message | contains("whether it serves pre cannot be told"))'
check "... --wait saw it silent first" grep -q 'servers behind or silent (ns2.example.test); waiting' "$T/err"
check "... then caught up" grep -q '^xmppcut: apply: all 2 servers serve the stage$' "$T/err"
check "... the secondary serves the new gateway" sh -c "dig +short @$LAB_NS2 _xmpp-server._tcp.example.test SRV | grep -q new.example.test"

# Down through the whole bound: a warning, not a verdict on the records.
lab_knot_stop 2
expect_status 1 "final with the secondary down, --wait 2" ap --stage final --wait 2
json_ok "... ns-unreachable names the secondary" \
    '([.findings[] | select(.id == "ns-unreachable" and (.message | contains("ns2.example.test")))] | length == 1) and ([.findings[] | select(.id == "ns-inconsistent")] | length == 0)'
lab_knot_start 2

# The SOA MNAME with addresses that do not answer besides its own (an
# address this host cannot reach): apply tries the others in turn.
net=${LAB_NS1%.*}
check "ns1.example.test gets three more addresses, none answering" lab_nsupdate "$LAB_NS1" 'zone example.test.' \
    "update add ns1.example.test. 300 A $net.5" "update add ns1.example.test. 300 A $net.6" \
    "update add ns1.example.test. 300 A $net.7"
# the resolver asks either server: wait for the secondary (just restarted)
for _ in $(seq 1 100); do
	[ "$(dig +short @"$LAB_NS2" ns1.example.test A | wc -l)" -eq 4 ] && break
	sleep 0.1
done
: >"$T/tries"
for i in 1 2 3 4; do
	expect_status 0 "final again ($i): read at ns1's address that answers" ap --stage final --timeout 1
	json_ok "... at the stage, primary $LAB_NS1" '.zones[0].state == "at-stage" and .zones[0].primary == "'"$LAB_NS1"'"'
	cat "$T/err" >>"$T/tries"
done
check "... having said which addresses did not answer" grep -q "^xmppcut: apply: ns1.example.test ($net.[567]) does not answer for zone example.test; trying " "$T/tries"

# plain.test on its own: pre with the secondary down through --wait
P2=$LAB_DIR/plain.conf
cat >"$P2" <<EOF
[plan]
domain = plain.test
zone = plain.test
ttl = 3600
cutover-ttl = 300

[gateway xmpp.plain.test]
role = old
address = $LAB_PARTNERS

[gateway new.plain.test]
role = new
address = 192.0.2.99
EOF
ap2() { "$XMPPCUT" -c "$P2" $LAB_OPTS --json apply --tsig-key "$LAB_TSIG" "$@"; }
check "ns1.example.test has its one address again" lab_nsupdate "$LAB_NS1" 'zone example.test.' \
    'update delete ns1.example.test. A' "update add ns1.example.test. 3600 A $LAB_NS1"
for _ in $(seq 1 100); do
	[ "$(dig +short @"$LAB_NS2" ns1.example.test A | wc -l)" -eq 1 ] && break
	sleep 0.1
done
lab_knot_stop 2
expect_status 1 "plain.test: pre with the secondary down, --wait 2 (each question 3 s)" ap2 --timeout 3 --stage pre --wait 2
check "... the journal: sent, then partial" sh -c "grep -q '^pre plain.test [0-9]* 3600 sent\$' '$P2.journal' && tail -1 '$P2.journal' | grep -q '^pre plain.test [0-9]* 3600 partial\$'"
lab_knot_start 2
for _ in $(seq 1 100); do
	dig +noall +answer @"$LAB_NS2" _xmpp-server._tcp.plain.test SRV 2>/dev/null | grep -q '[[:space:]]300[[:space:]]' && break
	sleep 0.1
done
check "... the secondary caught up by itself" sh -c "dig +noall +answer @$LAB_NS2 _xmpp-server._tcp.plain.test SRV | grep -q '[[:space:]]300[[:space:]]'"
sed -i 's/^pre \([^ ]*\) [0-9]* /pre \1 1000000000 /' "$P2.journal"	# sent long ago
expect_status 2 "cutover: held, the last wait did not see every server serve pre" ap2 --stage cutover
json_ok "... ttl-wait says so, and what to run" \
    '[.findings[] | select(.id == "ttl-wait" and .severity == "error" and (.message | test("not every name server served pre.*apply --stage pre --wait")))] | length == 1'
t=$(date +%s)
expect_status 0 "pre again, --wait: at the stage, every server serves it" ap2 --stage pre --wait 10
check "... the journal: served, now" sh -c "tail -1 '$P2.journal' | awk -v t=$t '\$1 == \"pre\" && \$2 == \"plain.test\" && \$3 >= t && \$4 == 3600 && \$5 == \"served\"' | grep -q ."
expect_status 2 "cutover: held until pre's TTL has passed since then" ap2 --stage cutover
json_ok "... ttl-wait: reached 0-9 s ago, TTL 3600" \
    '[.findings[] | select(.id == "ttl-wait" and (.message | test("reached zone plain.test [0-9] s ago and the records it replaced had TTL 3600")))] | length == 1'

# A secondary that takes questions and never answers (stopped, SIGSTOP):
# --wait keeps its bound, rather than --timeout (10 s) a round on top
# (the NS lookups through the resolver, which tries it too, come first).
pid2=$(awk '$2 == "knot2" {p = $1} END {print p}' "$LAB_DIR/pids")
kill -STOP "$pid2"
t0=$(date +%s%N)
expect_status 1 "pre --wait 3 with the secondary silent" ap2 --stage pre --wait 3
t1=$(date +%s%N)
kill -CONT "$pid2"
json_ok "... ns-unreachable names it" '[.findings[] | select(.id == "ns-unreachable" and (.message | contains("ns2.example.test")))] | length == 1'
check "... its polling within the bound: under 10 s in all, the resolver's NS lookups first ($(( (t1 - t0) / 1000000 )) ms)" test $(( (t1 - t0) / 1000000 )) -lt 10000

# The SOA MNAME's server does not answer (down, or a hidden primary that
# the MNAME does not name): nothing is sent, and the way on is said.
lab_knot_stop 1
expect_status 2 "plain.test with the primary down, no --server" ap2 --timeout 2 --stage pre --dry-run
json_ok "... dns-failure, saying --server (the SOA MNAME silent, or no SOA when the resolver gives up first)" \
    '[.findings[] | select(.id == "dns-failure" and (.message | test("a hidden primary is given with --server|give it with --server")))] | length == 1'
lab_knot_start 1
wait_dns "$LAB_NS1" 53 partner-b.test || not_ok "the primary is back"

# Two zones, one lagging at the secondary (frozen there): the wait's
# verdict is per zone -- the lagging one is partial, the other served.
P3=$LAB_DIR/two.conf
cat >"$P3" <<EOF
[plan]
domain = partner-b.test
domain = partner-c.test
zone = partner-b.test
zone = partner-c.test
zone = plain.test
ttl = 3600
cutover-ttl = 300

[gateway xmpp.plain.test]
role = old
address = $LAB_PARTNERS

[gateway new.plain.test]
role = new
address = 192.0.2.99
EOF
for z in partner-b partner-c; do
	check "today: $z.test served by xmpp.plain.test" lab_nsupdate "$LAB_NS1" "zone $z.test." \
	    "update delete _xmpp-server._tcp.$z.test. SRV" \
	    "update add _xmpp-server._tcp.$z.test. 3600 SRV 0 0 5269 xmpp.plain.test."
	for _ in $(seq 1 100); do
		dig +short @"$LAB_NS2" _xmpp-server._tcp.$z.test SRV | grep -q xmpp.plain.test && break
		sleep 0.1
	done
done
knotc -b -c "$LAB_DIR/knot2/knot.conf" zone-freeze partner-c.test >/dev/null
expect_status 2 "pre for two zones, partner-c.test frozen at the secondary, --wait 3" \
    "$XMPPCUT" -c "$P3" $LAB_OPTS --json apply --tsig-key "$LAB_TSIG" --stage pre --wait 3
knotc -c "$LAB_DIR/knot2/knot.conf" zone-thaw partner-c.test >/dev/null
check "... the journal: partner-b.test served, partner-c.test partial" sh -c \
    "grep -q '^pre partner-b.test [0-9]* 3600 served\$' '$P3.journal' && grep -q '^pre partner-c.test [0-9]* 3600 partial\$' '$P3.journal' && ! grep -q '^pre partner-b.test .* partial\$' '$P3.journal'"
sed -i 's/^pre \([^ ]*\) [0-9]* /pre \1 1000000000 /' "$P3.journal"
expect_status 2 "cutover: held for partner-c.test alone" \
    "$XMPPCUT" -c "$P3" $LAB_OPTS --json apply --tsig-key "$LAB_TSIG" --stage cutover --dry-run
json_ok "... ttl-wait names partner-c.test, not partner-b.test" \
    '[.findings[] | select(.id == "ttl-wait") | .subject] == ["partner-c.test"]'

# -6 on a lab without IPv6: --wait polls no IPv4 address, and says so
expect_status 2 "pre --wait 2 with -6: the servers have no IPv6 address" \
    "$XMPPCUT" -6 -c "$P2" $LAB_OPTS --json apply --tsig-key "$LAB_TSIG" --stage pre --wait 2
json_ok "... ns-unreachable for each, 'no IPv6 address'" \
    '[.findings[] | select(.id == "ns-unreachable" and (.message | contains("has no IPv6 address")))] | length == 2'
json_ok "... and nothing could be verified: dns-failure" \
    '[.findings[] | select(.id == "dns-failure" and (.message | contains("no name server of zone plain.test has an address")))] | length == 1'
done_testing
