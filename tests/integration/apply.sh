#!/bin/bash
# apply against the lab's Knot servers (two primaries on port 53 of their
# own addresses, TSIG ACLs, example.test signed), with a plan whose
# domains include a subdomain inside its parent's zone (im.example.test in
# example.test) and a second zone (plain.test): dry run; a stage out of
# order refused with no zone touched; a zone whose ACL refuses the key
# while the other zone is applied, then fixed and resumed without sending
# again to the first; the cutover held by the TTL gate, then allowed; a
# zone changed by hand making final refuse everything; --wait seeing the
# second server behind, then caught up; rollback.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
need jq nsupdate knotc
lab_start
P=$LAB_DIR/apply.conf
sed 's/^domain = example.test$/domain = example.test\ndomain = im.example.test\ndomain = plain.test/' "$LAB_PLAN" >"$P"
# shellcheck disable=SC2086
ap() { "$XMPPCUT" -c "$P" $LAB_OPTS --json apply --tsig-key "$LAB_TSIG" "$@"; }

# Today: the old gateway serves all three domains.
check "today's records" lab_nsupdate_both 'zone example.test.' \
    'update add _xmpp-server._tcp.im.example.test. 3600 SRV 0 0 5269 old.example.test.'
check "... and in plain.test" lab_nsupdate_both 'zone plain.test.' \
    'update delete _xmpp-server._tcp.plain.test. SRV' \
    'update add _xmpp-server._tcp.plain.test. 3600 SRV 0 0 5269 old.example.test.'
s1=$(lab_serial "$LAB_NS1" example.test)

expect_status 0 "pre --dry-run" ap --stage pre --dry-run --server "$LAB_NS1"
json_ok "two zones, both ready; the subdomain in its parent's message" \
    '[.zones[] | "\(.zone) \(.state)"] == ["example.test ready", "plain.test ready"] and (.zones[0].message | contains("_xmpp-server._tcp.im.example.test.")) and ([.zones[].sent] | all | not)'
check "... nothing sent" test "$(lab_serial "$LAB_NS1" example.test)" = "$s1"

expect_status 2 "final before cutover: refused, nothing sent" ap --stage final --server "$LAB_NS1"
json_ok "... zone-unexpected-state for both zones" \
    '[.findings[] | select(.id == "zone-unexpected-state") | .subject] == ["example.test", "plain.test"]'
check "... no zone touched" test "$(lab_serial "$LAB_NS1" example.test)" = "$s1"

# plain.test's ACL on ns1 refuses the key: example.test goes through.
lab_refuse_key plain.test
expect_status 2 "pre with plain.test's ACL refusing the key" ap --stage pre --server "$LAB_NS1"
json_ok "... update-refused for plain.test, example.test sent" \
    '([.findings[] | select(.id == "update-refused") | .subject] == ["plain.test"]) and ([.zones[] | select(.sent) | .zone] == ["example.test"])'
s2=$(lab_serial "$LAB_NS1" example.test)
check "... example.test's serial moved" test "$s2" != "$s1"
check "... the journal keeps no entry for plain.test: the entry written before the send is taken back" \
    sh -c "grep -q '^pre example.test ' '$P.journal' && ! grep -q '^pre plain.test ' '$P.journal'"
lab_accept_key
expect_status 0 "fixed, run again: resumes" ap --stage pre --server "$LAB_NS1"
json_ok "... example.test at the stage (not sent again), plain.test sent" \
    '[.zones[] | "\(.zone) \(.state) \(.sent)"] == ["example.test at-stage false", "plain.test ready true"]'
check "... example.test untouched" test "$(lab_serial "$LAB_NS1" example.test)" = "$s2"
expect_status 0 "pre on the second server, --wait: every server caught up" \
    ap --stage pre --server "$LAB_NS2" --wait 5
check "... every server serves the stage" grep -q 'all 4 servers serve the stage (2 of example.test, 2 of plain.test)' "$T/err"
check "the journal holds pre for each zone, sent and served by every server" sh -c "grep -q '^pre example.test [0-9]* 3600 sent$' '$P.journal' && grep -q '^pre example.test [0-9]* 3600 served$' '$P.journal'"
check "... and plain.test" sh -c "grep -q '^pre plain.test [0-9]* 3600 sent$' '$P.journal' && grep -q '^pre plain.test [0-9]* 3600 served$' '$P.journal'"

# The TTL gate: the replaced records had TTL 3600.
s3=$(lab_serial "$LAB_NS1" example.test)
expect_status 2 "cutover right after pre: held" ap --stage cutover --server "$LAB_NS1"
json_ok "... ttl-wait names when the wait ends" \
    '[.findings[] | select(.id == "ttl-wait" and .severity == "error" and (.message | test("until [0-9-]+ [0-9:]+ UTC")))] | length == 1'
check "... nothing sent" test "$(lab_serial "$LAB_NS1" example.test)" = "$s3"
sed -i 's/^pre \([^ ]*\) [0-9]* /pre \1 1000000000 /' "$P.journal"	# an hour later
expect_status 0 "once the TTL has passed: sent" ap --stage cutover --server "$LAB_NS1"
expect_status 2 "run again with --wait: nothing to send, the second server behind" ap --stage cutover --server "$LAB_NS1" --wait 2
json_ok "... ns-inconsistent names ns2" '[.findings[] | select(.id == "ns-inconsistent" and (.message | contains("ns2.example.test")))] | length >= 1'
check "... progress on stderr, naming each server behind with its zone" grep -Eq '^xmppcut: apply: [0-9] of 4 servers of the zones behind \(ns2\.example\.test for example\.test, ns2\.example\.test for plain\.test\); waiting$' "$T/err"
expect_status 0 "cutover on the second server" ap --stage cutover --server "$LAB_NS2"

# A zone changed by hand: final refuses everything.
check "im.example.test changed by hand" lab_nsupdate_both 'zone example.test.' \
    'update delete _xmpp-server._tcp.im.example.test. SRV' \
    'update add _xmpp-server._tcp.im.example.test. 300 SRV 5 0 5269 elsewhere.example.net.'
sp=$(lab_serial "$LAB_NS1" plain.test)
expect_status 2 "final with a zone changed by hand" ap --stage final --server "$LAB_NS1"
json_ok "... example.test unexpected, nothing sent anywhere" \
    '([.findings[] | select(.id == "zone-unexpected-state") | .subject] == ["example.test"]) and ([.zones[].sent] | any | not)'
check "... plain.test untouched too" test "$(lab_serial "$LAB_NS1" plain.test)" = "$sp"
check "put back" lab_nsupdate_both 'zone example.test.' \
    'update delete _xmpp-server._tcp.im.example.test. SRV' \
    'update add _xmpp-server._tcp.im.example.test. 300 SRV 0 0 5269 new.example.test.' \
    'update add _xmpps-server._tcp.im.example.test. 300 SRV 0 0 5270 new.example.test.'
for ns in "$LAB_NS1" "$LAB_NS2"; do
	expect_status 0 "final on $ns" ap --stage final --server "$ns"
done
for ns in "$LAB_NS1" "$LAB_NS2"; do
	expect_status 0 "rollback on $ns" ap --stage rollback --server "$ns"
done
# shellcheck disable=SC2086
expect_status 0 "after the rollback: check --expect old (the DNS)" \
    "$XMPPCUT" -c "$P" $LAB_OPTS --stub plain.test="$LAB_NS1" check --expect old --dns-only
done_testing
