#!/bin/bash
# Live verdicts against the lab, as a partner's server judges (RFC 6125,
# RFC 7590, RFC 7671, RFC 7673, RFC 6120 3.2), compared with openssl
# s_client on the same targets:
#   - certificates valid through an SRV-ID or an XmppAddr only are fine;
#     a host-only certificate is cert-name-mismatch, and only that;
#   - DANE-EE (3 1 1) with a self-signed certificate naming only the host
#     authenticates the peer: names, validity and PKIX become info;
#   - DNSSEC fails closed: no connection to a bogus address, nor to a
#     target whose TLSA answer is bogus under a secure SRV;
#   - the A/AAAA fallback of a domain without SRV follows a CNAME;
#   - our own domains: every published endpoint is tried; a dead one is a
#     warning while another answers, an error when none does;
#   - check --connect ADDR:DIRECT-TLS-PORT speaks direct TLS there, and a
#     gateway serving another key than the plan's cert is named;
#   - many targets: at most 16 are tried, and --max-time bounds the run.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
need jq openssl
lab_start
: "${HOSTILE:=$top_builddir/tests/tools/hostile}"
[ -x "$HOSTILE" ] || skip "tests/tools/hostile is not built (make check builds it)"
# shellcheck disable=SC2086
xc() { "$XMPPCUT" -c "$LAB_PLAN" $LAB_OPTS --json "$@"; }
NET=${LAB_NS1%.*}

cd "$T" || exit 1
ca_config
lab_leaf srv-id "otherName:1.3.6.1.5.5.7.8.7;IA5STRING:_xmpp-server.srv-id.hostile.test" -days 30
lab_leaf xmppaddr "otherName:1.3.6.1.5.5.7.8.5;UTF8:xmppaddr.hostile.test" -days 30
lab_leaf host-only "DNS:gw.example.net" -days 30
# DANE-EE: self-signed, names only the gateway host, no CA vouches for it
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout dane.key \
    -out dane.pem -days 30 -subj "/CN=dane-host.example.test" \
    -addext "subjectAltName=DNS:dane-host.example.test" >/dev/null 2>&1
spki=$(openssl x509 -in dane.pem -noout -pubkey | openssl pkey -pubin -outform der | openssl dgst -sha256 -r | cut -d' ' -f1)
cd - >/dev/null || exit 1
hostile h_srv --cert "$T/srv-id.pem" --key "$T/srv-id.key" "$(lab_addr srv-id):5269=tls"
hostile h_xa --cert "$T/xmppaddr.pem" --key "$T/xmppaddr.key" "$(lab_addr xmppaddr):5269=tls"
hostile h_host --cert "$T/host-only.pem" --key "$T/host-only.key" "$(lab_addr host-only):5269=tls"
hostile h_dane --cert "$T/dane.pem" --key "$T/dane.key" "$NET.80:5269=tls"

# s_client DOMAIN ADDR [options]: openssl's verdict on the same target
s_client() {
	local domain=$1 addr=$2
	shift 2
	openssl s_client -connect "$addr:5269" -starttls xmpp-server -xmpphost "$domain" \
	    -servername "$domain" -CAfile "$LAB_CA" -verify_return_error -brief "$@" \
	    </dev/null >"$T/s_client" 2>&1
}

# --warn-days: the lab's certificates are good for 30 days (no TLSA yet
# for the old gateway): 40 warns about the certificate and the root, the
# default of 21 does not.
expect_status 1 "check --warn-days 40: the gateway's certificate expires within it" xc check --expect old --warn-days 40
json_ok "... cert-expires-soon, warnings, nothing else" '([.findings[] | select(.id == "cert-expires-soon" and .severity == "warning")] | length) == 2 and ([.findings[].id] | unique) == ["cert-expires-soon"]'
expect_status 0 "check --expect old, default --warn-days 21" xc check --expect old
expect_status 3 "check --warn-days 3651: refused" xc check --warn-days 3651
# ... and each certificate finding names the endpoint that served it
expect_status 1 "check --connect the new gateway, --warn-days 40" xc check --expect old --connect "$LAB_NEW" --warn-days 40
json_ok "... the findings name old:5269, new:5269 and new:5270" \
    "[.findings[] | select(.id == \"cert-expires-soon\") | .message | capture(\"^(?<w>[^ ]*:[0-9]+)\").w] | unique == [\"$LAB_NEW:5269\", \"$LAB_NEW:5270\", \"old.example.test:5269\"]"

# --connect is the test of the new gateway before DNS points at it (user
# trial, helper-20: the old gateway's address was a clean OK).
expect_status 1 "--connect the old gateway's address" xc check --expect old --connect "$LAB_OLD"
json_ok "... connect-not-planned names the old gateway" '[.findings[] | "\(.id) \(.severity)"] == ["connect-not-planned warning"] and (.findings[0].message | contains("the old gateway old.example.test"))'
expect_status 2 "--connect an address of no gateway, nothing listening" xc check --expect old --connect "$NET.9"
json_ok "... connect-not-planned, and connect-failed naming the place, not partners" \
    "([.findings[].id] | sort) == [\"connect-failed\", \"connect-not-planned\"] and ([.findings[] | select(.id == \"connect-failed\") | .message] == [\"$NET.9:5269: Connection refused\"])"
expect_status 2 "--connect the new gateway at a port the plan does not publish" xc check --expect old --connect "$LAB_NEW:5222"
json_ok "... the port is said" '[.findings[] | select(.id == "connect-not-planned") | .message | contains("port 5222 is not one the plan publishes for new.example.test (5269, direct TLS 5270)")] == [true]'
expect_status 3 "--dns-only with --connect: refused" xc check --dns-only --connect "$LAB_NEW"

# SRV-ID only: RFC 6125 6.5.1 and RFC 7590 3.1 accept it for the domain.
expect_status 0 "SRV-ID only: reachable, no finding" xc probe srv-id.hostile.test
json_ok "... matched as SRV-ID" '.domains[0].certificate.identities[0].matched == "SRV-ID"'
s_client srv-id.hostile.test "$(lab_addr srv-id)" -verify_hostname srv-id.hostile.test
check "openssl s_client -verify_hostname disagrees (it knows only DNS-IDs): hostname mismatch" \
    grep -q 'hostname mismatch' "$T/s_client"
s_client srv-id.hostile.test "$(lab_addr srv-id)"
check "... and trusts the chain, as we do" grep -q 'Verification: OK' "$T/s_client"

# XmppAddr only (RFC 6120 13.7.1.4).
expect_status 0 "XmppAddr only: reachable, no finding" xc probe xmppaddr.hostile.test
json_ok "... matched as XmppAddr" '.domains[0].certificate.identities[0].matched == "XmppAddr"'

# The gateway's host name only: the reference identity is the domain.
expect_status 2 "host name only" xc probe --timeout 3 srv-id.hostile.test host-only.hostile.test
json_ok "... cert-name-mismatch, and no cert-untrusted next to it" \
    '[.findings[] | select(.subject == "host-only.hostile.test") | .id] == ["cert-name-mismatch"]'

# A trust anchor that has expired. The peer does not send the root: the
# handshake builds the chain to it from --ca, and its dates count as the
# leaf's do (x509-limbo's expired-root case: we accepted it before).
(cd "$T" && lab_leaf longleaf "otherName:1.3.6.1.5.5.7.8.7;IA5STRING:_xmpp-server.srv-id.hostile.test" -days 90)
stop_bg h_srv
hostile h_long --cert "$T/longleaf.pem" --key "$T/longleaf.key" "$(lab_addr srv-id):5269=tls"
expect_status 0 "a leaf good for 90 days under the lab's root: OK today" xc probe srv-id.hostile.test
expect_status 2 "... in 40 days, when the root (30 days) has expired" \
    xc probe --now "$(date -u -d '+40 days' +%Y-%m-%d)" srv-id.hostile.test
json_ok "... cert-expired naming the root, not the leaf" \
    '[.findings[] | select(.id == "cert-expired") | .message] | length == 1 and (.[0] | test("root CN=xmppcut lab CA"))'
s_client srv-id.hostile.test "$(lab_addr srv-id)" -attime "$(date -u -d '+40 days' +%s)"
check "... openssl s_client -attime agrees: certificate has expired" grep -q 'certificate has expired' "$T/s_client"

# DANE-EE: SRV, address and TLSA in the signed example.test.
for ns in "$LAB_NS1" "$LAB_NS2"; do
	printf 'server %s 53\nzone example.test.\nupdate add _xmpp-server._tcp.dane-ee.example.test. 300 SRV 0 0 5269 dane-host.example.test.\nupdate add dane-host.example.test. 300 A %s\nupdate add _5269._tcp.dane-host.example.test. 300 TLSA 3 1 1 %s\nsend\n' \
	    "$ns" "$NET.80" "$spki" | nsupdate -k "$LAB_TSIG"
done
sleep 0.5	# Knot signs the change
expect_status 0 "DANE-EE with a self-signed host certificate: OK" xc probe dane-ee.example.test
json_ok "... DANE used and matched" '.domains[0].dane == {"used": true, "matched": true}'
json_ok "... names and PKIX only as info" \
    '[.findings[] | select(.severity != "info")] == [] and ([.findings[].id] | sort) == ["cert-name-mismatch", "cert-untrusted"]'
s_client dane-ee.example.test "$NET.80" -dane_tlsa_domain dane-host.example.test \
    -dane_tlsa_rrdata "3 1 1 $spki" -dane_ee_no_namechecks
check "openssl s_client with the same TLSA agrees: verified by DANE" \
    sh -c "grep -q 'Verification: OK' '$T/s_client' && grep -q 'TLSA 3 1 1' '$T/s_client'"
# dane_tlsa RDATA: dane-host.example.test's one TLSA record, on both servers.
dane_tlsa() {
	local ns
	for ns in "$LAB_NS1" "$LAB_NS2"; do
		lab_nsupdate "$ns" 'zone example.test.' \
		    'update delete _5269._tcp.dane-host.example.test. TLSA' \
		    "update add _5269._tcp.dane-host.example.test. 300 TLSA $1"
	done
	sleep 0.5
}
# A full-certificate TLSA (3 0 0): larger than any digest.
der=$(openssl x509 -in "$T/dane.pem" -outform der | od -An -v -tx1 | tr -d ' \n')
dane_tlsa "3 0 0 $der"
expect_status 0 "DANE-EE with a full-certificate record (3 0 0)" xc probe dane-ee.example.test
json_ok "... used and matched" '.domains[0].dane == {"used": true, "matched": true}'
dane_tlsa "3 1 1 $(printf %064d 0)"
expect_status 2 "a TLSA for another key: dane-mismatch" xc probe dane-ee.example.test
json_ok "... an error" '[.findings[] | select(.id == "dane-mismatch" and .severity == "error")] | length == 1'
# PKIX-EE (1 1 1) for the same self-signed certificate: the record
# matches, PKIX does not (no CA vouches for it). openssl s_client says
# "self-signed certificate", not a TLSA mismatch: cert-untrusted alone
# (user trial, helper-13: dane-mismatch sent the admin to fix a right
# record).
dane_tlsa "1 1 1 $spki"
expect_status 2 "PKIX-EE matching a certificate no CA vouches for" xc probe dane-ee.example.test
json_ok "... cert-untrusted, no dane-mismatch" \
    '([.findings[] | select(.id == "cert-untrusted" and .severity == "error")] | length == 1) and ([.findings[] | select(.id == "dane-mismatch")] | length == 0)'
s_client dane-ee.example.test "$NET.80" -dane_tlsa_domain dane-host.example.test \
    -dane_tlsa_rrdata "1 1 1 $spki"
check "... openssl s_client agrees: self-signed" sh -c "grep -q 'self-signed certificate' '$T/s_client' || { sed 's/^/# /' '$T/s_client'; false; }"

# An alias as SRV target: RFC 2782 forbids it and DESIGN says it is not
# followed; Prosody follows it (user trial, helper-13: "no target has an
# address ... partners cannot reach the gateway" was false). The finding
# is srv-target-cname, and says so.
expect_status 2 "an alias as SRV target" xc probe noalias.broken.test
json_ok "... srv-target-cname naming the alias and its name, no connect-failed" \
    '([.findings[] | select(.id == "srv-target-cname" and (.message | contains("alias.broken.test is an alias of xmpp.broken.test")) and (.message | contains("Prosody")))] | length == 1) and ([.findings[] | select(.id == "connect-failed")] == [])'

# DNSSEC fails closed.
expect_status 2 "a bogus address is never connected to" xc probe bogus-addr.test
json_ok "... dnssec-bogus, no attempt with an address" \
    '([.findings[].id] | index("dnssec-bogus") != null) and ([.domains[0].attempts[] | select(has("address"))] == []) and .domains[0].reachable == false'
expect_status 2 "a bogus TLSA under a secure SRV: no connection" xc probe bogus-tlsa.test
json_ok "... dnssec-bogus, the target skipped" \
    '([.findings[].id] | index("dnssec-bogus") != null) and ([.domains[0].attempts[] | select(has("address"))] == []) and .domains[0].reachable == false'

# The A/AAAA fallback follows a CNAME at the domain (RFC 6120 3.2.2).
expect_status 0 "no SRV, a CNAME at the domain: reachable through it" xc probe chat.plain.test
json_ok "... by the fallback" '.domains[0].fallback == true and .domains[0].reachable == true'

# No trust anchor: a finding, not a stderr line that -q hides.
expect_status 1 "--trust-anchor none: judged without DNSSEC, with a warning" \
    xc probe --trust-anchor none partner-a.test
json_ok "... trust-anchor-missing" '[.findings[].id] == ["trust-anchor-missing"]'
# shellcheck disable=SC2086
expect_status 1 "-q keeps it" "$XMPPCUT" $LAB_OPTS -q probe --trust-anchor none partner-a.test
check "... on stdout" grep -q '^warning: \[trust-anchor-missing\]' "$T/out"
# "." for direct TLS and no _xmpp-server record: the A/AAAA fallback;
# nothing there: unreachable, and said (never a silent OK).
for ns in "$LAB_NS1" "$LAB_NS2"; do
	printf 'server %s 53\nzone example.test.\nupdate add _xmpps-server._tcp.dotonly.example.test. 300 SRV 0 0 0 .\nsend\n' "$ns" |
	    nsupdate -k "$LAB_TSIG"
done
sleep 0.5
expect_status 2 "_xmpps-server \".\" only: the fallback, which has no address" xc probe dotonly.example.test
json_ok "... connect-failed, by the fallback" '.domains[0].fallback == true and ([.findings[].id] | index("connect-failed") != null)'

# Many targets: a partner with 20 SRV targets costs at most 16 attempts,
# and --max-time bounds the run whatever the targets do.
hostile h_silent "$NET.81:5269=silent"
{
	for ns in "$LAB_NS1" "$LAB_NS2"; do
		printf 'server %s 53\nzone example.test.\n' "$ns"
		for i in $(seq 1 20); do
			printf 'update add _xmpp-server._tcp.refused.example.test. 300 SRV 0 0 5269 r%d.example.test.\n' "$i"
			printf 'update add r%d.example.test. 300 A %s.49\n' "$i" "$NET"
			printf 'update add _xmpp-server._tcp.silent.example.test. 300 SRV 0 0 5269 s%d.example.test.\n' "$i"
			printf 'update add s%d.example.test. 300 A %s.81\n' "$i" "$NET"
		done
		printf 'send\n'
	done
} | nsupdate -k "$LAB_TSIG"
sleep 0.5
expect_status 2 "20 refusing targets" xc probe refused.example.test
json_ok "... 16 of them tried" '.domains[0].attempts | length == 16'
start=$(date +%s%N)
expect_status 2 "20 silent targets, --timeout 1 --max-time 3" xc --timeout 1 probe --max-time 3 silent.example.test
elapsed=$(( ($(date +%s%N) - start) / 1000000 ))
check "... over in $elapsed ms (< 4500; unbounded: 16 s)" test "$elapsed" -lt 4500
json_ok "... timeout, and the run's bound named" '[.findings[] | select(.id == "timeout" and (.message | contains("time bound")))] | length == 1'

# Our own domains after the cutover: both services, every endpoint.
check "pre and cutover applied" lab_update pre "$LAB_NS1" "$LAB_NS2"
check "cutover applied" lab_update cutover "$LAB_NS1" "$LAB_NS2"
expect_status 0 "check: every endpoint answers" xc check
json_ok "... both services tried: STARTTLS on 5269, direct TLS on 5270" \
    '[.probes[0].attempts[] | select(.outcome == "ok") | "\(.port) \(.mode)"] | sort == ["5269 starttls", "5270 direct-tls"]'
# shellcheck disable=SC2086
"$XMPPCUT" -c "$LAB_PLAN" $LAB_OPTS check >"$T/out" 2>&1
check "... and the text says so" grep -q '^example.test: reachable via .*; 2 of 2 endpoints answer' "$T/out"
# The lab's certificates are good for 30 days, and the new gateway has a
# TLSA 3 1 1 record: --warn-days 40 says so as info (RFC 7671 5.1).
expect_status 0 "check --warn-days 40 under DANE-EE" xc check --warn-days 40
json_ok "... cert-expires-soon, info only" '([.findings[] | select(.id == "cert-expires-soon")] | length) >= 2 and ([.findings[] | "\(.id) \(.severity)"] | unique) == ["cert-expires-soon info"]'
expect_status 0 "--connect ADDR:5270 (the plan's direct-tls-port): direct TLS" \
    xc check --connect "$LAB_NEW:5270"
json_ok "... one place, direct TLS, reachable" '[.connect[] | "\(.reachable) \(.tls.mode)"] == ["true direct-tls"]'
sed 's|^cert = ca/new.pem|cert = ca/old.pem|' "$LAB_PLAN" >"$LAB_DIR/wrong-key.conf"
# shellcheck disable=SC2086
expect_status 2 "--connect a gateway that serves another key than the plan's cert" \
    "$XMPPCUT" -c "$LAB_DIR/wrong-key.conf" $LAB_OPTS --json check --connect "$LAB_NEW"
json_ok "... cert-key-mismatch for STARTTLS and direct TLS" \
    '[.findings[] | select(.id == "cert-key-mismatch")] | length == 2'

# new_gateway_without KEY PORT-STILL-OPEN: the new gateway's Prosody
# (as prosody_new) with one of its s2s port lists emptied.
new_gateway_without() {
	sed "s/^$1 = .*/$1 = { }/" "$LAB_DIR/prosody-new/prosody.cfg.lua" >"$T/prosody-new.cfg.lua"
	start_bg prosody_new prosody -F --config "$T/prosody-new.cfg.lua"
	for _ in $(seq 1 100); do ss -Hltn | grep -q "$LAB_NEW:$2" && break; sleep 0.05; done
}

# The direct-TLS port closed: the _xmpps-server endpoint is dead.
while read -r pid name; do [ "$name" = prosody-new ] && kill "$pid"; done <"$LAB_DIR/pids"
sleep 0.5
new_gateway_without s2s_direct_tls_ports 5269
expect_status 1 "a closed direct-TLS port while STARTTLS answers: a warning" xc --timeout 2 check
json_ok "... connect-failed for new.example.test:5270, a warning" \
    '[.findings[] | "\(.id) \(.severity)"] == ["connect-failed warning"] and (.findings[0].message | contains("new.example.test:5270")) and (.findings[0].message | contains("partners get through after this one fails"))'
stop_bg prosody_new
# The other way round: STARTTLS closed, only direct TLS answers. Still a
# warning (DESIGN: a dead endpoint while another works), but it does not
# say partners get through: most do not use XEP-0368 (user trial,
# helper-16).
new_gateway_without s2s_ports 5270
expect_status 1 "STARTTLS closed, direct TLS answers" xc --timeout 2 check
json_ok "... connect-failed for :5269 says only direct TLS endpoints answer" \
    '[.findings[] | select(.id == "connect-failed" and (.message | contains("new.example.test:5269")) and (.message | contains("only direct TLS endpoints (XEP-0368) answer")))] | length == 1'
stop_bg prosody_new
expect_status 2 "the new gateway down: no endpoint answers: an error" xc --timeout 2 check
json_ok "... connect-failed, an error" '[.findings[] | select(.id == "connect-failed" and .severity == "error")] | length >= 1'
done_testing
