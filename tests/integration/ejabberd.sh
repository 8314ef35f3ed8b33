#!/bin/bash
# shellcheck disable=SC2086
# probe against ejabberd as the partner (the lab's partners run Prosody):
# Debian 12's ejabberd 23.01 serves partner-a.test on STARTTLS (5269) and
# direct TLS (5270, XEP-0368), with dialback and SASL EXTERNAL. probe must
# say reachable by each, name the TLS version and the certificate identity,
# and report the features ejabberd offers; a direct-TLS-only partner is
# reached; with ejabberd stopped, unreachable.
#
# ejabberd runs as its own user (ejabberdctl), so its files are given to
# it; its Erlang distribution listens on a free port of 127.0.0.1, with no
# epmd left behind.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
need ejabberdctl jq
id ejabberd >/dev/null 2>&1 || skip "no ejabberd user"
lab_start
E=$T/ejabberd
EJ=${LAB_NS1%.*}.5
dist=$(free_port) || skip "no free port"
mkdir -p "$E/spool" "$E/logs"
cat "$LAB_DIR/ca/partners.pem" "$LAB_DIR/ca/partners.key" >"$E/cert.pem"
cat >"$E/ejabberd.yml" <<EOF
hosts:
  - "partner-a.test"
loglevel: info
certfiles:
  - "$E/cert.pem"
ca_file: "$E/root.pem"
s2s_use_starttls: required
listen:
  - port: 5269
    ip: "$EJ"
    module: ejabberd_s2s_in
  - port: 5270
    ip: "$EJ"
    module: ejabberd_s2s_in
    tls: true
modules:
  mod_disco: {}
  mod_ping: {}
  mod_s2s_dialback: {}
EOF
cp "$LAB_CA" "$E/root.pem"
printf 'ERL_DIST_PORT=%s\nINET_DIST_INTERFACE=127.0.0.1\nEJABBERD_CONFIG_PATH=%s\nEJABBERD_PID_PATH=%s\n' \
    "$dist" "$E/ejabberd.yml" "$E/ejabberd.pid" >"$E/ctl.cfg"
chown -R ejabberd: "$E"
chmod 711 "$T"
start_bg ejabberdctl ejabberdctl -c "$E/ctl.cfg" -d "$E" -s "$E/spool" -l "$E/logs" \
    -n "xmppcut$$@localhost" foreground
for _ in $(seq 1 100); do
	[ -s "$E/ejabberd.pid" ] && ss -Hltn | awk '{print $4}' | grep -qx "$EJ:5270" && break
	sleep 0.1
done
[ -s "$E/ejabberd.pid" ] && PIDS="$PIDS $(cat "$E/ejabberd.pid")"
check "ejabberd listens on 5269 and 5270" sh -c "ss -Hltn | awk '{print \$4}' | grep -qx '$EJ:5269'"

# partner-a.test now points at ejabberd
check "xmpp.partner-a.test moves to ejabberd" lab_nsupdate_both 'zone partner-a.test.' \
    'update delete xmpp.partner-a.test. A' "update add xmpp.partner-a.test. 3600 A $EJ"
pr() { "$XMPPCUT" -c "$LAB_PLAN" $LAB_OPTS --json probe partner-a.test; }
expect_status 0 "probe: reachable by STARTTLS" pr
json_ok "... STARTTLS, TLS 1.3, DNS-ID partner-a.test, dialback and SASL EXTERNAL offered" \
    '.domains[0].reachable and (.domains[0].attempts[0] | .mode == "starttls" and .address == "'"$EJ"'" and .tls.version == "TLSv1.3" and .certificate.identities[0].matched == "DNS-ID" and .features.dialback and .features.sasl == ["EXTERNAL"])'

check "partner-a.test offers direct TLS only" lab_nsupdate_both 'zone partner-a.test.' \
    'update delete _xmpp-server._tcp.partner-a.test. SRV' \
    'update add _xmpps-server._tcp.partner-a.test. 3600 SRV 0 0 5270 xmpp.partner-a.test.'
expect_status 0 "probe: reachable by direct TLS" pr
json_ok "... direct TLS on 5270, same certificate and features" \
    '.domains[0].reachable and (.domains[0].attempts[0] | .mode == "direct-tls" and .port == 5270 and .tls.version == "TLSv1.3" and .features.dialback and .features.sasl == ["EXTERNAL"])'
check "... openssl s_client agrees (verified, ejabberd negotiates no ALPN)" \
    sh -c "openssl s_client -connect $EJ:5270 -servername partner-a.test -alpn xmpp-server -CAfile '$LAB_CA' -verify_hostname partner-a.test </dev/null 2>&1 | grep -q 'Verification: OK'"

stop_bg ejabberdctl
[ -s "$E/ejabberd.pid" ] && kill "$(cat "$E/ejabberd.pid")" 2>/dev/null
for _ in $(seq 1 50); do
	ss -Hltn | awk '{print $4}' | grep -qx "$EJ:5270" || break
	sleep 0.1
done
expect_status 2 "ejabberd stopped: unreachable" "$XMPPCUT" -c "$LAB_PLAN" $LAB_OPTS --json --timeout 2 probe partner-a.test
json_ok "... connect-failed alone, the attempt on 5270 refused" '([.findings[].id] | unique == ["connect-failed"]) and (.domains[0].reachable | not) and (.domains[0].attempts[0] | .port == 5270 and .outcome != "ok")'
done_testing
