#!/bin/bash
# lint on signed zones (signed here with ldns-signzone; no key is
# committed): a good signature passes; records changed after signing,
# expired or not yet valid signatures and a missing RRSIG are
# dnssec-signature-invalid at the RRset's line.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
need ldns-keygen ldns-signzone jq

cd "$T"
cat >example.com.zone <<'ZONE'
$ORIGIN example.com.
$TTL 3600
@                  SOA ns1 hostmaster 1 3600 600 86400 300
@                  NS ns1
ns1                A 192.0.2.53
_xmpp-server._tcp  SRV 0 0 5269 edge
_xmpps-server._tcp SRV 0 0 5270 edge
edge               A 192.0.2.10
edge               AAAA 2001:db8::10
www                A 192.0.2.80
ZONE
ksk=$(ldns-keygen -a ECDSAP256SHA256 -k example.com)
zsk=$(ldns-keygen -a ECDSAP256SHA256 example.com)
sign() { # sign OUT [ldns-signzone options]
	out=$1
	shift
	ldns-signzone "$@" -f "$out" example.com.zone "$ksk" "$zsk"
}
sign good.zone -e 20350101000000
sign old.zone -i 20200101000000 -e 20200201000000
# findings at LINE of FILE: expects "ID LINE" lines on stdin
expect_findings() {
	sort >"$T/want"
	jq -r '.findings[] | "\(.id) \(.line // 0)"' "$T/out" | sort >"$T/have"
	same_file "$1" "$T/want" "$T/have"
}
line_of() { grep -n "$2" "$1" | grep -v RRSIG | head -1 | cut -d: -f1; }

expect_status 0 "a well-signed zone" "$XMPPCUT" --json lint --origin example.com good.zone
json_ok "it is seen as signed" '.files[0].signed == true and (.findings | length) == 0'

expect_status 2 "signatures expired (--now after them)" "$XMPPCUT" --json lint --now 2036-01-01 good.zone
srv=$(line_of good.zone '_xmpp-server._tcp.*SRV')
json_ok "expired: the SRV RRset, with the reason" "[.findings[] | select(.id == \"dnssec-signature-invalid\" and .line == $srv and (.message | test(\"expired\")))] | length == 1"
json_ok "expired: SRV, xmpps SRV, A and AAAA of the target, and the DNSKEY RRset" '[.findings[] | select(.id == "dnssec-signature-invalid")] | length == 5'
json_ok "... the DNSKEY RRset: resolvers trust no key" '[.findings[] | select(.message | test("DNSKEY RRset, which resolvers must trust"))] | length == 1'

expect_status 2 "signatures not valid yet" "$XMPPCUT" --json lint --now 2000-01-01 good.zone
json_ok "not yet valid: the reason" '[.findings[] | select(.id == "dnssec-signature-invalid" and (.message | test("not valid yet")))] | length == 5'

expect_status 2 "a zone signed in 2020 for a month" "$XMPPCUT" --json lint old.zone
json_ok "old signatures are expired" '[.findings[] | select(.id == "dnssec-signature-invalid")] | length == 5'

sed 's/5269 edge.example.com./5222 edge.example.com./' good.zone >tampered.zone
expect_status 2 "the SRV changed after signing" "$XMPPCUT" --json lint --now 2030-01-01 tampered.zone
srv=$(line_of tampered.zone '_xmpp-server._tcp.*SRV')
expect_findings "tampered SRV: one finding at its line" <<EOF2
dnssec-signature-invalid $srv
srv-port-unexpected $srv
EOF2

sed 's/192.0.2.10$/192.0.2.66/' good.zone >tampered-a.zone
expect_status 2 "the target's address changed after signing" "$XMPPCUT" --json lint tampered-a.zone
a=$(line_of tampered-a.zone '^edge.*[[:space:]]A[[:space:]]')
expect_findings "tampered A: at the A record" <<EOF2
dnssec-signature-invalid $a
EOF2

grep -v 'RRSIG[[:space:]]*SRV' good.zone >nosig.zone
expect_status 2 "an RRSIG removed" "$XMPPCUT" --json lint nosig.zone
json_ok "no RRSIG covers the SRV RRsets" '[.findings[] | select(.id == "dnssec-signature-invalid" and (.message | test("no RRSIG")))] | length == 2'

# The DNSKEY RRset's own signature (RFC 4035 §5): without it resolvers
# trust no key of the zone (user trial, helper-21: lint said OK;
# kzonecheck: "no valid signature for a record (record type DNSKEY)").
grep -v 'RRSIG[[:space:]]*DNSKEY' good.zone >nokeysig.zone
expect_status 2 "the DNSKEY RRset's RRSIG removed" "$XMPPCUT" --json lint nokeysig.zone
k=$(line_of nokeysig.zone 'DNSKEY')
expect_findings "... one finding, at the first DNSKEY" <<EOF2
dnssec-signature-invalid $k
EOF2
if command -v kzonecheck >/dev/null 2>&1; then
	kzonecheck -o example.com nokeysig.zone >"$T/kzc" 2>&1
	check "kzonecheck refuses it too" test $? -ne 0
fi
# Signed by the ZSK alone: resolvers start from the DS, which names the
# KSK (the SEP key), so that signature does not make them trust the keys
# (review, helper-22; kzonecheck: "no valid signature ... DNSKEY").
tag=$((10#${ksk##*+}))
awk -v tag="$tag" '!($4 == "RRSIG" && $5 == "DNSKEY" && $11 == tag)' good.zone >zskonly.zone
check "the KSK's RRSIG over the DNSKEY RRset is gone, the ZSK's is there" \
    test "$(awk '$4 == "RRSIG" && $5 == "DNSKEY"' good.zone | wc -l)" -eq "$(($(awk '$4 == "RRSIG" && $5 == "DNSKEY"' zskonly.zone | wc -l) + 1))"
expect_status 2 "the DNSKEY RRset signed by the ZSK alone" "$XMPPCUT" --json lint zskonly.zone
expect_findings "... one finding, at the first DNSKEY" <<EOF2
dnssec-signature-invalid $(line_of zskonly.zone 'DNSKEY')
EOF2

# A record written twice is one record to a server (RFC 2181 §5), signed
# once: no signature error (it was one; kzonecheck and ldns-verify-zone
# accept the zone).
a=$(line_of good.zone '^edge.*[[:space:]]A[[:space:]]')
sed "${a}p" good.zone >dup.zone
check "the A record is there twice" test "$(grep -v RRSIG dup.zone | grep -c '^edge.*[[:space:]]A[[:space:]]')" -eq 2
expect_status 0 "a record twice in a signed zone" "$XMPPCUT" --json lint dup.zone
if command -v kzonecheck >/dev/null 2>&1; then
	kzonecheck -o example.com dup.zone >"$T/kzc" 2>&1
	check "kzonecheck accepts it too" test $? -eq 0
fi

# A target delegated to a child zone, its glue in the parent: glue is
# not signed (RFC 4035 2.2). ldns-verify-zone, named-checkzone and
# kzonecheck accept the zone; so does lint (the target's addresses are
# the child's: srv-target-out-of-zone). It said "no RRSIG covers the A
# RRset" (user trial, helper-14).
cat >glue.zone <<'ZONE'
$ORIGIN example.com.
$TTL 3600
@                  SOA ns1 hostmaster 1 3600 600 86400 300
@                  NS ns1
ns1                A 192.0.2.53
_xmpp-server._tcp  SRV 0 0 5269 gw.sub
sub                NS gw.sub
gw.sub             A 192.0.2.9
ZONE
ldns-signzone -e 20350101000000 -f glue.signed glue.zone "$ksk" "$zsk"
expect_status 0 "a target with glue under a delegation, signed" "$XMPPCUT" --json lint --origin example.com glue.signed
json_ok "... srv-target-out-of-zone alone, no signature finding" '[.findings[].id] == ["srv-target-out-of-zone"]'
if command -v ldns-verify-zone >/dev/null 2>&1; then
	check "... ldns-verify-zone agrees" ldns-verify-zone glue.signed
fi

# www is not XMPP: its records are never verified, tampered or not.
sed 's/192.0.2.80$/192.0.2.81/' good.zone >tampered-www.zone
expect_status 0 "records that do not matter to XMPP are not checked" "$XMPPCUT" lint tampered-www.zone
done_testing
