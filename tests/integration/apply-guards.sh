#!/bin/bash
# shellcheck disable=SC2086,SC2317
# apply's guards, each a way the cutover could otherwise half-apply or
# go out too early, against the lab's Knot servers. The plan moves
# example.test and plain.test to two new gateways, one of them in a zone
# that holds only that host (partner-c.test):
# - cutover straight from today's records (pre never applied: TTL 3600)
#   is refused, with or without a stale journal entry; RFC 2136
#   prerequisites cannot tell pre from today (same values, no TTLs);
# - a host the previous stage did not publish, set by hand to another
#   address, is refused by apply (the script can only guard "no alias");
# - an alias (CNAME) at a gateway host: apply refuses, and so does the
#   server for the script's message (Knot silently drops an addition at
#   a CNAME, RFC 2136 3.4.2.2, when nothing guards it) -- but nsupdate goes
#   on to the next zone's message, which the script's header says;
# - the TTL gate stays out of a re-run that sends nothing, and a dry run
#   with --force does not claim to have sent;
# - --wait says a name server without an address, and never counts it;
# - keys: hmac-md5 signs (ldns knows it only by its wire name),
#   hmac-sha384 is refused before anything is read (ldns misspells it);
# - a journal line that is no entry is file-unreadable (exit 3);
# - final does not need the old gateways' zones.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
need jq nsupdate knotc ddns-confgen
lab_start
P=$LAB_DIR/guards.conf
cat >"$P" <<EOF
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
direct-tls-port = 5270
cert = ca/new.pem
weight = 10

[gateway gw.partner-c.test]
role = new
address = 192.0.2.77
priority = 20
weight = 10
EOF
# shellcheck disable=SC2086
ap() { "$XMPPCUT" -c "$P" $LAB_OPTS --json apply --tsig-key "$LAB_TSIG" "$@"; }
knot1=$LAB_DIR/knot1/knot.conf

check "today: plain.test served by the old gateway" lab_nsupdate_both 'zone plain.test.' \
    'update delete _xmpp-server._tcp.plain.test. SRV' \
    'update add _xmpp-server._tcp.plain.test. 3600 SRV 0 0 5269 old.example.test.'
s1=$(lab_serial "$LAB_NS1" example.test)

# Cutover without pre: today's records have pre's values but TTL 3600.
expect_status 2 "cutover straight from today's records" ap --stage cutover --server "$LAB_NS1"
json_ok "... refused: pre is not in place (TTL 3600, pre sets 300)" \
    '[.findings[] | select(.id == "zone-unexpected-state" and (.message | test("TTL 3600, stage pre sets 300: pre is not in place")))] | length == 2'
check "... nothing sent" test "$(lab_serial "$LAB_NS1" example.test)" = "$s1"
printf 'pre example.test 1000000000 3600\npre plain.test 1000000000 3600\n' >"$P.journal"
expect_status 2 "... also with a stale journal entry for pre" ap --stage cutover --server "$LAB_NS1"
json_ok "... still refused" '([.findings[] | select(.id == "zone-unexpected-state")] | length == 2) and ([.zones[].sent] | any | not)'
rm -f "$P.journal"

# The host-only zone's message guards that no name it sets is an alias.
# (exit 1: the lab's new certificate names example.test, not plain.test)
expect_status 1 "the cutover script" "$XMPPCUT" -c "$P" $LAB_OPTS generate --stage cutover --format nsupdate --server "$LAB_NS1"
check "... partner-c.test guarded against an alias" grep -q '^prereq nxrrset gw.partner-c.test. IN CNAME$' "$T/out"
check "... every message has a prerequisite (four: example.test's hosts go apart)" awk '/^zone /{p=0} /^prereq/{p=1} /^send$/{if (!p) exit 1; n++} END{exit n != 4}' "$T/out"
cp "$T/out" "$LAB_DIR/cutover.nsupdate"

expect_status 0 "pre on ns1" ap --stage pre --server "$LAB_NS1"
# ns2 still serves today's records: caches fed by it may hold them with
# their old TTL, whatever the journal says of the primary.
cp "$P.journal" "$T/journal.now"
sed -i 's/^pre \([^ ]*\) [0-9]* /pre \1 1000000000 /' "$P.journal"
sc=$(lab_serial "$LAB_NS1" example.test)
expect_status 2 "cutover with pre on ns1 only (the gate's time passed)" ap --stage cutover --server "$LAB_NS1"
json_ok "... held: ns2 does not serve pre" \
    '([.findings[] | select(.id == "ttl-wait" and .severity == "error" and (.message | contains("ns2.example.test")) and (.message | contains("does not serve pre")))] | length >= 1) and ([.zones[].sent] | any | not)'
check "... nothing sent" test "$(lab_serial "$LAB_NS1" example.test)" = "$sc"
cp "$T/journal.now" "$P.journal"
expect_status 0 "pre on ns2" ap --stage pre --server "$LAB_NS2"
expect_status 1 "cutover --dry-run --force right after pre" ap --stage cutover --server "$LAB_NS1" --dry-run --force
json_ok "... ttl-wait warns, and does not say it sent" \
    '([.findings[] | select(.id == "ttl-wait")] | length == 1) and ([.findings[] | select(.id == "ttl-wait" and .severity == "warning" and (.message | test("would send anyway")))] | length == 1) and ([.zones[].sent] | any | not)'
sed -i 's/^pre \([^ ]*\) [0-9]* /pre \1 1000000000 /' "$P.journal"

# partner-c.test (the host-only zone of gw.partner-c.test) refuses the
# key: the zones whose SRV would name gw.partner-c.test are held back.
lab_refuse_key partner-c.test
s1=$(lab_serial "$LAB_NS1" example.test)
expect_status 2 "cutover with the host-only zone refusing the key" ap --stage cutover --server "$LAB_NS1"
json_ok "... partner-c.test refused, the SRV records naming its host held back; only example.test's host sent" \
    '([.findings[] | select(.id == "update-refused") | .subject] | sort) == ["example.test", "partner-c.test", "plain.test"] and ([.findings[] | select(.message | contains("held back"))] | length == 2) and ([.zones[] | select(.sent) | "\(.zone) \(.part)"] == ["example.test hosts"])'
check "... example.test's SRV does not name a host without address" test "$(dig +short @"$LAB_NS1" _xmpp-server._tcp.example.test SRV)" = "0 0 5269 old.example.test."
lab_accept_key

# A new gateway's host set by hand to another address: apply refuses.
check "gw.partner-c.test set by hand" lab_nsupdate "$LAB_NS1" 'zone partner-c.test.' \
    'update add gw.partner-c.test. 300 A 192.0.2.99'
sc=$(lab_serial "$LAB_NS1" partner-c.test)
expect_status 2 "cutover with a host holding other values" ap --stage cutover --server "$LAB_NS1"
json_ok "... partner-c.test unexpected, naming the address" \
    '[.findings[] | select(.id == "zone-unexpected-state") | .subject] == ["partner-c.test"] and (.findings[0].message | contains("192.0.2.99"))'
json_ok "... and the way on, should the plan have been corrected" \
    '.findings[0].message | contains("if gw.partner-c.test'"'"'s addresses in the plan changed since, set the record to the plan'"'"'s by hand")'
check "... nothing sent" test "$(lab_serial "$LAB_NS1" partner-c.test)" = "$sc"

# An alias at the host: apply refuses, the script is refused by Knot.
check "gw.partner-c.test made an alias" lab_nsupdate "$LAB_NS1" 'zone partner-c.test.' \
    'update delete gw.partner-c.test. A' \
    'update add gw.partner-c.test. 300 CNAME xmpp.partner-c.test.'
sc=$(lab_serial "$LAB_NS1" partner-c.test)
expect_status 2 "cutover with an alias at a gateway host" ap --stage cutover --server "$LAB_NS1"
json_ok "... refused: the alias named" \
    '[.findings[] | select(.id == "zone-unexpected-state" and (.message | contains("gw.partner-c.test CNAME should be absent")))] | length == 1'
expect_status 2 "... the script: nsupdate refused" nsupdate -k "$LAB_TSIG" "$LAB_DIR/cutover.nsupdate"
check "... at partner-c.test's message, on the alias (YXRRSET)" grep -q 'update failed: YXRRSET' "$T/err"
# nsupdate does not stop at a refused message: the next zone's goes out.
# The script says so; apply read every zone first and refused them all.
srv=$(dig +short @"$LAB_NS1" _xmpp-server._tcp.example.test SRV | sort | tr '\n' ' ')
check "... but nsupdate went on: example.test switched ($srv)" test "$srv" = "0 10 5269 new.example.test. 20 10 5269 gw.partner-c.test. "
check "... as the script's header warns" grep -q '^; nsupdate goes on after a refused message' "$LAB_DIR/cutover.nsupdate"
check "... partner-c.test unchanged" test "$(lab_serial "$LAB_NS1" partner-c.test)" = "$sc"
check "alias removed" lab_nsupdate "$LAB_NS1" 'zone partner-c.test.' 'update delete gw.partner-c.test. CNAME'

# --wait with a name server that has no address.
check "plain.test gets a third NS without an address" lab_nsupdate_both 'zone plain.test.' \
    'update add plain.test. 3600 NS ns3.plain.test.'
expect_status 0 "cutover on ns1" ap --stage cutover --server "$LAB_NS1"
expect_status 1 "cutover on ns2, --wait" ap --stage cutover --server "$LAB_NS2" --wait 3
json_ok "... ns-unreachable names the server without an address" \
    '[.findings[] | select(.id == "ns-unreachable" and (.message | startswith("--wait: name server ns3.plain.test")))] | length == 1'
check "... the rest said to serve the stage, per zone, ns3 not counted" grep -q 'all 6 servers serve the stage (2 of partner-c.test, 2 of example.test, 2 of plain.test) (not counting' "$T/err"
sed -i "s/^pre \([^ ]*\) [0-9]* /pre \1 $(date +%s) /" "$P.journal"	# pre just now
expect_status 0 "cutover again right after pre: nothing to send, so no TTL gate" ap --stage cutover --server "$LAB_NS1"
json_ok "... at the stage, no ttl-wait" '[.zones[].state] | all(. == "at-stage")'

# Keys.
printf 'key "big." { algorithm hmac-sha384; secret "%s"; };\n' "$(openssl rand -base64 48)" >"$LAB_DIR/sha384.key"
expect_status 3 "an hmac-sha384 key: refused before anything is read" \
    "$XMPPCUT" -c "$P" $LAB_OPTS --json apply --stage final --dry-run --tsig-key "$LAB_DIR/sha384.key"
json_ok "... tsig-key-invalid, naming a usable algorithm, the file named once" \
    '.findings[0].id == "tsig-key-invalid" and (.findings[0].message | contains("hmac-sha256")) and (.findings[0].message | contains("sha384.key") | not)'
ddns-confgen -s gw.example.test >"$LAB_DIR/ddns.key" 2>/dev/null
expect_status 3 "ddns-confgen's whole output as the key file (nsupdate -k refuses it too)" \
    "$XMPPCUT" -c "$P" $LAB_OPTS --json apply --stage final --dry-run --tsig-key "$LAB_DIR/ddns.key"
json_ok "... tsig-key-invalid: more than the key, ddns-confgen -q writes it alone" \
    '.findings[0].id == "tsig-key-invalid" and (.findings[0].message | contains("ddns-confgen -q"))'
md5=$(openssl rand -base64 16)
printf 'key "md5-key." { algorithm hmac-md5; secret "%s"; };\n' "$md5" >"$LAB_DIR/md5.key"
sed -i "s|^key:\$|key:\n  - id: md5-key.\n    algorithm: hmac-md5\n    secret: $md5|; s|^acl:\$|acl:\n  - id: update-md5\n    address: 127.0.0.0/8\n    key: md5-key.\n    action: update|; s|acl: \[update, transfer\]|acl: [update, update-md5, transfer]|" "$knot1"
knotc -c "$knot1" reload >/dev/null
sleep 0.3
# shellcheck disable=SC2086
expect_status 0 "final signed with an hmac-md5 key" \
    "$XMPPCUT" -c "$P" $LAB_OPTS --json apply --stage final --server "$LAB_NS1" --tsig-key "$LAB_DIR/md5.key"
json_ok "... sent to every zone, the signed answer verified" '[.zones[] | .sent and .rcode == "NOERROR"] | all'

# The journal.
cp "$P.journal" "$T/journal.good"
echo 'pre 1000000000 3600' >>"$P.journal"
expect_status 3 "a journal line that is no entry" ap --stage rollback --server "$LAB_NS2" --dry-run
json_ok "... file-unreadable with the line" '.findings[0].id == "file-unreadable" and (.findings[0].message | test("journal:[0-9]+: not a journal entry"))' 
cp "$T/journal.good" "$P.journal"

# final needs only the new gateways' zones: the old one's may be unknown.
sed 's/^\[gateway old.example.test\]$/[gateway old.nowhere.invalid]/' "$P" >"$LAB_DIR/far.conf"
cp "$P.journal" "$LAB_DIR/far.conf.journal"
expect_status 1 "final with the old gateway in a zone no server knows: generate" \
    "$XMPPCUT" -c "$LAB_DIR/far.conf" $LAB_OPTS generate --stage final --format nsupdate --server "$LAB_NS2"
expect_status 0 "... and apply (dry run)" \
    "$XMPPCUT" -c "$LAB_DIR/far.conf" $LAB_OPTS --json apply --stage final --server "$LAB_NS2" --tsig-key "$LAB_TSIG" --dry-run
json_ok "... every zone ready" '[.zones[].state] | all(. == "ready")'

# A host name moving to a new address: old and new share it, the SRV
# stays, the A record moves, guarded by the address pre left.
cat >"$LAB_DIR/same.conf" <<EOS
[plan]
domain = partner-a.test
[gateway xmpp.partner-a.test]
role = old
address = $LAB_PARTNERS
[gateway xmpp.partner-a.test]
role = new
address = 192.0.2.55
EOS
sa() { "$XMPPCUT" -c "$LAB_DIR/same.conf" $LAB_OPTS --json apply --tsig-key "$LAB_TSIG" --server "$LAB_NS1" "$@"; }
expect_status 0 "same host name: pre" sa --stage pre
expect_status 1 "... cutover (--force)" sa --stage cutover --force
check "... the name now has the new address" test "$(dig +short @"$LAB_NS1" xmpp.partner-a.test A)" = 192.0.2.55
check "... the SRV still names it" test "$(dig +short @"$LAB_NS1" _xmpp-server._tcp.partner-a.test SRV)" = "0 0 5269 xmpp.partner-a.test."
check "the address changed by hand" lab_nsupdate "$LAB_NS1" 'zone partner-a.test.' \
    'update delete xmpp.partner-a.test. A' 'update add xmpp.partner-a.test. 300 A 192.0.2.66'
expect_status 2 "... rollback refused" sa --stage rollback
json_ok "... naming the address" '[.findings[] | select(.id == "zone-unexpected-state" and (.message | contains("192.0.2.66")))] | length == 1'
check "put back" lab_nsupdate "$LAB_NS1" 'zone partner-a.test.' \
    'update delete xmpp.partner-a.test. A' 'update add xmpp.partner-a.test. 300 A 192.0.2.55'
expect_status 0 "... rollback" sa --stage rollback
check "... the old address is back" test "$(dig +short @"$LAB_NS1" xmpp.partner-a.test A)" = "$LAB_PARTNERS"
done_testing
