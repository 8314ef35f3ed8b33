#!/bin/bash
# scripts/demo.sh — set up (packages, build), then rehearse a gateway move
# in a lab of real servers on loopback (scripts/lab.sh): a Knot primary
# signing the zone (DNSSEC) and a Knot secondary fed by NOTIFY and AXFR,
# and Prosody playing the old gateway, the new one and the partners. Every change goes through `xmppcut apply` (RFC
# 2136 UPDATEs, TSIG-signed), every check through the real DNS. The lab is
# stopped at the end.
set -eu
cd "$(dirname "$0")/.."
scripts/setup.sh

x=$PWD/xmppcut
lab=$(mktemp -d "${TMPDIR:-/tmp}/xmppcut-demo.XXXXXX")
trap 'scripts/lab.sh stop "$lab"; rm -rf "$lab"' 0
if [ -t 1 ]; then b=$(tput bold 2>/dev/null || true); n=$(tput sgr0 2>/dev/null || true); else b= n=; fi
say() { printf '\n%s== %s%s\n' "$b" "$*" "$n"; }
note() { printf '   %s\n' "$@"; }
# run_short ARGS: xmppcut with the lab's plan, from the lab's folder
run_short() {
	printf '%s$ xmppcut -c plan.conf %s%s\n' "$b" "$*" "$n"
	"$x" -c plan.conf "$@"
}
# xc ARGS: xmppcut with the lab's plan and network options, shown short
xc() {
	printf '%s$ xmppcut -c plan.conf [lab options] %s%s\n' "$b" "$*" "$n"
	# shellcheck disable=SC2086
	"$x" -c "$LAB_PLAN" $LAB_OPTS "$@"
}
# apply STAGE [OPTIONS]: xmppcut apply, to the zone's primary (its SOA
# MNAME); its exit status is shown, not fatal
apply() {
	local stage=$1
	shift
	printf '%s$ xmppcut -c plan.conf [lab options] apply --stage %s --tsig-key tsig.key %s%s\n' \
	    "$b" "$stage" "$*" "$n"
	# shellcheck disable=SC2086
	"$x" -c "$LAB_PLAN" $LAB_OPTS apply --stage "$stage" \
	    --tsig-key "$LAB_TSIG" "$@" || note "(exit $?)"
}
# knot2 CMD: knotc on the secondary, shown
knot2() {
	printf '%s$ knotc %s%s\n' "$b" "$*" "$n"
	knotc -b -c "$LAB_DIR/knot2/knot.conf" "$@" >/dev/null
}

say "Starting the lab: Knot primary and secondary (DNSSEC), Prosody x3, a test CA, all on loopback"
LAB_SECONDARY=1 scripts/lab.sh start "$lab" >/dev/null
# shellcheck disable=SC1091
. "$lab/lab.env"
note "ns1 $LAB_NS1 (the primary: signs, takes TSIG-signed updates) and ns2 $LAB_NS2 (its secondary) serve example.test" \
    "old.example.test ($LAB_OLD) is today's gateway; new.example.test ($LAB_NEW) the new one" \
    "Lab options: --stub for its zones, --trust-anchor (its DS), --ca (its CA)"

say "0. The plan, written from today's live DNS"
printf '%s$ xmppcut [lab options] init example.test > plan.conf%s\n' "$b" "$n"
# shellcheck disable=SC2086
"$x" $LAB_OPTS init example.test >"$lab/init.conf"
cat "$lab/init.conf"

say "   Filled in: the new gateway (its name, address, direct TLS port and certificate) and the partners"
sed -e 's/^;\[gateway NEW-GATEWAY\.example\.test\]/[gateway new.example.test]/' \
    -e 's/^;\(role\|port\|priority\|weight\) = /\1 = /' \
    -e "s/^;address = 192.0.2.10 .*/address = $LAB_NEW/" \
    -e 's|^;cert = new-gateway.pem .*|direct-tls-port = 5270\ncert = ca/new.pem|' \
    -e 's/^;from = /from = /' \
    -e 's/^;\[partner jabber.org\]/[partner partner-a.test]\n[partner partner-b.test]\n[partner partner-c.test]/' \
    "$lab/init.conf" >"$LAB_PLAN"
diff "$lab/init.conf" "$LAB_PLAN" | sed -n 's/^> /   + /p'

say "1. Today, as the plan says: the live DNS points partners at the old gateway, and it answers"
xc check --expect old

say "   Our partners: can we federate with them? (each probed as a server would)"
xc probe --partners

say "2. Before anything goes live: the new gateway, at its address, presenting example.test"
note "(STARTTLS on 5269 and direct TLS on 5270, certificate checked against the domain)"
xc -q check --expect old --connect "$LAB_NEW"

say "   The cutover records, linted against the plan; the new gateway's certificate"
"$x" -c "$LAB_PLAN" generate --stage cutover >"$lab/cutover.zone"
printf '%s$ xmppcut -c plan.conf generate --stage cutover > cutover.zone%s\n' "$b" "$n"
(cd "$lab" && run_short lint --stage cutover --origin example.test cutover.zone)
xc cert

say "3. Stage pre: the same records with short TTLs (at least one old TTL before the cutover)"
apply pre --dry-run
apply pre --wait 10
xc check --stage pre

say "   Cron watches from now on: a first monitor run keeps a baseline"
xc monitor --expect old --state "$lab/state.json" --prom "$lab/xmppcut.prom"
printf '%s$ xmppcut -c plan.conf --json probe --partners > before.json%s\n' "$b" "$n"
"$x" -c "$LAB_PLAN" $LAB_OPTS --json probe --partners >"$lab/before.json"
"$x" -c "$LAB_PLAN" $LAB_OPTS --json check --expect old >"$lab/check-before.json"

say "4. The cutover, right away: held, caches may still hold the old records (TTL 3600)"
apply cutover
note "(a rehearsal does not wait an hour: --force)"
say "   The secondary is slow today (its zone frozen): the cutover reaches the primary only..."
knot2 zone-freeze example.test
apply cutover --force --wait 2
xc -q check --expect new || note "(exit $?: the servers disagree — xmppcut asked each one directly)"

say "   ...it catches up; apply again sends nothing and waits until every server serves it"
knot2 zone-thaw example.test
apply cutover --wait 10
xc check --expect new

say "   What the cutover changed, as monitor sees it (exit 1: changes, all expected)"
xc monitor --state "$lab/state.json" --prom "$lab/xmppcut.prom" || true
say "   And as diff sees it, from the reports saved before and after"
"$x" -c "$LAB_PLAN" $LAB_OPTS --json check >"$lab/check-after.json"
"$x" -c "$LAB_PLAN" $LAB_OPTS --json probe --partners >"$lab/after.json"
printf '%s$ xmppcut diff check-before.json check-after.json%s\n' "$b" "$n"
"$x" diff "$lab/check-before.json" "$lab/check-after.json" || true
printf '%s$ xmppcut diff before.json after.json%s   (the partners: unchanged)\n' "$b" "$n"
"$x" diff "$lab/before.json" "$lab/after.json"
say "   The next cron run has nothing new to say"
xc monitor --state "$lab/state.json" --prom "$lab/xmppcut.prom"
note "Prometheus metrics in xmppcut.prom:" 
grep -E '^xmppcut_(status|reachable)' "$lab/xmppcut.prom" | sed 's/^/   /'

say "5. Something is wrong with the new gateway? Roll back, and check"
apply rollback --wait 10
xc check --expect old

say "6. A stage out of order is refused before anything is sent, and a stage run twice sends nothing"
apply final
apply rollback

say "Done. The lab stops now; scripts/lab.sh start DIR runs one to play with."
