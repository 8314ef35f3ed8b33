#!/bin/bash
# scripts/demo.sh — set up (packages, build) and walk through a gateway
# move of the example plan: the records of every stage, as zone snippets
# and as guarded nsupdate scripts.
set -eu
cd "$(dirname "$0")/.."
scripts/setup.sh

x=./xmppcut
plan=zones/example.conf
if [ -t 1 ]; then b=$(tput bold 2>/dev/null || true); n=$(tput sgr0 2>/dev/null || true); else b= n=; fi
say() { printf '\n%s== %s%s\n' "$b" "$*" "$n"; }
run() { printf '%s$ %s%s\n' "$b" "$*" "$n"; "$@"; }

say "The plan: example.com and example.org move from an OCS XMPP gateway to a new Edge"
grep -v '^;' "$plan" | sed '/^$/d'

say "1. pre — a TTL before the cutover, lower the TTLs of today's records"
run $x -c "$plan" generate --stage pre

say "2. cutover — point the SRV records at the new gateway (short TTL)"
run $x -c "$plan" generate --stage cutover

say "   The same change as an nsupdate script: each message is refused unless the zone holds what 'pre' left"
run $x -c "$plan" generate --stage cutover --format nsupdate --server 192.0.2.53

say "   Before publishing: lint the cutover records against the plan, check the new gateway's certificate"
$x -c "$plan" generate --stage cutover >"${TMPDIR:-/tmp}/xmppcut-demo-cutover.zone"
run $x -c "$plan" lint --stage cutover --origin example.com "${TMPDIR:-/tmp}/xmppcut-demo-cutover.zone"
run $x -c "$plan" cert || echo "(exit $?: the example certificate is self-signed — a real one comes from a CA partners trust)"
rm -f "${TMPDIR:-/tmp}/xmppcut-demo-cutover.zone"

say "3. final — once the new gateway works, raise the TTLs"
run $x -c "$plan" generate --stage final

say "   Or rollback — back to the old gateway"
run $x -c "$plan" generate --stage rollback --format nsupdate

say "Every stage's snippet is also under zones/; see README.md and 'man doc/xmppcut.1'."
