#!/bin/bash
# xmppcut cert against certificates made here by OpenSSL (never
# committed): each identity type alone, wildcards, the classic migration
# mistake (a certificate for the gateway host only), CN only, validity,
# trust, EKU, weak keys and signatures, a chain with an intermediate.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
need openssl jq

cd "$T"
ca_config
quiet() { "$@" >/dev/null 2>&1 || { echo "# failed: $*"; "$@"; }; }
# Root and intermediate CAs.
quiet openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout root.key -out root.pem -days 3650 -subj "/CN=xmppcut test root" \
    -addext "basicConstraints=critical,CA:true" -addext "keyUsage=critical,keyCertSign,cRLSign"
quiet openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout inter.key -out inter.csr -subj "/CN=xmppcut test intermediate"
quiet openssl ca -batch -config ca.cnf -cert root.pem -keyfile root.key \
    -in inter.csr -out inter.pem -days 3650 -extensions v3_ca -extfile ca.cnf -notext
# An unrelated CA partners do not trust.
quiet openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout other.key -out other.pem -days 3650 -subj "/CN=someone else" \
    -addext "basicConstraints=critical,CA:true"

# mkcert NAME CN EXTLINES [KEYSPEC] [openssl ca options...]: a leaf signed
# by the intermediate, written as NAME.pem with the intermediate after it.
mkcert() {
	name=$1 cn=$2 ext=$3 key=${4:-ec}
	shift 4 2>/dev/null || shift $#
	case "$key" in
	ec) kopt=(-newkey ec -pkeyopt ec_paramgen_curve:P-256) ;;
	p192) kopt=(-newkey ec -pkeyopt ec_paramgen_curve:P-192) ;;
	dsa) [ -f dsap.pem ] || quiet openssl dsaparam -out dsap.pem 2048
	     kopt=(-newkey dsa:dsap.pem) ;;
	rsa*) kopt=(-newkey rsa -pkeyopt "rsa_keygen_bits:${key#rsa}") ;;
	esac
	printf '%b\n' "$ext" >"$name.ext"
	quiet openssl req "${kopt[@]}" -nodes -keyout "$name.key" -out "$name.csr" -subj "/CN=$cn"
	quiet openssl ca -batch -config ca.cnf -cert inter.pem -keyfile inter.key \
	    -in "$name.csr" -out "$name.leaf" -extfile "$name.ext" -notext "${@:--days}" \
	    $([ $# -eq 0 ] && echo 365)
	cat "$name.leaf" inter.pem >"$name.pem"
}
EKU='extendedKeyUsage = serverAuth, clientAuth'
SRV='otherName:1.3.6.1.5.5.7.8.7;IA5STRING:_xmpp-server.example.com'
XA='otherName:1.3.6.1.5.5.7.8.5;UTF8:example.com'
mkcert all example.com "subjectAltName = DNS:example.com, $SRV, $XA\n$EKU"
mkcert dnsid x "subjectAltName = DNS:example.com\n$EKU"
mkcert srvid x "subjectAltName = $SRV\n$EKU"
mkcert xmppaddr x "subjectAltName = $XA\n$EKU"
mkcert wildcard x "subjectAltName = DNS:*.example.com\n$EKU"
mkcert hostonly edge.example.com "subjectAltName = DNS:edge.example.com\n$EKU"
mkcert cnonly example.com "$EKU"
mkcert cnignored example.com "subjectAltName = DNS:other.example.net\n$EKU"
mkcert noclient example.com "subjectAltName = DNS:example.com\nextendedKeyUsage = serverAuth"
mkcert kucertsign example.com "subjectAltName = DNS:example.com\nkeyUsage = critical, keyCertSign\n$EKU"
mkcert uri example.com "subjectAltName = URI:xmpp:example.com\n$EKU"
mkcert rsa1024 example.com "subjectAltName = DNS:example.com\n$EKU" rsa1024
mkcert sha1 example.com "subjectAltName = DNS:example.com\n$EKU" ec -days 365 -md sha1
mkcert expired example.com "subjectAltName = DNS:example.com\n$EKU" ec \
    -startdate 20200101000000Z -enddate 20200201000000Z
mkcert future example.com "subjectAltName = DNS:example.com\n$EKU" ec \
    -startdate 20400101000000Z -enddate 20410101000000Z
mkcert soon example.com "subjectAltName = DNS:example.com\n$EKU" ec -days 10
quiet openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout self.key -out self.pem -days 365 -subj "/CN=example.com" \
    -addext "subjectAltName=DNS:example.com" -addext "$EKU"

mkcert serveronly example.com "subjectAltName = DNS:example.com\nextendedKeyUsage = serverAuth"
mkcert clientonly example.com "subjectAltName = DNS:example.com\nextendedKeyUsage = clientAuth"
mkcert p192 example.com "subjectAltName = DNS:example.com\n$EKU" p192
mkcert dsa example.com "subjectAltName = DNS:example.com\n$EKU" dsa
cat inter.pem dnsid.leaf >misordered.pem
# An intermediate that expires in 5 days, under a leaf good for a year.
quiet openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout inter5.key -out inter5.csr -subj "/CN=short-lived intermediate"
quiet openssl ca -batch -config ca.cnf -cert root.pem -keyfile root.key \
    -in inter5.csr -out inter5.pem -days 5 -extensions v3_ca -extfile ca.cnf -notext
printf 'subjectAltName = DNS:example.com\n%s\n' "$EKU" >short.ext
quiet openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout short.key -out short.csr -subj "/CN=example.com"
quiet openssl ca -batch -config ca.cnf -cert inter5.pem -keyfile inter5.key \
    -in short.csr -out short.leaf -extfile short.ext -notext -days 365
cat short.leaf inter5.pem >short.pem
# A root that expires in 10 days, an intermediate and a leaf beyond it.
quiet openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout root10.key -out root10.pem -days 10 -subj "/CN=short-lived root" \
    -addext "basicConstraints=critical,CA:true" -addext "keyUsage=critical,keyCertSign,cRLSign"
quiet openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout inter10.key -out inter10.csr -subj "/CN=intermediate of the short-lived root"
quiet openssl ca -batch -config ca.cnf -cert root10.pem -keyfile root10.key \
    -in inter10.csr -out inter10.pem -days 3650 -extensions v3_ca -extfile ca.cnf -notext
quiet openssl ca -batch -config ca.cnf -cert inter10.pem -keyfile inter10.key \
    -in short.csr -out long.leaf -extfile short.ext -notext -days 365
cat long.leaf inter10.pem >rootshort.pem

# run_cert EXIT DESCRIPTION IDS [ARGS...]: exit status and the exact set
# of finding ids.
run_cert() {
	want=$1 desc=$2 ids=$3
	shift 3
	expect_status "$want" "$desc" "$XMPPCUT" --json --ca root.pem cert "$@"
	got=$(finding_ids)
	if [ "$got" = "$ids" ]; then ok "$desc: findings [$ids]"
	else not_ok "$desc: findings [$got], expected [$ids]"; fi
}
matched() { # matched DESCRIPTION DOMAIN KIND
	json_ok "$1" ".certificates[0].identities[] | select(.domain == \"$2\") | .matched == \"$3\""
}

run_cert 0 "all three identities" "" all.pem --domain example.com
matched "DNS-ID is reported first" example.com DNS-ID
run_cert 0 "DNS-ID alone" "" dnsid.pem --domain example.com
matched "DNS-ID" example.com DNS-ID
run_cert 0 "SRV-ID alone" "" srvid.pem --domain example.com
matched "SRV-ID" example.com SRV-ID
run_cert 0 "XmppAddr alone" "" xmppaddr.pem --domain example.com
matched "XmppAddr" example.com XmppAddr
run_cert 0 "wildcard matches one label" "" wildcard.pem --domain chat.example.com
matched "wildcard DNS-ID" chat.example.com DNS-ID
run_cert 2 "wildcard does not match the bare domain" "cert-name-mismatch" wildcard.pem --domain example.com
run_cert 2 "wildcard does not match two labels" "cert-name-mismatch" wildcard.pem --domain a.b.example.com
run_cert 2 "the classic mistake: a certificate for the gateway host" "cert-name-mismatch" hostonly.pem --domain example.com
check "the message says it must name the domain" grep -q 'it names edge.example.com): it must name the domain itself, whichever host serves it' "$T/out"
run_cert 0 "CN only, no subjectAltName" "" cnonly.pem --domain example.com
matched "CN" example.com CN
run_cert 2 "CN is not used when a DNS-ID exists" "cert-name-mismatch" cnignored.pem --domain example.com
run_cert 2 "two domains, one not covered" "cert-name-mismatch" dnsid.pem --domain example.com --domain example.org
run_cert 1 "no clientAuth" "cert-no-client-auth" noclient.pem --domain example.com
run_cert 1 "RSA 1024" "cert-weak-key" rsa1024.pem --domain example.com
json_ok "RSA 1024: key facts" '.certificates[0].key == {"type": "RSA", "bits": 1024}'
# keyUsage without digitalSignature, serverAuth in the EKU: OpenSSL and
# Prosody refuse it (unsuitable certificate purpose); the advice names
# the key usage too, not only the EKU (user trial, helper-13)
run_cert 2 "key usage keyCertSign only" "cert-untrusted" kucertsign.pem --domain example.com
check "... the advice names the key usage" grep -q 'its key usage or extended key usage' "$T/out"
# a URI-ID present: the CN does not count (RFC 6125 6.4.4; Prosody
# refuses it; openssl -verify_hostname and check_ssl_cert fall back to
# the CN whenever there is no DNS-ID, and are wrong here)
run_cert 2 "CN with a URI-ID" "cert-name-mismatch" uri.pem --domain example.com
run_cert 1 "SHA-1 signature" "cert-weak-key" sha1.pem --domain example.com
run_cert 2 "expired" "cert-expired" expired.pem --domain example.com
run_cert 2 "not yet valid" "cert-not-yet-valid" future.pem --domain example.com
run_cert 1 "expires within 21 days" "cert-expires-soon" soon.pem --domain example.com
run_cert 0 "--warn-days 5" "" soon.pem --domain example.com --warn-days 5
run_cert 2 "--now after the end" "cert-expired" dnsid.pem --domain example.com --now 2099-01-01
run_cert 2 "self-signed" "cert-untrusted" self.pem --domain example.com
cp dnsid.leaf leafonly.pem
run_cert 2 "leaf without its intermediate" "cert-untrusted" leafonly.pem --domain example.com
check "untrusted: OpenSSL's reason" grep -q 'unable to get local issuer certificate' "$T/out"
expect_status 2 "a CA partners do not trust" "$XMPPCUT" --json --ca other.pem cert dnsid.pem --domain example.com
check "cert-untrusted with another CA" test "$(finding_ids)" = cert-untrusted
run_cert 2 "several problems at once" "cert-expired cert-name-mismatch" expired.pem --domain example.org

# The whole chain, its purpose, keys by algorithm, the file's order.
run_cert 1 "serverAuth alone (no clientAuth)" "cert-no-client-auth" serveronly.pem --domain example.com
run_cert 2 "clientAuth alone: no serverAuth, partners refuse it" "cert-no-server-auth" clientonly.pem --domain example.com
check "... said once, not as cert-untrusted too" sh -c "! grep -q cert-untrusted '$T/out'"
run_cert 1 "an EC key on P-192" "cert-weak-key" p192.pem --domain example.com
run_cert 1 "a DSA key" "cert-weak-key" dsa.pem --domain example.com
expect_status 2 "the intermediate first in the file (served so, partners see the CA as the leaf)" "$XMPPCUT" --json --ca root.pem cert misordered.pem --domain example.com
json_ok "... and the hint says why" '[.findings[] | select(.id == "cert-chain-order" and (.message | contains("must come first")))] | length == 1'
run_cert 1 "an intermediate that expires in 5 days" "cert-expires-soon" short.pem --domain example.com
check "... named" grep -q 'the intermediate CN=short-lived intermediate expires in [45] days' "$T/out"
# the chain's end is the intermediate's: what monitor's cert_days and
# xmppcut_cert_expiry_timestamp_seconds report (they followed the leaf:
# 364 days while the chain died in 4; user trial, helper-16)
iend=$(date -u -d "$(openssl x509 -in inter5.pem -noout -enddate | cut -d= -f2)" +%Y-%m-%dT%H:%M:%SZ)
# no path to a trust anchor (another CA): the chain's end is the issuers
# up from the leaf, not a stray expired certificate in the file (review,
# helper-18)
cat dnsid.pem expired.leaf >stray.pem
expect_status 2 "a stray expired certificate after the chain, untrusted" "$XMPPCUT" --json --ca other.pem cert stray.pem --domain example.com
json_ok "... chain_days_left is not the stray one's" '.certificates[0].chain_days_left > 300'
run_cert 1 "an intermediate that expires in 5 days (again)" "cert-expires-soon" short.pem --domain example.com
json_ok "... chain_not_after is the intermediate's end ($iend), chain_days_left under 6" \
    ".certificates[0].chain_not_after == \"$iend\" and .certificates[0].chain_days_left < 6 and .certificates[0].days_left > 300"
expect_status 2 "a root that has expired by --now" "$XMPPCUT" --json --ca root10.pem cert rootshort.pem --domain example.com --now "$(date -u -d '+20 days' +%Y-%m-%d)"
check "... cert-expired naming the root" sh -c "test \"\$(jq -r '[.findings[] | select(.id == \"cert-expired\") | .message] | join(\" \")' '$T/out')\" != '' && grep -q 'the root CN=short-lived root expired' '$T/out'"
expect_status 3 "an unreadable --ca is exit 3" "$XMPPCUT" --json --ca nope.pem cert dnsid.pem --domain example.com
json_ok "... ca-unreadable" '[.findings[].id] == ["ca-unreadable"]'

# check_ssl_cert (monitoring-plugins-contrib), on the same files, where it
# has an opinion (on a file it dates every element of the chain and wants
# a SAN; it does not match names nor look at EKUs or keys):
CSC=/usr/lib/nagios/plugins/check_ssl_cert
csc() { # csc FILE: check_ssl_cert's line in $T/csc, its status returned
	"$CSC" --file "$1" --rootcert-file root.pem -H example.com --ignore-sct >"$T/csc" 2>&1
}
if [ -x "$CSC" ]; then
	csc expired.pem
	check "check_ssl_cert agrees: expired (CRITICAL, element 1)" sh -c "test $? -eq 2 && grep -q 'element 1 (example.com) is expired' '$T/csc'"
	csc short.pem
	check "check_ssl_cert agrees on the element: the short-lived intermediate (element 2)" \
	    sh -c "test $? -eq 2 && grep -q 'element 2 (short-lived intermediate) will expire' '$T/csc'"
	# It says CRITICAL under 15 days by its defaults; cert-expires-soon is
	# a warning until the date (the finding table), an error after.
	csc self.pem
	check "check_ssl_cert agrees: self-signed is CRITICAL" test $? -eq 2
	csc cnonly.pem
	check "check_ssl_cert disagrees on CN only: it wants a SAN (CA/B rules; RFC 6125 6.4.4 and XMPP servers accept the CN when no SAN is present, as we do)" \
	    sh -c "test $? -eq 2 && grep -q 'does not contain a Subject Alternative Name' '$T/csc'"
	csc hostonly.pem
	check "check_ssl_cert passes a certificate for the gateway host (on a file it matches no name): we are right to refuse it for the domain" \
	    sh -c "test $? -eq 0 && grep -q 'SSL_CERT OK' '$T/csc'"
else
	not_ok "check_ssl_cert is missing (scripts/setup.sh installs monitoring-plugins-contrib)"
fi

# Facts in JSON.
run_cert 0 "facts" "" all.pem --domain example.com
spki=$(openssl x509 -in all.pem -pubkey -noout | openssl pkey -pubin -outform DER | sha256sum | cut -c1-64)
json_ok "SPKI SHA-256 is the TLSA 3 1 1 value" ".certificates[0].spki_sha256 == \"$spki\""
json_ok "SANs by type" '.certificates[0].san == {"dns": ["example.com"], "srv": ["_xmpp-server.example.com"], "xmppaddr": ["example.com"]}'
json_ok "EKUs, key, chain, validity" '.certificates[0] | .eku == ["serverAuth", "clientAuth"] and .key.type == "EC" and .key.bits == 256 and .chain_length == 2 and .days_left >= 363 and (.not_after | test("Z$"))'
json_ok "subject and issuer" '.certificates[0] | .subject == "CN=example.com" and .issuer == "CN=xmppcut test intermediate"'

# Text output.
expect_status 2 "text output" "$XMPPCUT" --ca root.pem cert hostonly.pem --domain example.com
check "text: facts line" grep -q '^hostonly.pem: CN=edge.example.com, issued by CN=xmppcut test intermediate' "$T/out"
check "text: identity line" grep -q '^  example.com: no identity matches' "$T/out"
check "text: finding line" grep -q '^error: \[cert-name-mismatch\] hostonly.pem: the certificate is not valid for the XMPP domain example.com' "$T/out"

# With a plan: its domains and the new gateway's cert.
cat >plan.conf <<'CNF'
[plan]
domain = example.com
[gateway edge.example.com]
role = new
address = 192.0.2.10
cert = hostonly.pem
CNF
expect_status 2 "the plan's new gateway cert" "$XMPPCUT" --json -c plan.conf --ca root.pem cert
json_ok "plan: the gateway and its file" '.certificates[0].gateway == "edge.example.com" and .certificates[0].file == "hostonly.pem" and .domains == ["example.com"]'
expect_status 0 "a file for the plan's domains" "$XMPPCUT" -c plan.conf --ca root.pem cert all.pem
# generate makes TLSA records from the plan's cert: it says when the
# certificate does not name the domains (and publishes them anyway).
printf 'zone = example.com\n' >>plan.conf
sed -i 's/^domain = example.com$/domain = example.com\nzone = example.com/; $d' plan.conf
expect_status 1 "generate with a cert for the gateway host only: a warning" "$XMPPCUT" --json -c plan.conf generate --stage cutover
json_ok "... cert-name-mismatch as a warning, the records published" \
    '([.findings[] | "\(.id) \(.severity)"] == ["cert-name-mismatch warning"]) and ([.records[] | select(.type == "TLSA")] | length == 1)'

# Bad input.
expect_status 3 "not a certificate" "$XMPPCUT" --json cert plan.conf --domain example.com
json_ok "file-unreadable" '.findings[0].id == "file-unreadable"'
expect_status 3 "missing file" "$XMPPCUT" cert nope.pem --domain example.com
expect_status 3 "no file, no plan" "$XMPPCUT" -c nope.conf cert
expect_status 3 "bad --now" "$XMPPCUT" cert all.pem --domain example.com --now soon
expect_status 3 "bad --domain" "$XMPPCUT" cert all.pem --domain 'exa mple'
head -c 3000 /dev/urandom >garbage.pem
expect_status 3 "random bytes" "$XMPPCUT" cert garbage.pem --domain example.com
done_testing
