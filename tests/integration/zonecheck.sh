#!/bin/bash
# The zone snippet of every stage, placed inside zones with SOA and NS
# (split at its "; in zone" comments), passes named-checkzone and
# kzonecheck, and our own lint against the plan's stage: clean, whatever
# the gateways (two new ones, one with direct TLS: XEP-0368 mixes the
# _xmpp-server and _xmpps-server lists, so their targets may differ).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
need named-checkzone kzonecheck

for plan in "$top_srcdir/zones/example.conf" \
    "$top_srcdir/tests/plans/good-indented.conf" \
    "$top_srcdir/tests/plans/good-two-new.conf"; do
	for stage in pre cutover final rollback; do
		"$XMPPCUT" -c "$plan" generate --stage "$stage" >"$T/snippet" 2>/dev/null ||
		    continue	# a plan without old gateways has no pre/rollback
		rm -f "$T"/zone.*
		awk -v dir="$T" '
		    /^; in zone / { zone = $4; sub(/\.$/, "", zone); next }
		    /^;/ { next }
		    zone != "" { print >> (dir "/zone." zone) }' "$T/snippet"
		for f in "$T"/zone.*; do
			z=${f##*/zone.}
			{
				printf '$TTL 3600\n'
				printf '%s. IN SOA ns1.%s. hostmaster.%s. 1 3600 600 86400 300\n' "$z" "$z" "$z"
				printf '%s. IN NS ns1.%s.\n' "$z" "$z"
				printf 'ns1.%s. IN A 192.0.2.53\n' "$z"
				cat "$f"
			} >"$f.full"
			check "$(basename "$plan") $stage: named-checkzone $z" \
			    named-checkzone -q -i full "$z" "$f.full"
			check "$(basename "$plan") $stage: kzonecheck $z" \
			    kzonecheck -o "$z" "$f.full"
			expect_status 0 "$(basename "$plan") $stage: xmppcut lint $z, clean" \
			    "$XMPPCUT" -c "$plan" lint --stage "$stage" "$f.full"
		done
	done
done
done_testing
