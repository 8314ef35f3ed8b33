#!/bin/bash
# check through a caching resolver (a real unbound in front of the lab):
# TTL verdicts use the TTLs the zone's servers give, not the resolver's
# counting-down ones, and where the resolver still answers from its cache
# what the servers no longer serve, cache-stale says until when. init
# writes the servers' TTLs into the plan (also of a gateway host in
# another zone), and no plan from a stale cache.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
need jq unbound
lab_start
NET=${LAB_NS1%.*}
PORT=$(free_port)
U=$NET.99
mkdir -p "$T/unbound"
cat >"$T/unbound/unbound.conf" <<CONF
server:
    interface: $U@$PORT
    port: $PORT
    do-daemonize: no
    username: ""
    chroot: ""
    directory: "$T/unbound"
    pidfile: "$T/unbound/unbound.pid"
    use-syslog: no
    logfile: "$T/unbound/unbound.log"
    access-control: 127.0.0.0/8 allow
    do-not-query-localhost: no
    local-zone: "test." nodefault
    trust-anchor-file: "$LAB_TA"
stub-zone:
    name: "example.test"
    stub-addr: $LAB_NS1@53
    stub-addr: $LAB_NS2@53
stub-zone:
    name: "partner-c.test"
    stub-addr: $LAB_NS1@53
    stub-addr: $LAB_NS2@53
CONF
start_bg unbound unbound -d -c "$T/unbound/unbound.conf"
wait_dns "$U" "$PORT" example.test || { not_ok "unbound starts"; done_testing; }
xc() { "$XMPPCUT" -c "$LAB_PLAN" --resolver "$U@$PORT" --trust-anchor "$LAB_TA" --json "$@"; }

expect_status 0 "through the caching resolver: check --expect old" xc check --expect old --dns-only
json_ok "the SRV, secure, TTL 3600, now in unbound's cache" \
    '.domains[0].records[0] | .dnssec == "secure" and .ttl <= 3600 and .rdata == ["0 0 5269 old.example.test."]'
sleep 2	# unbound's cached TTL counts down
expect_status 0 "init through the caching resolver" "$XMPPCUT" --resolver "$U@$PORT" --trust-anchor "$LAB_TA" --json init example.test
json_ok "... ttl 3600 exactly: the servers' TTL, not the cache's countdown" '.plan.ttl == 3600 and (.text | contains("\nttl = 3600 "))'
check "pre applied" lab_update pre "$LAB_NS1" "$LAB_NS2"
# unbound still holds the TTL-3600 records; the servers give 300
expect_status 0 "pre: check --stage pre judges the servers' TTL 300" xc check --stage pre --dns-only
json_ok "... while the resolver's answer still counts down from 3600" \
    '.domains[0].records[0].ttl > 300'
json_ok "... no finding" '.findings == []'
check "cutover applied" lab_update cutover "$LAB_NS1" "$LAB_NS2"
expect_status 2 "cutover, the resolver's cache still old: what it answers is judged" xc check --dns-only
json_ok "cache-stale says the servers serve the new SRV, and until when the old one may be held" \
    '[.findings[] | select(.id == "cache-stale" and .subject == "_xmpp-server._tcp.example.test" and (.message | contains("new.example.test") and contains("keep it until")))] | length == 1'
json_ok "... an info" '[.findings[] | select(.id == "cache-stale") | .severity] | unique == ["info"]'
# A gateway host in another zone (partner-c.test): its servers are asked
# too, so its TTL is theirs as well.
check "cx.example.test: a gateway in partner-c.test, TTL 7200" lab_nsupdate_both 'zone example.test.' \
    'update add _xmpp-server._tcp.cx.example.test. 600 SRV 0 0 5269 gwc.partner-c.test.'
check "... its address" lab_nsupdate_both 'zone partner-c.test.' 'update add gwc.partner-c.test. 7200 A 192.0.2.70'
xu() { "$XMPPCUT" --resolver "$U@$PORT" --trust-anchor "$LAB_TA" --json "$@"; }
# unbound answered for example.test before: it may still deny the new
# name from its cache (a negative answer, or NSEC records it holds)
xu init cx.example.test >"$T/out" 2>/dev/null
if [ "$(jq .summary.exit "$T/out")" = 2 ]; then
	json_ok "a negative answer from the cache is cache-stale (an error for init), not just srv-missing" \
	    '[.findings[] | select(.id == "cache-stale" and .severity == "error" and .subject == "_xmpp-server._tcp.cx.example.test" and (.message | contains("gwc.partner-c.test")))] | length == 1'
	unbound-control -c "$T/unbound/unbound.conf" flush_zone example.test >/dev/null 2>&1 ||
	    kill -HUP "$(cat "$T/unbound/unbound.pid")"
	sleep 0.5
else
	ok "# the cache did not deny the new name (nothing to compare)"
fi
expect_status 0 "init cx.example.test (fills the cache)" xu init cx.example.test
sleep 2
expect_status 0 "init cx.example.test again, 2 s later" xu init cx.example.test
json_ok "... ttl 7200 exactly, the host zone's servers' TTL" '.plan.ttl == 7200 and .plan.zones == ["example.test", "partner-c.test"]'
# The cache holds an address the servers no longer serve: no plan.
check "gwc.partner-c.test moves to another address" lab_nsupdate_both 'zone partner-c.test.' \
    'update delete gwc.partner-c.test. A' 'update add gwc.partner-c.test. 7200 A 192.0.2.71'
expect_status 2 "init while the cache still holds the old address" xu init cx.example.test
json_ok "... cache-stale, an error for init, and no plan" '([.findings[] | select(.id == "cache-stale" and .severity == "error" and .subject == "gwc.partner-c.test" and (.message | contains("192.0.2.71")))] | length) == 1 and (has("plan") | not)'
expect_status 0 "asking the servers themselves (--stub) gives the plan" \
    "$XMPPCUT" --stub "example.test=$LAB_NS1" --stub "partner-c.test=$LAB_NS1" --trust-anchor "$LAB_TA" --json init cx.example.test
json_ok "... with the address the servers serve" '.plan.gateways[0].addresses == ["192.0.2.71"]'
done_testing
