#!/bin/bash
# probe and check's stream part against real Prosody in the lab and
# against hostile peers of our own (tests/tools/hostile): each misbehaviour
# gives its finding and exit code within the timeout, and a healthy domain
# probed in the same run still passes.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
need jq openssl
lab_start
: "${HOSTILE:=$top_builddir/tests/tools/hostile}"
[ -x "$HOSTILE" ] || skip "tests/tools/hostile is not built (make check builds it)"
# shellcheck disable=SC2086
xc() { "$XMPPCUT" -c "$LAB_PLAN" $LAB_OPTS --json "$@"; }

# Certificates for the TLS peers, from the lab's CA (and one self-signed).
cd "$T"
ca_config
lab_leaf wrong "DNS:wrong.example.net" -days 30
lab_leaf expired "DNS:*.hostile.test" -startdate 20200101000000Z -enddate 20200201000000Z
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout self.key \
    -out self.pem -days 30 -subj "/CN=self-signed.hostile.test" \
    -addext "subjectAltName=DNS:self-signed.hostile.test" >/dev/null 2>&1
cd - >/dev/null

plain=""
for m in silent trickle garbage deep endless host-unknown tls-failure no-starttls tls-garbage close-mid forge; do
	plain="$plain $(lab_addr "$m"):5269=$m"
done
# shellcheck disable=SC2086
hostile h_plain $plain
hostile h_wrong --cert "$T/wrong.pem" --key "$T/wrong.key" \
    "$(lab_addr wrong-name):5269=tls" "$(lab_addr direct-wrong-name):5270=direct"
hostile h_expired --cert "$T/expired.pem" --key "$T/expired.key" "$(lab_addr expired):5269=tls"
hostile h_self --cert "$T/self.pem" --key "$T/self.key" "$(lab_addr self-signed):5269=tls"

# probe_one MODE EXIT FINDING: the hostile domain and a healthy partner in
# one run, within --timeout (2 s) plus a margin.
probe_one() {
	local mode=$1 want=$2 id=$3 start elapsed
	start=$(date +%s%N)
	expect_status "$want" "$mode" xc --timeout 2 probe "$mode.hostile.test" partner-a.test
	elapsed=$(( ($(date +%s%N) - start) / 1000000 ))
	check "$mode: done in $elapsed ms (< 4000)" test "$elapsed" -lt 4000
	json_ok "$mode: $id" "[.findings[] | select(.subject == \"$mode.hostile.test\" and .id == \"$id\")] | length >= 1"
	json_ok "$mode: the healthy partner in the same run passes" \
	    '(.domains[] | select(.domain == "partner-a.test") | .reachable) == true and ([.findings[] | select(.subject == "partner-a.test")] | length) == 0'
}
probe_one silent 2 timeout
probe_one trickle 2 timeout
probe_one garbage 2 stream-invalid
probe_one deep 2 stream-invalid
check "deep: the depth limit is named" grep -q 'deeper than 16' "$T/out"
probe_one endless 2 stream-invalid
check "endless: the byte limit is named" grep -q 'more than 65536 bytes' "$T/out"
probe_one host-unknown 2 stream-error
check "host-unknown: the condition is named" grep -q '<host-unknown/>' "$T/out"
probe_one tls-failure 2 tls-failed
probe_one no-starttls 2 starttls-missing
probe_one tls-garbage 2 tls-failed
probe_one close-mid 2 tls-failed
probe_one wrong-name 2 cert-name-mismatch
probe_one expired 2 cert-expired
probe_one self-signed 2 cert-untrusted
# monitor's perfdata: an expired certificate counts, negative (it was
# taken for "none seen" and the next partner's days won, so the critical
# threshold 0: could never fire; user trial, helper-16)
awk '/^\[partner / && !done { print "[partner expired.hostile.test]"; done = 1 } { print }' \
    "$LAB_PLAN" >"$LAB_DIR/expired.conf"
# shellcheck disable=SC2086
expect_status 2 "monitor with an expired partner certificate listed first" \
    "$XMPPCUT" -c "$LAB_DIR/expired.conf" $LAB_OPTS --timeout 2 monitor --expect old --state "$T/expired.state"
check "... cert_days negative in the perfdata" grep -Eq ' cert_days=-[0-9]+;21:;0: ' "$T/out"
probe_one direct-wrong-name 2 cert-name-mismatch
json_ok "direct TLS: direct-tls mode, ALPN offered" '.domains[0].attempts[0].mode == "direct-tls" and .domains[0].tls.mode == "direct-tls"'
probe_one refused 2 connect-failed

# A peer whose stream error text holds line breaks (raw and &#10;), a
# carriage return and a right-to-left override (U+202E): its words stay
# inside their one finding line, escaped, in text, in the Nagios line and
# on stderr.
probe_one forge 2 stream-error
# shellcheck disable=SC2086
expect_status 2 "forge: text report" "$XMPPCUT" -c "$LAB_PLAN" $LAB_OPTS --timeout 2 -v probe forge.hostile.test
check "forge: three lines on stdout (probe, finding, summary)" test "$(wc -l <"$T/out")" -eq 3
check "forge: no forged status line" sh -c "! grep -q '^XMPPCUT' '$T/out' '$T/err'"
check "forge: no forged finding line" sh -c "! grep -q '^info: ' '$T/out' '$T/err'"
check "forge: no raw U+202E anywhere" sh -c "! grep -q \"\$(printf '\342\200\256')\" '$T/out' '$T/err'"
check "forge: the peer's text is shown, escaped" grep -Fq 'bye\nXMPPCUT OK - forged | forged=1\n\rinfo: [changed] forged.test: \u{202E}fdp.exe' "$T/out"
cp "$LAB_PLAN" "$LAB_DIR/forge.conf"
printf '[partner forge.hostile.test]\n' >>"$LAB_DIR/forge.conf"
# shellcheck disable=SC2086
expect_status 2 "forge: monitor" "$XMPPCUT" -c "$LAB_DIR/forge.conf" $LAB_OPTS --timeout 2 monitor --expect old
check "forge: monitor prints one line" test "$(wc -l <"$T/out")" -eq 1
check "forge: ... the Nagios line, naming the finding" grep -q '^XMPPCUT CRITICAL - 1 error, 0 warnings: \[stream-error\] forge.hostile.test' "$T/out"
check "forge: ... without raw U+202E" sh -c "! grep -q \"\$(printf '\342\200\256')\" '$T/out'"

# Everything at once: the slowest few, not the sum.
all=""
for e in $LAB_HOSTILE; do all="$all ${e%%=*}.hostile.test"; done
start=$(date +%s%N)
# shellcheck disable=SC2086
expect_status 2 "every hostile peer in one run" xc --timeout 2 probe $all partner-a.test partner-b.test
elapsed=$(( ($(date +%s%N) - start) / 1000000 ))
check "$(echo $all | wc -w) hostile peers at once in $elapsed ms (< 4000)" test "$elapsed" -lt 4000
json_ok "the healthy partners pass" '[.domains[] | select(.domain | startswith("partner-")) | .reachable] == [true, true]'
json_ok "the peers with bad certificates are reachable, with findings" '[.domains[] | select(.reachable and (.domain | endswith("hostile.test"))) | .domain] | sort == ["direct-wrong-name.hostile.test", "expired.hostile.test", "self-signed.hostile.test", "wrong-name.hostile.test"]'
json_ok "every attempt is recorded with its outcome" '[.domains[].attempts[] | has("outcome")] | all'
expect_status 2 "-j 1: one at a time still ends" xc --timeout 1 -j 1 probe silent.hostile.test trickle.hostile.test partner-a.test

# Real Prosody: partners, the old gateway, --connect the new one.
expect_status 0 "probe --partners" xc probe --partners
json_ok "three partners reachable over STARTTLS with dialback" '[.domains[] | select(.reachable and .tls.mode == "starttls" and .features.dialback)] | length == 3'
json_ok "the certificate identity matched the domain" '[.domains[].certificate.identities[0].matched] | unique == ["DNS-ID"]'
expect_status 0 "before the cutover: check --expect old --connect the new gateway" xc check --expect old --connect "$LAB_NEW"
json_ok "--connect: STARTTLS and direct TLS both verified" '[.connect[] | select(.reachable) | .tls.mode] | sort == ["direct-tls", "starttls"]'
json_ok "the live probe reaches the old gateway" '.probes[0].answered_by.target == "old.example.test"'
expect_status 0 "--connect ADDR:PORT" xc check --expect old --connect "$LAB_NEW:5269"
json_ok "... that place only, STARTTLS" '[.connect[] | "\(.reachable) \(.tls.mode)"] == ["true starttls"]'
expect_status 0 "--dns-only" xc check --expect old --dns-only
json_ok "--dns-only makes no connection" '(has("probes") | not) and (has("connect") | not)'
expect_status 3 "--connect with a name" xc check --connect new.example.test
expect_status 2 "--connect an address that refuses" xc check --expect old --connect "$(lab_addr refused)"
json_ok "connect-failed for it" '[.findings[].id] | index("connect-failed")'

# After the cutover: DANE.
check "pre and cutover applied" lab_update pre "$LAB_NS1" "$LAB_NS2"
check "cutover applied" lab_update cutover "$LAB_NS1" "$LAB_NS2"
expect_status 0 "after the cutover: check" xc check
json_ok "DANE used and matched (SRV, address and TLSA secure)" '.probes[0].dane == {"used": true, "matched": true} and .probes[0].answered_by.target == "new.example.test"'
for ns in "$LAB_NS1" "$LAB_NS2"; do
	printf 'server %s 53\nzone example.test.\nupdate delete _5269._tcp.new.example.test. TLSA\nupdate add _5269._tcp.new.example.test. 300 TLSA 3 1 1 %s\nupdate delete _5270._tcp.new.example.test. TLSA\nupdate add _5270._tcp.new.example.test. 300 TLSA 3 1 1 %s\nsend\n' \
	    "$ns" "$(printf '%064d' 0)" "$(printf '%064d' 0)" | nsupdate -k "$LAB_TSIG"
done
sleep 0.3
expect_status 2 "a TLSA for another key" xc check
json_ok "dane-mismatch, and the DNS part says tlsa-mismatch" '[.findings[].id] | (index("dane-mismatch") != null) and (index("tlsa-mismatch") != null)'
done_testing
