#!/bin/bash
# Every bad plan under tests/plans/ gives exit 3 and a plan-invalid
# finding at the line marked "; <- plan-invalid"; the good ones exit 0.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
need jq

n=0
for f in "$top_srcdir"/tests/plans/bad-*.conf; do
	name=$(basename "$f")
	line=$(grep -n '; <- plan-invalid' "$f" | cut -d: -f1)
	expect_status 3 "$name" "$XMPPCUT" -c "$f" --json generate --stage cutover
	json_ok "$name: plan-invalid at line $line" \
	    "[.findings[] | select(.id == \"plan-invalid\" and .line == $line and .severity == \"error\")] | length >= 1"
	json_ok "$name: every finding is plan-invalid with the file" \
	    "[.findings[] | select(.id != \"plan-invalid\" or .file == null)] | length == 0"
	n=$((n + 1))
done
check "at least 15 bad plans ($n)" test "$n" -ge 15
# The longest gateway name the reader takes is 180 characters (its
# section marker line fits inih's 200-byte buffer); one more is refused
# at its line, never cut (it was read as a shorter name).
long_name() { # long_name N: a host name of N characters under .test
	local s="" l=$(($1 - 5))
	while [ ${#s} -lt $l ]; do
		[ -n "$s" ] && s="$s."
		s="$s$(printf '%*s' $((l - ${#s} < 63 ? l - ${#s} : 63)) '' | tr ' ' a)"
	done
	echo "$s.test"
}
for n in 180 181; do
	printf '[plan]\ndomain = example.com\nzone = example.com\nzone = test\n[gateway old.example.com]\nrole = old\naddress = 192.0.2.2\n[gateway %s]\nrole = new\naddress = 192.0.2.1\n' \
	    "$(long_name $n)" >"$T/long-$n.conf"
done
check "a gateway name of 180 characters ($(long_name 180 | wc -c) with the newline)" test "$(long_name 180 | wc -c)" -eq 181
expect_status 0 "... is read whole" "$XMPPCUT" -c "$T/long-180.conf" generate --stage cutover
check "... and published whole" grep -q "^$(long_name 180)\.	" "$T/out"
expect_status 3 "a gateway name of 181 characters is refused" "$XMPPCUT" -c "$T/long-181.conf" generate --stage cutover
check "... at its line, saying why" grep -q "long-181.conf:8: error: \[plan-invalid\] section name longer than 188 characters" "$T/err"

# Text output: FILE:LINE: error: [plan-invalid] on stderr.
f=$top_srcdir/tests/plans/bad-role.conf
expect_status 3 "bad-role.conf, text output" "$XMPPCUT" -c "$f" generate --stage cutover
check "text finding is FILE:LINE: error: [plan-invalid]" \
    grep -q "bad-role.conf:4: error: \[plan-invalid\] role 'primary'" "$T/err"
for f in "$top_srcdir"/tests/plans/good-*.conf "$top_srcdir/zones/example.conf"; do
	expect_status 0 "$(basename "$f") is accepted" "$XMPPCUT" -c "$f" generate --stage cutover
done
# Addresses kept outside the plan: the SRV moves, the host is left alone.
f=$top_srcdir/tests/plans/good-external.conf
expect_status 0 "address = external: cutover" "$XMPPCUT" -c "$f" generate --stage cutover --format nsupdate
check "... the SRV names it" grep -q '^update add _xmpp-server._tcp.example.com. 300 IN SRV 0 0 5269 edge.example.com.$' "$T/out"
check "... its addresses untouched" sh -c "! grep -q 'edge.example.com. IN A' '$T/out'"
# A name moving to a new address: old and new share the host name.
f=$top_srcdir/tests/plans/good-same-host.conf
expect_status 0 "the same host name for old and new: cutover" "$XMPPCUT" -c "$f" generate --stage cutover --format nsupdate
check "... guarded by the old address pre left" grep -q '^prereq yxrrset xmpp.example.com. IN A 192.0.2.5$' "$T/out"
check "... then the new one" grep -q '^update add xmpp.example.com. 300 IN A 192.0.2.10$' "$T/out"
expect_status 0 "... rollback" "$XMPPCUT" -c "$f" generate --stage rollback --format nsupdate
check "... guarded by the new address, back to the old" sh -c "grep -q '^prereq yxrrset xmpp.example.com. IN A 192.0.2.10\$' '$T/out' && grep -q '^update add xmpp.example.com. 300 IN A 192.0.2.5\$' '$T/out'"
# A name whose zone cannot be found is an error, never a guess: no zone
# key, and the resolver (a dead one here) does not answer.
grep -v '^zone' "$top_srcdir/zones/example.conf" >"$T/nozone.conf"
cp "$top_srcdir/zones/edge.example.com.pem" "$T/"
expect_status 3 "no zone key and no answer: zone-unknown" "$XMPPCUT" -c "$T/nozone.conf" \
    --resolver 127.0.0.1@1 --timeout 1 --json generate --stage cutover
json_ok "... for every name the stage sets (not the old gateway's), exit 3" \
    '([.findings[] | select(.id == "zone-unknown") | .subject] | sort) == ["edge.example.com", "example.com", "example.org"] and .summary.exit == 3'
expect_status 3 "--zone for one domain, not the other" "$XMPPCUT" -c "$T/nozone.conf" \
    --resolver 127.0.0.1@1 --timeout 1 --json generate --stage cutover --zone example.com
json_ok "... only example.org unknown" '[.findings[] | select(.id == "zone-unknown") | .subject] == ["example.org"]'
# A subdomain lives in its parent's zone when the plan says so: the
# message goes to the zone that holds it (not "zone im.example.com").
printf '[plan]\ndomain = im.example.com\nzone = example.com\n[gateway edge.example.com]\nrole = new\naddress = 192.0.2.10\n[gateway old.example.com]\nrole = old\naddress = 192.0.2.5\n' >"$T/sub.conf"
expect_status 0 "im.example.com in zone example.com" "$XMPPCUT" -c "$T/sub.conf" generate --stage cutover -f nsupdate
check "... one message, to zone example.com" sh -c "grep -c '^zone ' '$T/out' | grep -qx 1 && grep -q '^zone example.com.$' '$T/out'"
done_testing
