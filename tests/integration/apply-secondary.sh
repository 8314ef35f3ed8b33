#!/bin/bash
# shellcheck disable=SC2086
# apply with a real primary and secondary (the lab with LAB_SECONDARY=1:
# Knot on .21 takes every zone from .11 by NOTIFY and AXFR, SOA refresh
# 2 s): the primary found from the SOA MNAME (no --server); --wait seeing
# the secondary catch up; the secondary down when the cutover is sent and
# --wait seeing it come back and catch up; a secondary still down at the
# bound is ns-unreachable (a warning: propagation not verified there);
# an SOA MNAME with addresses that do not answer: the next one is tried.
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
done_testing
