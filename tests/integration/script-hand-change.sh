#!/bin/bash
# shellcheck disable=SC2086
# The nsupdate script when a zone was changed by hand between stages
# (user trial, helper-14). Two domains, the new gateway's host in one of
# them (example.test); a colleague tunes example.test's SRV weight after
# pre. The script's example.test SRV message is refused (its guard), and
# nsupdate goes on to plain.test's, which names new.example.test: the
# host must exist by then. So example.test's host goes in a message of
# its own, first, guarded by the host alone. (One message for
# example.test was refused whole and left plain.test naming a host
# without an address: NXDOMAIN for its partners.) apply, in the same
# state, refuses everything.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
need jq nsupdate dig
lab_start
P=$LAB_DIR/two.conf
cat >"$P" <<EOF2
[plan]
domain = example.test
domain = plain.test
ttl = 3600
cutover-ttl = 300

[gateway old.example.test]
role = old
address = $LAB_OLD

[gateway new.example.test]
role = new
address = $LAB_NEW
EOF2
ap() { "$XMPPCUT" -c "$P" $LAB_OPTS --json apply --tsig-key "$LAB_TSIG" --server "$LAB_NS1" "$@"; }

check "today: plain.test served by the old gateway, new.example.test not there" lab_nsupdate "$LAB_NS1" \
    'zone plain.test.' 'update delete _xmpp-server._tcp.plain.test. SRV' \
    'update add _xmpp-server._tcp.plain.test. 3600 SRV 0 0 5269 old.example.test.' 'send' \
    'zone example.test.' 'update delete new.example.test. A'
expect_status 0 "pre" ap --stage pre
check "a colleague tunes example.test's SRV weight by hand" lab_nsupdate "$LAB_NS1" 'zone example.test.' \
    'update delete _xmpp-server._tcp.example.test. SRV' \
    'update add _xmpp-server._tcp.example.test. 300 SRV 0 10 5269 old.example.test.'

expect_status 0 "the cutover script" "$XMPPCUT" -c "$P" $LAB_OPTS generate --stage cutover --format nsupdate --server "$LAB_NS1"
cp "$T/out" "$LAB_DIR/cutover.nsupdate"
check "... example.test's host first, in a message guarded by nothing of the SRV" \
    awk '/^zone /{z=$2; n++} /^prereq .*_tcp/{if (n == 1) exit 1} /^update add new.example.test/{h=n} END{exit !(h == 1 && n == 3)}' "$LAB_DIR/cutover.nsupdate"
check "... the header says why" grep -q '^; hand change to its SRV records cannot keep them away' "$LAB_DIR/cutover.nsupdate"

expect_status 2 "apply in this state: refused, nothing sent" ap --stage cutover --dry-run
json_ok "... zone-unexpected-state names the SRV" \
    '[.findings[] | select(.id == "zone-unexpected-state" and (.message | contains("0 10 5269 old.example.test.")))] | length >= 1'

expect_status 2 "nsupdate runs the script: one message refused" nsupdate -k "$LAB_TSIG" "$LAB_DIR/cutover.nsupdate"
check "... example.test's SRV, on its guard" test "$(grep -c 'update failed: NXRRSET' "$T/err")" = 1
check "... example.test keeps the hand-set SRV" test "$(dig +short @"$LAB_NS1" _xmpp-server._tcp.example.test SRV)" = "0 10 5269 old.example.test."
check "... plain.test moved to the new gateway" test "$(dig +short @"$LAB_NS1" _xmpp-server._tcp.plain.test SRV)" = "0 0 5269 new.example.test."
check "... which has its address: no partner sent to a name without one" test "$(dig +short @"$LAB_NS1" new.example.test A)" = "$LAB_NEW"

# The other way round: the hosts message refused (the new host made an
# alias by hand, an Edge pool name, say). example.test's own SRV message
# is guarded by its host holding the stage's records, so it is refused
# too, and example.test stays on the old gateway (review, helper-15: it
# went out and named the alias). plain.test's message, another zone,
# still goes out -- what RFC 2136 cannot guard across zones, and the
# script's header says; apply refuses the whole run.
check "back to pre, new.example.test an alias" lab_nsupdate "$LAB_NS1" \
    'zone plain.test.' 'update delete _xmpp-server._tcp.plain.test. SRV' \
    'update add _xmpp-server._tcp.plain.test. 300 SRV 0 0 5269 old.example.test.' 'send' \
    'zone example.test.' 'update delete _xmpp-server._tcp.example.test. SRV' \
    'update add _xmpp-server._tcp.example.test. 300 SRV 0 0 5269 old.example.test.' \
    'update delete new.example.test. A' 'send' \
    'update add new.example.test. 300 CNAME pool.example.test.'
check "... (the alias is there)" test "$(dig +short @"$LAB_NS1" new.example.test CNAME)" = "pool.example.test."
expect_status 2 "apply in this state: refused, the alias named" ap --stage cutover --dry-run
json_ok "... zone-unexpected-state: an alias" '[.findings[] | select(.id == "zone-unexpected-state" and (.message | contains("new.example.test CNAME should be absent")))] | length >= 1'
expect_status 2 "nsupdate runs the script again" nsupdate -k "$LAB_TSIG" "$LAB_DIR/cutover.nsupdate"
check "... example.test's hosts and SRV messages refused" test "$(grep -c 'update failed: YXRRSET\|update failed: NXRRSET' "$T/err")" = 2
check "... example.test stays on the old gateway" test "$(dig +short @"$LAB_NS1" _xmpp-server._tcp.example.test SRV)" = "0 0 5269 old.example.test."
check "... plain.test's message, another zone, went out (the header says so)" test "$(dig +short @"$LAB_NS1" _xmpp-server._tcp.plain.test SRV)" = "0 0 5269 new.example.test."
done_testing
