#!/bin/bash
# shellcheck disable=SC2086
# Two domain zones that each hold a new gateway, both gateways serving
# both domains, against the lab's Knot servers. One message a zone cannot
# be ordered: example.test's SRV names gw.plain.test before plain.test's
# message adds it, and the other way round. So at cutover every zone's
# hosts go out first, then the SRV records. With plain.test's ACL refusing
# the key, example.test's host goes out and its SRV is held back: no
# domain ever names a host without an address (one message a zone sent
# example.test's SRV, naming gw.plain.test, which then never came).
# Fixed and run again, apply resumes where it stopped. Rollback, whose
# one old gateway lives in example.test, sends that zone's host first,
# then its SRV, then plain.test; with example.test refused, plain.test
# still rolls back (the old host's records are in place).
# The script run out of order (cutover after final) changes no SRV
# record; its hosts messages, guarded by the hosts alone, set the new
# hosts' records at cutover's TTL. A gateway with
# external addresses and a certificate, whose zone's message sets only
# TLSA: refused, it holds back the SRV naming its host. Without --server,
# an SOA MNAME address that takes UDP only: each zone's first part falls
# back to the next address for its UPDATE, its second part goes there.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
need jq nsupdate knotc socat
lab_start
P=$LAB_DIR/split.conf
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
weight = 50

[gateway gw.plain.test]
role = new
address = 192.0.2.88
weight = 50
EOF2
ap() { "$XMPPCUT" -c "$P" $LAB_OPTS --json apply --tsig-key "$LAB_TSIG" --server "$LAB_NS1" "$@"; }
srv() { dig +short @"$LAB_NS1" "_xmpp-server._tcp.$1" SRV | sort | tr '\n' ' '; }

check "today: plain.test served by the old gateway" lab_nsupdate_both 'zone plain.test.' \
    'update delete _xmpp-server._tcp.plain.test. SRV' \
    'update add _xmpp-server._tcp.plain.test. 3600 SRV 0 0 5269 old.example.test.'
expect_status 0 "pre" ap --stage pre
json_ok "... one message a zone (the hosts are today's)" \
    '[.zones[] | "\(.zone) \(.part) \(.sent)"] == ["example.test all true", "plain.test all true"]'
expect_status 0 "pre on ns2 too" "$XMPPCUT" -c "$P" $LAB_OPTS --json apply --tsig-key "$LAB_TSIG" --server "$LAB_NS2" --stage pre
sed -i 's/^pre \([^ ]*\) [0-9]* /pre \1 1000000000 /' "$P.journal"	# the TTL has passed

cp "$P.journal" "$T/journal"
sed -i '/^pre plain.test /d' "$P.journal"
expect_status 1 "cutover --dry-run, the journal without plain.test's pre" ap --stage cutover --dry-run
json_ok "... ttl-wait names plain.test once (two parts, one zone)" \
    '[.findings[] | select(.id == "ttl-wait") | .message | test("^plain.test has no journal entry")] == [true]'
cp "$T/journal" "$P.journal"
dead=127.0.0.1@$(free_port)
expect_status 2 "cutover --dry-run at a server that does not answer" "$XMPPCUT" -c "$P" $LAB_OPTS --json apply --stage cutover --dry-run --server "$dead" --zone example.test --zone plain.test --timeout 1
json_ok "... said once a zone, not once a message" \
    '[.findings[] | select(.id == "dns-failure") | .subject] == ["example.test", "plain.test"] and (.zones | length == 4)'
expect_status 0 "cutover --dry-run" ap --stage cutover --dry-run
json_ok "... every zone's hosts, then every zone's SRV" \
    '[.zones[] | "\(.zone) \(.part) \(.state)"] == ["example.test hosts ready", "plain.test hosts ready", "example.test srv ready", "plain.test srv ready"]'
json_ok "... the hosts messages set no SRV, the SRV messages no address" \
    '([.zones[] | select(.part == "hosts") | .message | test("update add [^\\n]* IN SRV")] | any | not) and ([.zones[] | select(.part == "srv") | .message | test("update add [^\\n]* IN A ")] | any | not)'
expect_status 0 "the script says the same" "$XMPPCUT" -c "$P" $LAB_OPTS generate --stage cutover --format nsupdate
check "... every host before any SRV" awk '/^update add .* IN A /{a=NR} /^update add .* IN SRV /{if (!s) s=NR} END{exit !(a && s && a < s)}' "$T/out"

lab_refuse_key plain.test
expect_status 2 "cutover with plain.test refusing the key (--wait)" ap --stage cutover --wait 2
check "... no waiting: 2 zones (not 3 messages) not updated" grep -q 'not waiting: 2 zones were not wholly updated' "$T/err"
json_ok "... only example.test's host sent; its SRV held back, naming gw.plain.test" \
    '([.zones[] | select(.sent) | "\(.zone) \(.part)"] == ["example.test hosts"]) and ([.findings[] | select(.id == "update-refused" and .subject == "example.test" and (.message | contains("held back")) and (.message | contains("gw.plain.test")))] | length == 1)'
json_ok "... the refusal says which part" \
    '[.findings[] | select(.id == "update-refused" and (.message | contains("zone plain.test (its hosts): NOTAUTH (the key is not accepted")))] | length == 1'
check "... example.test's SRV still names the old gateway" test "$(srv example.test)" = "0 0 5269 old.example.test. "
check "... gw.plain.test has no address, and nothing names it" test -z "$(dig +short @"$LAB_NS1" gw.plain.test A)"
check "... new.example.test published" test "$(dig +short @"$LAB_NS1" new.example.test A)" = "$LAB_NEW"
lab_accept_key
expect_status 0 "fixed, run again: resumes" ap --stage cutover
json_ok "... example.test's host at the stage, the rest sent" \
    '[.zones[] | "\(.zone) \(.part) \(.state) \(.sent)"] == ["example.test hosts at-stage false", "plain.test hosts ready true", "example.test srv ready true", "plain.test srv ready true"]'
check "... example.test names both gateways" test "$(srv example.test)" = "0 50 5269 gw.plain.test. 0 50 5269 new.example.test. "
check "... gw.plain.test resolves" test "$(dig +short @"$LAB_NS1" gw.plain.test A)" = 192.0.2.88
expect_status 0 "run again: nothing to send" ap --stage cutover
json_ok "... every part at the stage" '[.zones[].state] | all(. == "at-stage")'

expect_status 0 "rollback --dry-run: one zone holds the old gateway" ap --stage rollback --dry-run
json_ok "... its host first, then its SRV, then plain.test" \
    '[.zones[] | "\(.zone) \(.part)"] == ["example.test hosts", "example.test srv", "plain.test all"]'

# An emergency rollback with example.test refusing the key: plain.test's
# SRV names old.example.test, whose records were never removed -- it goes
# back, not held back.
lab_refuse_key example.test
expect_status 2 "rollback with example.test refusing the key" ap --stage rollback
json_ok "... example.test refused, plain.test rolled back (its SRV's host is in place)" \
    '([.zones[] | select(.sent) | .zone] == ["plain.test"]) and ([.findings[] | select(.message | contains("held back"))] | length == 0)'
check "... plain.test names the old gateway" test "$(srv plain.test)" = "0 0 5269 old.example.test. "
lab_accept_key
expect_status 0 "rollback again: example.test" ap --stage rollback

# Without --server, the first address of example.test's SOA MNAME takes
# UDP only (a firewall): the zone is read there, its first part's UPDATE
# goes to the next address, and its second part's straight there.
V=${LAB_NS1%.*}.6
start_bg udponly socat UDP4-RECVFROM:53,bind="$V",fork UDP4-SENDTO:"$LAB_NS1":53
wait_dns "$V" 53 example.test || not_ok "the UDP-only forwarder answers"
check "ns1.example.test gets it as its first address" lab_nsupdate_both \
    'zone example.test.' "update add ns1.example.test. 300 A $V"
check "... and the new gateways' addresses are gone (the hosts parts have work)" lab_nsupdate_both \
    'zone example.test.' 'update delete new.example.test. A' 'send' \
    'zone plain.test.' 'update delete gw.plain.test. A'
expect_status 0 "cutover again, to the primaries the SOAs name" "$XMPPCUT" -c "$P" $LAB_OPTS --json apply --tsig-key "$LAB_TSIG" --stage cutover
check "... each zone's UPDATE refused at the UDP-only address once, not once a part" \
    test "$(grep -c "^xmppcut: apply: ns1.example.test ($V): no TCP connection to $V port 53: Connection refused; sending the update for zone" "$T/err")" = 2
json_ok "... every part sent to ns1's next address" \
    '[.zones[] | "\(.zone) \(.part) \(.sent) \(.primary)"] == ["example.test hosts true '"$LAB_NS1"'", "plain.test hosts true '"$LAB_NS1"'", "example.test srv true '"$LAB_NS1"'", "plain.test srv true '"$LAB_NS1"'"]'
stop_bg udponly
check "... (the UDP-only address gone again)" lab_nsupdate_both \
    'zone example.test.' "update delete ns1.example.test. A $V"

# Out of order, the script changes no SRV record: the SRV messages are
# guarded by the SRV records pre left.
expect_status 0 "final" ap --stage final
expect_status 0 "the cutover script, for after final" "$XMPPCUT" -c "$P" $LAB_OPTS generate --stage cutover --format nsupdate --server "$LAB_NS1"
cp "$T/out" "$LAB_DIR/cutover.nsupdate"
expect_status 2 "... nsupdate: every SRV message refused" nsupdate -k "$LAB_TSIG" "$LAB_DIR/cutover.nsupdate"
check "... on the SRV guard, twice" test "$(grep -c 'update failed: NXRRSET' "$T/err")" = 2
check "... example.test's SRV keeps final's records and TTL" test "$(dig +noall +answer @"$LAB_NS1" _xmpp-server._tcp.example.test SRV | awk '{print $2, $5, $6, $7, $8}' | sort | tr '\n' ' ')" = "3600 0 50 5269 gw.plain.test. 3600 0 50 5269 new.example.test. "
check "... plain.test's too" test "$(dig +noall +answer @"$LAB_NS1" _xmpp-server._tcp.plain.test SRV | awk '{print $2, $5, $6, $7, $8}' | sort | tr '\n' ' ')" = "3600 0 50 5269 gw.plain.test. 3600 0 50 5269 new.example.test. "
# The hosts messages are guarded by the hosts alone (so that a hand change
# to a zone's SRV cannot keep its host away from the other zones' SRV):
# run out of order, they set the new hosts' records at cutover's TTL.
check "... the hosts messages went through: new.example.test at cutover's TTL" test "$(dig +noall +answer @"$LAB_NS1" new.example.test A | awk '{print $2, $5}')" = "300 $LAB_NEW"
expect_status 0 "final again puts final's TTL back" ap --stage final

# A gateway whose addresses are kept outside the plan (address = external)
# with a certificate: its zone's message sets only TLSA. Refused, the SRV
# that would name its host is held back all the same (DANE partners would
# find no TLSA for it).
cat >"$LAB_DIR/ext.conf" <<EOF2
[plan]
domain = partner-b.test
zone = partner-b.test
zone = partner-c.test
[gateway xmpp.partner-b.test]
role = old
address = $LAB_PARTNERS
[gateway xmpp.partner-c.test]
role = new
address = external
cert = ca/new.pem
EOF2
ex() { "$XMPPCUT" -c "$LAB_DIR/ext.conf" $LAB_OPTS --json apply --tsig-key "$LAB_TSIG" --server "$LAB_NS1" "$@"; }
expect_status 0 "external addresses: pre" ex --stage pre
sed -i 's/^pre \([^ ]*\) [0-9]* /pre \1 1000000000 /' "$LAB_DIR/ext.conf.journal"
# (ns2, a primary of its own, gets pre too: the cutover waits for it)
lab_nsupdate "$LAB_NS2" 'zone partner-b.test.' 'update delete _xmpp-server._tcp.partner-b.test. SRV' \
    'update add _xmpp-server._tcp.partner-b.test. 300 SRV 0 0 5269 xmpp.partner-b.test.' \
    'update delete xmpp.partner-b.test. A' "update add xmpp.partner-b.test. 300 A $LAB_PARTNERS"
lab_refuse_key partner-c.test
expect_status 2 "... cutover with the TLSA-only zone refusing the key" ex --stage cutover
json_ok "... partner-c.test refused, partner-b.test's SRV held back" \
    '([.zones[] | select(.sent)] | length == 0) and ([.findings[] | select(.id == "update-refused" and .subject == "partner-b.test" and (.message | contains("held back")) and (.message | contains("xmpp.partner-c.test")))] | length == 1)'
check "... partner-b.test's SRV unchanged" test "$(srv partner-b.test)" = "0 0 5269 xmpp.partner-b.test. "
lab_accept_key
expect_status 2 "... the same without --tsig-key" "$XMPPCUT" -c "$LAB_DIR/ext.conf" $LAB_OPTS --json apply --server "$LAB_NS1" --stage cutover
json_ok "... NOTAUTH says no key was given" \
    '[.findings[] | select(.id == "update-refused" and (.message | contains("no --tsig-key was given")))] | length == 1'

# The SOA MNAME (ns1.example.test, of both zones) with an address that does
# not answer first: each zone tries it once, its two parts do not.
net=${LAB_NS1%.*}
check "ns1.example.test gets an address that does not answer" lab_nsupdate_both 'zone example.test.' \
    "update add ns1.example.test. 300 A $net.5"
expect_status 2 "cutover --dry-run at each zone's SOA primary (after final: unexpected)" \
    "$XMPPCUT" -c "$P" $LAB_OPTS --json apply --stage cutover --dry-run --timeout 1
check "... the silent address said once a zone, not once a part" test "$(grep -c "($net.5) does not answer for zone" "$T/err")" = 2
json_ok "... every part read at ns1's address that answers" '[.zones[] | .primary] == ["'"$LAB_NS1"'", "'"$LAB_NS1"'", "'"$LAB_NS1"'", "'"$LAB_NS1"'"]'
done_testing
