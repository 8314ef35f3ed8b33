#!/bin/bash
# shellcheck disable=SC2086
# apply against a primary that answers over UDP but refuses TCP (a
# firewall that lets only UDP 53 through): the zone is read (UDP), the
# UPDATE (TCP, RFC 7766) cannot go out. The connection's own error is the
# finding (the socket is writable when the connection fails: SO_ERROR
# says why), nothing is claimed sent, the zone is unchanged, and apply
# through the real primary then goes through. When the SOA MNAME has
# another address, apply sends the UPDATE there. Fake primaries (reads
# forwarded to ns1 over UDP, the UPDATE answered by ldns-testns over TCP):
# NOERROR and no change; SERVFAIL; NOERROR, then silent. And two zones at a
# port nothing listens on: refused at once.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
need jq socat dig ldns-testns
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

# The SOA MNAME's first address answers over UDP only (the firewall
# again), the next is ns1 itself: apply reads the zone at the first and,
# the UPDATE refused there, sends it to the next.
V=${LAB_NS1%.*}.5
start_bg udponly5 socat UDP4-RECVFROM:53,bind="$V",fork UDP4-SENDTO:"$LAB_NS1":53
wait_dns "$V" 53 example.test || not_ok "the second UDP-only forwarder answers"
check "ns1.example.test gets it as its first address" lab_nsupdate_both \
    'zone example.test.' "update add ns1.example.test. 300 A $V"
expect_status 0 "pre at ns2 too (its own copy of the zone)" ap --stage pre --server "$LAB_NS2"
# pre's TTL long passed
sed -i 's/^pre \([^ ]*\) [0-9]* /pre \1 1000000000 /' "$LAB_PLAN.journal"
s1=$(lab_serial "$LAB_NS1" example.test)
expect_status 0 "cutover to the primary the SOA names" ap --stage cutover
check "... said: TCP refused at the address it read at, sent to the next" grep -q "^xmppcut: apply: ns1.example.test ($V): no TCP connection to $V port 53: Connection refused; sending the update for zone example.test to $LAB_NS1\$" "$T/err"
json_ok "... sent, by ns1's next address" '.zones[0].sent and .zones[0].primary == "'"$LAB_NS1"'" and .findings == []'
check "... the zone changed" test "$(lab_serial "$LAB_NS1" example.test)" != "$s1"

# A server that answers the UPDATE NOERROR and serves no change (a fake
# here: reads go to ns1 over UDP, the UPDATE over TCP to ldns-testns,
# which answers every UPDATE NOERROR, unsigned: no --tsig-key). BIND with inline-signing answers
# before it serves the change, so apply reads the zone again until
# --timeout; then it says what it saw, and does not claim the zone sent.
W=${LAB_NS1%.*}.32
port=$(free_port) || skip "no free port"
printf 'ENTRY_BEGIN\nMATCH opcode\nADJUST copy_id copy_query\nREPLY QR UPDATE NOERROR\nENTRY_END\n' >"$T/noop.data"
start_bg noop ldns-testns -p "$port" "$T/noop.data"
start_bg udponly32 socat UDP4-RECVFROM:53,bind="$W",fork UDP4-SENDTO:"$LAB_NS1":53
start_bg tcpnoop socat TCP4-LISTEN:53,bind="$W",fork,reuseaddr TCP4:127.0.0.1:"$port"
wait_dns "$W" 53 example.test || not_ok "the fake primary answers"
s1=$(lab_serial "$LAB_NS1" example.test)
t0=$(date +%s%N)	# the whole run: reading, sending, reading again
expect_status 2 "final to a server that answers NOERROR and changes nothing, --timeout 2" \
    "$XMPPCUT" -c "$LAB_PLAN" $LAB_OPTS --json --timeout 2 apply --stage final --server "$W"
t1=$(date +%s%N)
json_ok "... update-refused: NOERROR, but 2 s later the zone holds what it held" \
    '[.findings[] | select(.id == "update-refused" and (.message | test("answered NOERROR, but 2 s later zone example.test \\(serial '"$s1"'\\) still holds what it held before")))] | length == 1'
json_ok "... not claimed sent" '.zones[0].sent | not'
check "... it read the zone again for most of --timeout (2 s), no longer" \
    test $(( (t1 - t0) / 1000000 )) -ge 1500 -a $(( (t1 - t0) / 1000000 )) -lt 3000

# A server that answers the UPDATE SERVFAIL (a secondary whose forwarding
# failed; the primary may have applied it): not "nothing changed", and the
# journal entry written before the send stays.
sport=$(free_port) || skip "no free port"
printf 'ENTRY_BEGIN\nMATCH opcode\nADJUST copy_id copy_query\nREPLY QR UPDATE SERVFAIL\nENTRY_END\n' >"$T/servfail.data"
start_bg servfail ldns-testns -p "$sport" "$T/servfail.data"
Y=${LAB_NS1%.*}.34
start_bg udponly34 socat UDP4-RECVFROM:53,bind="$Y",fork UDP4-SENDTO:"$LAB_NS1":53
start_bg tcpservfail socat TCP4-LISTEN:53,bind="$Y",fork,reuseaddr TCP4:127.0.0.1:"$sport"
wait_dns "$Y" 53 example.test || not_ok "the SERVFAIL primary answers"
rm -f "$LAB_PLAN.journal"
expect_status 2 "rollback at a server that answers SERVFAIL" \
    "$XMPPCUT" -c "$LAB_PLAN" $LAB_OPTS --json apply --stage rollback --server "$Y"
json_ok "... update-refused: SERVFAIL, whether it was applied cannot be told" \
    '([.findings[] | select(.id == "update-refused" and (.message | test("with SERVFAIL: whether it was applied cannot be told")))] | length == 1) and ([.findings[].message | test("nothing changed")] | any | not)'
check "... the journal keeps the entry written before the send" grep -q '^rollback example.test [0-9]* [0-9]* sent$' "$LAB_PLAN.journal"

# A server like it (its own address), gone silent once it has answered:
# the UPDATE's TCP connection stops the UDP forwarder the zone is read
# through. Whether the zone holds the stage cannot be told -- not "part
# of it dropped".
X=${LAB_NS1%.*}.33
start_bg udponly33 socat UDP4-RECVFROM:53,bind="$X",fork UDP4-SENDTO:"$LAB_NS1":53
printf '#!/bin/sh\nkill %s\nexec socat - TCP4:127.0.0.1:%s\n' "$PID_udponly33" "$port" >"$T/silence.sh"
chmod +x "$T/silence.sh"
start_bg tcpsilence socat TCP4-LISTEN:53,bind="$X",fork,reuseaddr EXEC:"$T/silence.sh"
wait_dns "$X" 53 example.test || not_ok "the second fake primary answers"
expect_status 2 "final to a server that answers NOERROR, then is silent, --timeout 2" \
    "$XMPPCUT" -c "$LAB_PLAN" $LAB_OPTS --json --timeout 2 apply --stage final --server "$X"
json_ok "... update-refused: answered, then silent, cannot be told" \
    '[.findings[] | select(.id == "update-refused" and (.message | test("answered NOERROR for zone example.test, then did not answer when it was read again .*cannot be told")))] | length == 1'
json_ok "... no word of aliases" '[.findings[].message | test("alias")] | any | not'

# Nothing listens at the server's port: the kernel says so (ICMP port
# unreachable) to the first question sent, and every question waiting on
# that socket fails with it -- not one, the others after --timeout.
dead=$(free_port) || skip "no free port"
t0=$(date +%s%N)
expect_status 2 "two zones read at a port nothing listens on, --timeout 5" \
    "$XMPPCUT" -c "$top_srcdir/zones/example.conf" --json --timeout 5 apply --stage pre --dry-run --server "127.0.0.1@$dead"
t1=$(date +%s%N)
json_ok "... each zone: dns-failure, Connection refused" \
    '[.findings[] | select(.id == "dns-failure" and (.message | contains("Connection refused"))) | .subject] == ["example.com", "example.org"]'
check "... at once, not after --timeout ($(( (t1 - t0) / 1000000 )) ms)" test $(( (t1 - t0) / 1000000 )) -lt 2000
done_testing
