#!/bin/bash
# shellcheck disable=SC2086
# apply against a primary that answers over UDP but refuses TCP (a
# firewall that lets only UDP 53 through): the zone is read (UDP), the
# UPDATE (TCP, RFC 7766) cannot go out. The connection's own error is the
# finding (the socket is writable when the connection fails: SO_ERROR
# says why), nothing is claimed sent, the zone is unchanged, and apply
# through the real primary then goes through.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
need jq socat dig
lab_start
U=${LAB_NS1%.*}.31
# UDP only: every datagram to U:53 is forwarded to ns1, TCP is refused
start_bg udponly socat UDP4-RECVFROM:53,bind="$U",fork UDP4-SENDTO:"$LAB_NS1":53
wait_dns "$U" 53 example.test || { not_ok "the UDP-only forwarder answers"; done_testing; }
check "... and refuses TCP" bash -c "! dig +tcp +time=1 +tries=1 @$U example.test SOA >/dev/null 2>&1"
s1=$(lab_serial "$LAB_NS1" example.test)
ap() { "$XMPPCUT" -c "$LAB_PLAN" $LAB_OPTS --json --timeout 5 apply --tsig-key "$LAB_TSIG" "$@"; }

expect_status 0 "dry run through the UDP-only server: the zone is read, ready" ap --stage pre --server "$U" --dry-run
json_ok "... ready" '.zones[0].state == "ready"'
expect_status 2 "apply through it: the UPDATE cannot go out" ap --stage pre --server "$U"
json_ok "... update-refused, saying the connection was refused" \
    '[.findings[] | select(.id == "update-refused" and (.message | contains("no TCP connection to '"$U"' port 53: Connection refused")))] | length == 1'
json_ok "... nothing claimed sent" '[.zones[] | select(.sent)] == []'
check "... the zone is unchanged" test "$(lab_serial "$LAB_NS1" example.test)" = "$s1"
expect_status 0 "apply through the primary itself goes through" ap --stage pre --server "$LAB_NS1"
json_ok "... sent" '[.zones[] | select(.sent) | .zone] == ["example.test"]'
done_testing
