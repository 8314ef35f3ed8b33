#!/bin/bash
# scripts/bench-cert.sh — the cost of judging a chain against the system
# CA store, per certificate, compared in the same run with a one-CA --ca
# bundle (the baseline: same certificates, same checks, a store of one).
#
# Every certificate whose chain is checked here (cert, and every DANE probe,
# where the handshake does not judge PKIX) needs a verification store; the
# system bundle holds ~140 roots. Target: judging N certificates against
# the system store costs at most 1.5x the one-CA run (the store is loaded
# once per run, not once per certificate).
#
#   scripts/bench-cert.sh [N]        (default N = 200)
set -eu
cd "$(dirname "$0")/.."
n=${1:-200}
x=${XMPPCUT:-./xmppcut}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' 0

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$dir/ca.key" -out "$dir/ca.pem" -days 30 -subj "/CN=bench CA" \
    -addext "basicConstraints=critical,CA:true" \
    -addext "keyUsage=critical,keyCertSign" >/dev/null 2>&1
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$dir/leaf.key" -out "$dir/leaf.csr" -subj "/CN=example.com" >/dev/null 2>&1
printf 'subjectAltName=DNS:example.com\nextendedKeyUsage=serverAuth,clientAuth\n' >"$dir/ext"
openssl x509 -req -in "$dir/leaf.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" \
    -CAcreateserial -days 30 -extfile "$dir/ext" -out "$dir/leaf.pem" >/dev/null 2>&1
files=()
for i in $(seq 1 "$n"); do
	cp "$dir/leaf.pem" "$dir/c$i.pem"
	files+=("$dir/c$i.pem")
done

# cpu SECONDS of a command (user + system), best of 3
cpu() {
	local best="" t
	for _ in 1 2 3; do
		/usr/bin/time -o "$dir/time" -f '%U %S' "$@" >/dev/null 2>&1 || :
		t=$(tail -n 1 "$dir/time" | awk '{print $1 + $2}')
		best=$(awk -v a="$best" -v b="$t" 'BEGIN { print (a == "" || b < a) ? b : a }')
	done
	echo "$best"
}
base=$(cpu "$x" --ca "$dir/ca.pem" cert "${files[@]}" --domain example.com)
sys=$(cpu "$x" cert "${files[@]}" --domain example.com)
roots=$(awk '/BEGIN CERTIFICATE/ {n++} END {print n}' /etc/ssl/certs/ca-certificates.crt 2>/dev/null || echo "?")
awk -v n="$n" -v b="$base" -v s="$sys" -v r="$roots" 'BEGIN {
	printf "cert over %d certificates (CPU, best of 3):\n", n
	printf "  --ca one CA (baseline)        %.3f s  %.2f ms per certificate\n", b, b * 1000 / n
	printf "  system store (%s roots)      %.3f s  %.2f ms per certificate\n", r, s, s * 1000 / n
	printf "  ratio system / baseline       %.2f (target <= 1.5)\n", (b > 0 ? s / b : 0)
}'
