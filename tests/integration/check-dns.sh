#!/bin/bash
# check, DNS part, against the lab: real Knot servers with a signed zone,
# libunbound validating. Old and new state, propagation to one server then
# both, DNSSEC bogus and insecure, broken targets, dead servers.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
need jq
lab_start
# shellcheck disable=SC2086
xc() { "$XMPPCUT" -c "$LAB_PLAN" $LAB_OPTS --json "$@"; }

expect_status 0 "old state: check --expect old" xc check --expect old
json_ok "the SRV is secure, with its TTL" '.domains[0].records[] | select(.type == "SRV" and (.name | startswith("_xmpp-server"))) | .dnssec == "secure" and .ttl == 3600 and .rdata == ["0 0 5269 old.example.test."]'
json_ok "the zone and both servers" ".domains[0].zone == \"example.test\" and ([.domains[0].servers[].address] | sort) == ([\"$LAB_NS1\", \"$LAB_NS2\"] | sort)"
# Answers larger than a UDP datagram: 48 TLSA records at the old
# gateway's port (about 2.5 KB) come truncated and are asked again over
# TCP; every server still compared, nothing to say.
for ns in "$LAB_NS1" "$LAB_NS2"; do
	{
		printf 'server %s 53\nzone example.test.\n' "$ns"
		for i in $(seq 1 48); do
			printf 'update add _5269._tcp.old.example.test. 3600 TLSA 3 0 1 %064x\n' "$i"
		done
		printf 'send\n'
	} | nsupdate -k "$LAB_TSIG"
done
sleep 0.5
expect_status 0 "48 TLSA records (a truncated answer, then TCP): still clean" xc check --expect old --dns-only
json_ok "... no finding" '.findings == []'
for ns in "$LAB_NS1" "$LAB_NS2"; do
	printf 'server %s 53\nzone example.test.\nupdate delete _5269._tcp.old.example.test. TLSA\nsend\n' "$ns" |
	    nsupdate -k "$LAB_TSIG"
done
sleep 0.5

expect_status 2 "old state: check --expect new" xc check --expect new
check "old state, new expected: srv-points-old" test "$(finding_ids)" = "srv-plan-mismatch srv-points-old tlsa-missing"
expect_status 2 "old state: check (new is the default)" xc check
json_ok "srv-points-old names the SRV" '[.findings[] | select(.id == "srv-points-old" and .subject == "_xmpp-server._tcp.example.test")] | length == 1'
expect_status 3 "--expect with --stage" xc check --expect old --stage pre

expect_status 1 "old state: check --stage pre" xc check --stage pre
check "before pre: the TTLs are above cutover-ttl" test "$(finding_ids)" = ttl-above-cutover
json_ok "ttl-above-cutover for the SRV and the gateway's A" '[.findings[].subject] | sort == ["_xmpp-server._tcp.example.test", "old.example.test"]'

# The servers listed first serving pre's TTL is not enough: a cache fed by
# the other keeps today's records for their TTL (the largest counts).
check "pre applied to the first server only" lab_update pre "$LAB_NS1"
expect_status 1 "... check --stage pre: warnings (the records are right, a TTL is not yet)" xc check --stage pre
json_ok "... ttl-above-cutover from ns2's TTL, for the SRV and the gateway's A" \
    '[.findings[] | select(.id == "ttl-above-cutover") | .subject] | sort == ["_xmpp-server._tcp.example.test", "old.example.test"]'
json_ok "... ttl-inconsistent (a warning): the same records, another TTL" \
    '([.findings[] | select(.id == "ttl-inconsistent") | .message | test("disagree on the (SRV|A) records. TTL: .* serves TTL 300, ns2.example.test .* TTL 3600")] | length == 2) and ([.findings[] | select(.id == "ttl-inconsistent") | .severity] | unique == ["warning"])'
check "pre applied to the second server, the first back at today's TTL (the server that lags changes)" lab_update pre "$LAB_NS2"
check "... (today's TTL on the first)" lab_nsupdate "$LAB_NS1" 'zone example.test.' \
    'update delete _xmpp-server._tcp.example.test. SRV' \
    'update add _xmpp-server._tcp.example.test. 3600 SRV 0 0 5269 old.example.test.' \
    'update delete old.example.test. A' "update add old.example.test. 3600 A $LAB_OLD"
sleep 0.2
expect_status 1 "... check --stage pre, the other server lagging" xc check --stage pre
json_ok "... ttl-above-cutover again, from ns1's TTL" \
    '[.findings[] | select(.id == "ttl-above-cutover") | .subject] | sort == ["_xmpp-server._tcp.example.test", "old.example.test"]'
check "pre applied to the first server again" lab_update pre "$LAB_NS1"
expect_status 0 "pre: check --stage pre (TTLs at cutover-ttl)" xc check --stage pre
expect_status 0 "pre: rollback's records are pre's" xc check --stage rollback

check "cutover applied to the first server only" lab_update cutover "$LAB_NS1"
expect_status 2 "half propagated: check --expect new" xc check --expect new
json_ok "ns-inconsistent names both servers" "[.findings[] | select(.id == \"ns-inconsistent\" and (.message | contains(\"$LAB_NS1\") and contains(\"$LAB_NS2\")))] | length >= 1"
json_ok "the server serials differ" '[.domains[0].servers[].serial] | unique | length == 2'
# A resolver that asks only the server behind answers it fresh: the
# servers disagree, no cache is stale (the first server listed serves
# the new records).
expect_status 2 "... the resolver asking ns2 alone" "$XMPPCUT" -c "$LAB_PLAN" \
    --stub "example.test=$LAB_NS2" --trust-anchor "$LAB_TA" --json check --expect new --dns-only
json_ok "... ns-inconsistent, and no cache-stale" \
    '([.findings[] | select(.id == "ns-inconsistent")] | length >= 1) and ([.findings[] | select(.id == "cache-stale")] | length == 0)'
json_ok "... the servers listed by name" '[.domains[0].servers[].name] == ["ns1.example.test", "ns2.example.test"]'

check "cutover applied to the second server" lab_update cutover "$LAB_NS2"
expect_status 0 "cutover everywhere: check --expect new" xc check --expect new
json_ok "no findings at all" '.findings == []'
json_ok "TLSA from the plan's certificate, secure" '[.domains[0].records[] | select(.type == "TLSA" and .dnssec == "secure")] | length == 2'
expect_status 0 "cutover: check --stage cutover" xc check --stage cutover
expect_status 2 "cutover: check --expect old" xc check --expect old
check "the new records when old is expected: srv-points-old" \
    sh -c "jq -e '[.findings[].id] | index(\"srv-points-old\")' '$T/out' >/dev/null"

# Forwarding instead of stubs: --resolver to one authoritative server.
expect_status 0 "--resolver $LAB_NS1" "$XMPPCUT" -c "$LAB_PLAN" --resolver "$LAB_NS1" \
    --trust-anchor "$LAB_TA" --json check
json_ok "forwarded answers validate" '.domains[0].records[0].dnssec == "secure"'

# DNSSEC.
echo "example.test. DS 1 13 2 0000000000000000000000000000000000000000000000000000000000000000" >"$T/bad-ta"
# shellcheck disable=SC2086
expect_status 2 "a wrong trust anchor" "$XMPPCUT" -c "$LAB_PLAN" ${LAB_OPTS/--trust-anchor $LAB_TA/--trust-anchor $T/bad-ta} --json check
json_ok "dnssec-bogus with the validator's reason" '[.findings[] | select(.id == "dnssec-bogus" and (.message | test("DS|key")))] | length >= 1'
check "only dnssec-bogus (one cause, not a cascade)" test "$(finding_ids)" = dnssec-bogus

plan_for() { # plan_for DOMAIN HOST: a plan whose new gateway is HOST
	printf '[plan]\ndomain = %s\n[gateway %s]\nrole = new\naddress = %s\n' \
	    "$1" "$2" "$LAB_PARTNERS" >"$T/$1.conf"
	echo "$T/$1.conf"
}
# shellcheck disable=SC2086
xcp() { local plan=$1; shift; "$XMPPCUT" -c "$plan" $LAB_OPTS --json "$@"; }
expect_status 2 "a zone changed after signing" xcp "$(plan_for tampered.test xmpp.tampered.test)" check
json_ok "dnssec-bogus for the SRV, signature named" '.findings[0].id == "dnssec-bogus" and (.findings[0].message | test("signature"))'
expect_status 0 "an unsigned zone" xcp "$(plan_for plain.test xmpp.plain.test)" check
check "unsigned: dnssec-insecure (info)" test "$(finding_ids)" = dnssec-insecure
# A TLSA that does not match the plan's certificate, in an unsigned zone:
# DANE partners ignore it there (RFC 7673) -- today; the message says so
# instead of "DANE partners will refuse" (user trial, helper-13).
lab_nsupdate_both 'zone plain.test.' \
    "update add _5269._tcp.xmpp.plain.test. 300 TLSA 3 1 1 $(printf %064d 0)"
printf 'cert = %s\n' "$LAB_DIR/ca/new.pem" >>"$(plan_for plain.test xmpp.plain.test)"
expect_status 2 "a TLSA for another key in an unsigned zone" xcp "$T/plain.test.conf" check --dns-only
json_ok "... tlsa-mismatch says DANE partners ignore it while the zone is unsigned" \
    '[.findings[] | select(.id == "tlsa-mismatch" and (.message | contains("ignore the record today, its zone not being DNSSEC-signed")))] | length == 1'
lab_nsupdate_both 'zone plain.test.' 'update delete _5269._tcp.xmpp.plain.test. TLSA'
expect_status 2 "an alias and a target without address" xcp "$(plan_for broken.test xmpp.broken.test)" check
json_ok "srv-target-cname names the alias and its target" '[.findings[] | select(.id == "srv-target-cname" and (.message | contains("alias.broken.test") and contains("xmpp.broken.test")))] | length == 1'
json_ok "srv-target-no-address names the host" '[.findings[] | select(.id == "srv-target-no-address" and (.message | contains("nohost.broken.test")))] | length == 1'

# Usage and setup problems are exit 3.
expect_status 3 "--stub without =" "$XMPPCUT" -c "$LAB_PLAN" --stub example.test check
expect_status 3 "a trust anchor file that does not exist" "$XMPPCUT" -c "$LAB_PLAN" --stub "example.test=$LAB_NS1" --trust-anchor "$T/none" check
check "... said in one line" test "$(wc -l <"$T/out")" -le 3
echo "this is not a trust anchor" >"$T/garbage-ta"
expect_status 3 "a trust anchor file that is not one" "$XMPPCUT" -c "$LAB_PLAN" --stub "example.test=$LAB_NS1" --trust-anchor "$T/garbage-ta" check
check "... and libunbound's log stays out of the way" test ! -s "$T/err"
expect_status 3 "a resolver that is not an address" "$XMPPCUT" -c "$LAB_PLAN" --resolver "not an address" check

# Name servers that cannot be asked, or do not serve the zone: one
# finding per server, asked on its own (RD=0, no referral followed).
# ns3: an NSD that serves another zone (lame), ns4: nothing listens,
# ns5: no address at all.
NET=${LAB_NS1%.*}
mkdir -p "$T/nsd"
printf '$ORIGIN other.test.\n$TTL 300\n@ SOA ns1 hostmaster 1 3600 600 86400 300\n@ NS ns1\nns1 A %s.31\n' "$NET" >"$T/nsd/other.test.zone"
cat >"$T/nsd/nsd.conf" <<NSD
server:
    ip-address: $NET.31@53
    port: 53
    username: ""
    chroot: ""
    database: ""
    pidfile: "$T/nsd/nsd.pid"
    xfrdfile: "$T/nsd/xfrd.state"
    zonelistfile: "$T/nsd/zone.list"
    xfrdir: "$T/nsd"
    logfile: "$T/nsd/nsd.log"
remote-control:
    control-enable: no
zone:
    name: other.test
    zonefile: "$T/nsd/other.test.zone"
NSD
start_bg nsd nsd -d -c "$T/nsd/nsd.conf"
wait_dns "$NET.31" 53 other.test
for ns in "$LAB_NS1" "$LAB_NS2"; do
	printf 'server %s 53\nzone example.test.\nupdate add example.test. 3600 NS ns3.example.test.\nupdate add example.test. 3600 NS ns4.example.test.\nupdate add example.test. 3600 NS ns5.example.test.\nupdate add ns3.example.test. 3600 A %s.31\nupdate add ns4.example.test. 3600 A %s.41\nsend\n' \
	    "$ns" "$NET" "$NET" | nsupdate -k "$LAB_TSIG"
done
sleep 0.5
start=$(date +%s%N)
expect_status 2 "a lame, a silent and an address-less name server" xc --timeout 2 check --dns-only
elapsed=$(( ($(date +%s%N) - start) / 1000000 ))
json_ok "ns-lame for ns3, ns-unreachable for ns4 and ns5, once each, nothing else" \
    '[.findings[] | "\(.id) \(.subject)"] | sort == ["ns-lame ns3.example.test", "ns-unreachable ns4.example.test", "ns-unreachable ns5.example.test"]'
check "... within the --timeout ($elapsed ms)" test "$elapsed" -lt 3500
json_ok "the two that serve the zone were compared" '[.domains[0].servers[] | select(.serial != null)] | length == 2'
for ns in "$LAB_NS1" "$LAB_NS2"; do
	printf 'server %s 53\nzone example.test.\nupdate delete example.test. NS ns3.example.test.\nsend\n' "$ns" |
	    nsupdate -k "$LAB_TSIG"
done
sleep 0.5
expect_status 1 "without the lame one: warnings only" xc --timeout 2 check --dns-only
expect_status 1 "-6: no name server has an IPv6 address" xc -6 --timeout 2 check --dns-only
json_ok "... each said once" '[.findings[] | select(.id == "ns-unreachable") | .subject] | sort == ["ns1.example.test", "ns2.example.test", "ns4.example.test", "ns5.example.test"]'
json_ok "... the message says IPv6" '[.findings[] | select(.subject == "ns1.example.test") | .message | contains("no IPv6 address")] == [true]'
# (The cutover is applied by now.) A plan domain in a child zone of
# another plan domain's zone: each
# zone's servers are asked for their own data only (the parent's would
# answer with a referral).
printf '$ORIGIN sub.example.test.\n$TTL 300\n@ SOA ns3.example.test. hostmaster 1 3600 600 86400 300\n@ NS ns3.example.test.\n_xmpp-server._tcp SRV 0 0 5269 new.example.test.\n_xmpps-server._tcp SRV 0 0 5270 new.example.test.\n' >"$T/nsd/sub.example.test.zone"
printf 'zone:\n    name: sub.example.test\n    zonefile: "%s/nsd/sub.example.test.zone"\n' "$T" >>"$T/nsd/nsd.conf"
stop_bg nsd
start_bg nsd nsd -d -c "$T/nsd/nsd.conf"
wait_dns "$NET.31" 53 sub.example.test
for ns in "$LAB_NS1" "$LAB_NS2"; do
	printf 'server %s 53\nzone example.test.\nupdate add sub.example.test. 3600 NS ns3.example.test.\nupdate delete example.test. NS ns4.example.test.\nupdate delete example.test. NS ns5.example.test.\nsend\n' "$ns" |
	    nsupdate -k "$LAB_TSIG"
done
sleep 0.5
sed 's/^domain = example.test$/domain = example.test\ndomain = sub.example.test/' "$LAB_PLAN" >"$LAB_DIR/nested.conf"
# shellcheck disable=SC2086
expect_status 0 "example.test and sub.example.test (delegated): check" \
    "$XMPPCUT" -c "$LAB_DIR/nested.conf" $LAB_OPTS --stub "sub.example.test=$NET.31" --json check --dns-only
json_ok "... each zone found, nothing else to say but sub's unsigned SRV" \
    '([.domains[].zone] == ["example.test", "sub.example.test"]) and ([.findings[].id] | unique) == ["dnssec-insecure"]'
stop_bg nsd

# ns2 restarted serving example.test with the same data, unsigned (a
# secondary fed from the signer's unsigned side, say): the resolver
# validates with ns1 and says nothing; a resolver that asks ns2 fails.
# Each server is asked with DO set: ns2's answers come without RRSIG
# (user trial, helper-14: check said OK).
expect_status 0 "both servers signed: clean" xc check --dns-only
dig @"$LAB_NS1" example.test AXFR +nocmd +nostats |
    grep -v -P '\t(RRSIG|NSEC|NSEC3|NSEC3PARAM|DNSKEY|CDS|CDNSKEY)\t' >"$T/unsigned.zone"
lab_knot_stop 2
mkdir -p "$LAB_DIR/knot2u/db"
cp -r "$LAB_DIR/knot2/zones" "$LAB_DIR/knot2u/"
cp "$T/unsigned.zone" "$LAB_DIR/knot2u/zones/example.test.zone"
sed -e "s#$LAB_DIR/knot2\([/\"]\)#$LAB_DIR/knot2u\1#g" -e '/dnssec-signing: on/d; /dnssec-policy: lab/d' \
    "$LAB_DIR/knot2/knot.conf" >"$LAB_DIR/knot2u/knot.conf"
knotd -c "$LAB_DIR/knot2u/knot.conf" >"$LAB_DIR/knot2u/stderr" 2>&1 &
echo "$! knot2u" >>"$LAB_DIR/pids"
wait_dns "$LAB_NS2" 53 example.test
check "... ns2 now serves the SRV without RRSIG" sh -c "! dig +dnssec @$LAB_NS2 _xmpp-server._tcp.example.test SRV | grep -q RRSIG"
expect_status 2 "ns2 serving the signed zone unsigned" xc check --dns-only
json_ok "... ns-inconsistent names ns2 and the missing signatures" \
    '[.findings[] | select(.id == "ns-inconsistent" and (.message | test("^ns2.example.test .* without their signatures")))] | length >= 1'
json_ok "... and never ns1" '[.findings[] | select(.message | test("^ns1.example.test"))] == []'

# Our own zone's servers all dead, another stub zone's alive: a verdict
# on our zone (dns-failure, CRITICAL), not resolver-failed (UNKNOWN) --
# whichever --stub comes first (user trial, helper-16: the resolver's
# liveness was judged by the first stub's zone alone).
dead="--stub example.test=127.0.0.1@$(free_port) --stub example.test=127.0.0.1@$(free_port)"
for order in dead-first dead-last; do
	if [ $order = dead-first ]; then stubs="$dead --stub partner-a.test=$LAB_NS1"
	else stubs="--stub partner-a.test=$LAB_NS1 $dead"; fi
	# shellcheck disable=SC2086
	expect_status 2 "our zone's servers dead, a partner zone's alive ($order)" \
	    "$XMPPCUT" -c "$LAB_PLAN" $stubs --trust-anchor "$LAB_TA" --json --timeout 2 check --dns-only
	json_ok "... dns-failure, no resolver-failed ($order)" \
	    '([.findings[].id] | index("dns-failure") != null) and ([.findings[].id] | index("resolver-failed") == null)'
done

# Every server stopped: nothing answers at all, not even the stub's own
# zone: the tool cannot judge (resolver-failed, exit 3), never "CRITICAL:
# partners cannot resolve it either", and never a hang: the lookups take
# one --timeout, the check of the resolver one more.
lab_stop
start=$(date +%s%N)
expect_status 3 "servers down" xc --timeout 2 check
elapsed=$(( ($(date +%s%N) - start) / 1000000 ))
check "servers down: over within twice --timeout plus a margin (${elapsed} ms)" test "$elapsed" -lt 5500
json_ok "servers down: resolver-failed, alone" '[.findings[].id] | unique == ["resolver-failed"]'
done_testing
