#!/bin/bash
# shellcheck disable=SC2086
# init against the lab: the plan written from today's live records, then
# filled in as a user would, is a plan that check --expect old finds
# clean and whose stage pre republishes exactly today's records (owners,
# targets, ports, priorities, weights, addresses) with the TTL lowered:
# - example.test (signed): one gateway, the lab's own;
# - multi.example.test and multi2.example.test: three weighted gateways
#   shared by two domains, direct TLS on two of them, one in another zone
#   (partner-c.test), a TLSA record, TTLs 1800 and 7200;
# - what is reported and not turned into a plan: no SRV (chat.plain.test,
#   an alias, the A/AAAA fallback), a domain that does not exist, an
#   alias as SRV target and a target without address (broken.test), a
#   bogus answer, a "." target, a host named twice, a host only in
#   _xmpps-server, another priority in _xmpps-server, an aliased SRV
#   owner, domains that name different gateways; usage errors and a dead
#   resolver.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
need jq dig nsupdate
lab_start
xi() { "$XMPPCUT" $LAB_OPTS "$@"; }

# today OWNER...: today's records at ns1 of these SRV owners and their
# targets' A/AAAA, one per line as "OWNER 300 IN TYPE RDATA" (the TTL
# that stage pre gives them), sorted.
today() {
	local o t
	{
		for o in "$@"; do
			dig +noall +answer @"$LAB_NS1" "$o" SRV
			for t in $(dig +short @"$LAB_NS1" "$o" SRV | awk '{print $4}'); do
				dig +noall +answer @"$LAB_NS1" "$t" A
				dig +noall +answer @"$LAB_NS1" "$t" AAAA
			done
		done
	} | awk '{ $2 = 300; print }' | sort -u
}

# records_of PLAN: the records of stage pre, as today() prints them.
records_of() {
	"$XMPPCUT" -c "$1" $LAB_OPTS generate --stage pre | grep -v '^;' | awk 'NF { $1 = $1; print }' | sort -u
}

# fill PLAN NAME ADDRESS: the new gateway of init's template, filled in
# as the comments say (name, address, the ';' removed).
fill() {
	sed -i -e "s/^;\[gateway NEW-GATEWAY\.[^]]*\]/[gateway $2]/" \
	    -e 's/^;\(role\|port\|priority\|weight\|direct-tls-port\) = /\1 = /' \
	    -e "s/^;address = 192.0.2.10 .*/address = $3/" "$1"
}

# lines_fit PLAN: no line is longer than the plan reader takes.
lines_fit() {
	awk 'length($0) > 198 { bad = 1 } END { exit bad }' "$1"
}

# --- example.test: the lab's one gateway --------------------------------
P=$LAB_DIR/init.conf
expect_status 0 "init example.test" xi init example.test
cp "$T/out" "$P"
check "... the plan is on stdout, nothing but the summary on stderr" \
    bash -c "grep -q '^\[plan\]' '$P' && ! grep -q '^\(error\|warning\)' '$T/err'"
check "... every line fits the plan reader" lines_fit "$P"
check "... the zone, ttl and cutover-ttl" grep -q '^zone = example.test ' "$P"
check "... ttl 3600 (today's), cutover-ttl 300" bash -c "grep -q '^ttl = 3600 ' '$P' && grep -q '^cutover-ttl = 300 ' '$P'"
check "... the old gateway with its address, port, priority, weight" bash -c \
    "grep -A6 '^\[gateway old.example.test\]' '$P' | tr '\n' ' ' | grep -q 'role = old .*address = $LAB_OLD port = 5269 priority = 0 weight = 0'"
check "... DNSSEC said in the header" grep -q '^#   _xmpp-server._tcp.example.test (zone example.test, DNSSEC secure)' "$P"
expect_status 3 "as written (no new gateway yet), the plan is refused" "$XMPPCUT" -c "$P" generate --stage pre
check "... because the new gateway is still to be filled in" grep -q "no gateway with 'role = new'" "$T/out" "$T/err"
fill "$P" new.example.test "$LAB_NEW"
expect_status 0 "filled in: check --expect old is clean" "$XMPPCUT" -c "$P" $LAB_OPTS --json check --expect old
json_ok "... no finding at all, the old gateway answered" '.findings == [] and ([.probes[] | select(.reachable)] | length) == 1'
today _xmpp-server._tcp.example.test _xmpps-server._tcp.example.test >"$T/today"
records_of "$P" >"$T/pre"
check "today's records are there (SRV and A)" test "$(wc -l <"$T/today")" -eq 2
same_file "generate --stage pre republishes exactly today's records, TTL 300" "$T/today" "$T/pre"
expect_status 0 "init --json" xi --json init example.test
json_ok "... the plan as data" ".plan.domains == [\"example.test\"] and .plan.zones == [\"example.test\"] and .plan.ttl == 3600 and .plan.cutover_ttl == 300 and .plan.gateways == [{\"host\": \"old.example.test\", \"role\": \"old\", \"addresses\": [\"$LAB_OLD\"], \"port\": 5269, \"priority\": 0, \"weight\": 0, \"direct_tls_port\": null}]"
json_ok "... the records seen, DNSSEC-validated, and the text" '(.domains[0].records[] | select(.type == "SRV" and (.name | startswith("_xmpp-server"))) | .dnssec == "secure") and (.text | startswith("# xmppcut plan"))'

# --- three weighted gateways, two domains, direct TLS ---------------------
for d in multi multi2; do
	check "$d.example.test: SRV records of three gateways" lab_nsupdate_both 'zone example.test.' \
	    "update add _xmpp-server._tcp.$d.example.test. 1800 SRV 10 60 5269 gw1.example.test." \
	    "update add _xmpp-server._tcp.$d.example.test. 1800 SRV 10 40 5269 gw2.example.test." \
	    "update add _xmpp-server._tcp.$d.example.test. 1800 SRV 20 0 5300 gw3.partner-c.test." \
	    "update add _xmpps-server._tcp.$d.example.test. 1800 SRV 10 60 5270 gw1.example.test." \
	    "update add _xmpps-server._tcp.$d.example.test. 1800 SRV 10 40 5223 gw2.example.test."
done
check "gw1 and gw2 with addresses (gw1: IPv6 too, TTL 7200, a TLSA record)" lab_nsupdate_both 'zone example.test.' \
    'update add gw1.example.test. 7200 A 192.0.2.11' \
    'update add gw1.example.test. 7200 AAAA 2001:db8::11' \
    'update add gw2.example.test. 1800 A 192.0.2.12' \
    "update add _5269._tcp.gw1.example.test. 1800 TLSA 3 1 1 $(printf '%064x' 7)"
check "gw3 in partner-c.test" lab_nsupdate_both 'zone partner-c.test.' \
    'update add gw3.partner-c.test. 1800 A 192.0.2.13'
P=$LAB_DIR/multi.conf
expect_status 0 "init multi.example.test multi2.example.test" xi --json init multi.example.test multi2.example.test
jq -r .text "$T/out" >"$P"
json_ok "... one plan for both domains, zones of the domains and of gw3" '.plan.domains == ["multi.example.test", "multi2.example.test"] and .plan.zones == ["example.test", "partner-c.test"]'
json_ok "... ttl: the longest of today's (7200)" '.plan.ttl == 7200 and .plan.cutover_ttl == 300'
json_ok "... the gateways by priority, then name, each as published" '[.plan.gateways[] | [.host, .port, .priority, .weight, .direct_tls_port, .addresses]] == [["gw1.example.test", 5269, 10, 60, 5270, ["192.0.2.11", "2001:db8::11"]], ["gw2.example.test", 5269, 10, 40, 5223, ["192.0.2.12"]], ["gw3.partner-c.test", 5300, 20, 0, null, ["192.0.2.13"]]]'
check "... every line fits the plan reader" lines_fit "$P"
check "... the TLSA record is said at its gateway" grep -q '^; _5269._tcp.gw1.example.test holds TLSA records today' "$P"
check "... gw3's zone is not the domains': address = external is suggested" grep -q '^; gw3.partner-c.test is in zone partner-c.test.*address = external' "$P"
check "... the template keeps direct TLS in mind" grep -q '^;direct-tls-port = 5270 ' "$P"
fill "$P" gw-new.example.test 192.0.2.20
expect_status 0 "filled in: check --expect old --dns-only is clean" "$XMPPCUT" -c "$P" $LAB_OPTS --json check --expect old --dns-only
json_ok "... no warning or error" '[.findings[] | select(.severity != "info")] == []'
today _xmpp-server._tcp.multi.example.test _xmpps-server._tcp.multi.example.test \
    _xmpp-server._tcp.multi2.example.test _xmpps-server._tcp.multi2.example.test >"$T/today"
records_of "$P" >"$T/pre"
check "today's records are there (10 SRV, 4 addresses)" test "$(wc -l <"$T/today")" -eq 14
same_file "generate --stage pre republishes exactly today's records, TTL 300" "$T/today" "$T/pre"

# --- the servers disagree on a TTL: the longest, every time ---------------
check "ttl.example.test: TTL 60 at ns1, 7200 at ns2" lab_nsupdate "$LAB_NS1" 'zone example.test.' \
    'update add _xmpp-server._tcp.ttl.example.test. 60 SRV 0 0 5269 old.example.test.'
check "... at ns2" lab_nsupdate "$LAB_NS2" 'zone example.test.' \
    'update add _xmpp-server._tcp.ttl.example.test. 7200 SRV 0 0 5269 old.example.test.'
sleep 0.3
for i in 1 2 3 4 5; do xi --json init ttl.example.test 2>/dev/null | jq .plan.ttl; done | sort -u >"$T/ttls"
check "five runs: ttl 7200 each time (caches may hold it that long)" test "$(cat "$T/ttls")" = 7200
check "TTL 0 at both" lab_nsupdate_both 'zone example.test.' \
    'update add _xmpp-server._tcp.zero.example.test. 0 SRV 0 0 5269 gw0.example.test.' \
    'update add gw0.example.test. 0 A 192.0.2.9'
expect_status 0 "init zero.example.test" xi --json init zero.example.test
json_ok "... ttl 0 and cutover-ttl 0: pre raises no TTL" '.plan.ttl == 0 and .plan.cutover_ttl == 0'

# --- what no plan can be made of ------------------------------------------
# refused DESCRIPTION STATUS IDS DOMAIN...: no plan on stdout, and the
# report's finding ids include IDS.
refused() {
	local desc=$1 want=$2 ids=$3 id
	shift 3
	expect_status "$want" "$desc" xi init "$@"
	check "... no plan on stdout" test ! -s "$T/out"
	xi --json init "$@" >"$T/out" 2>/dev/null
	for id in $ids; do
		json_ok "... $id" "[.findings[].id] | index(\"$id\") != null"
	done
	json_ok "... no plan in the JSON either" 'has("plan") | not'
}
refused "chat.plain.test: no SRV (partners use the A/AAAA fallback)" 2 srv-missing chat.plain.test
refused "a domain that does not exist" 2 srv-missing nosuch.example.test
refused "broken.test: an alias as SRV target, a target without address" 2 \
    "srv-target-cname srv-target-no-address" broken.test
refused "bogus-addr.test: a bogus address answer" 2 dnssec-bogus bogus-addr.test
refused "example.test and partner-a.test name different gateways" 2 plan-inexpressible example.test partner-a.test
check "... the message names both sets" grep -q 'partner-a.test names other gateways (xmpp.partner-a.test port 5269' "$T/out"

check "more domains: a dot, a host twice, xmpps alone, another priority, an alias" lab_nsupdate_both 'zone example.test.' \
    'update add _xmpp-server._tcp.dot.example.test. 3600 SRV 0 0 0 .' \
    'update add _xmpp-server._tcp.twice.example.test. 3600 SRV 0 0 5269 old.example.test.' \
    'update add _xmpp-server._tcp.twice.example.test. 3600 SRV 0 0 5299 old.example.test.' \
    'update add _xmpp-server._tcp.xonly.example.test. 3600 SRV 0 0 5269 old.example.test.' \
    'update add _xmpps-server._tcp.xonly.example.test. 3600 SRV 0 0 5270 gw2.example.test.' \
    'update add _xmpp-server._tcp.prio.example.test. 3600 SRV 0 0 5269 old.example.test.' \
    'update add _xmpps-server._tcp.prio.example.test. 3600 SRV 5 0 5270 old.example.test.' \
    'update add _xmpp-server._tcp.alias.example.test. 3600 CNAME _xmpp-server._tcp.example.test.'
refused "a \".\" target (service not available)" 2 "srv-target-dot plan-inexpressible" dot.example.test
refused "a host named twice in one RRset" 2 plan-inexpressible twice.example.test
check "... the message says why" grep -q 'names old.example.test twice' "$T/out"
refused "a host only in _xmpps-server" 2 plan-inexpressible xonly.example.test
check "... the message says why" grep -q 'names gw2.example.test, which _xmpp-server._tcp.xonly.example.test does not' "$T/out"
refused "another priority in _xmpps-server" 2 plan-inexpressible prio.example.test
refused "an aliased SRV owner" 2 plan-inexpressible alias.example.test
check "... the message names the alias" grep -q 'is an alias of _xmpp-server._tcp.example.test' "$T/out"

expect_status 3 "no domain: usage" "$XMPPCUT" init
expect_status 3 "a bad domain: usage" "$XMPPCUT" init 'bad..name'
expect_status 3 "a resolver that answers nothing" "$XMPPCUT" --resolver "127.0.0.1@$(free_port)" --timeout 1 --json init example.test
json_ok "... resolver-failed, no plan" '([.findings[].id] | index("resolver-failed") != null) and (has("plan") | not)'
done_testing
