#!/bin/bash
# The generated snippets under zones/ match what xmppcut generates from
# zones/example.conf (run scripts/regen-zones.sh after changing either),
# and generating twice gives the same bytes.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

cd "$top_srcdir"
for stage in pre cutover final rollback; do
	for format in zone nsupdate; do
		want=zones/example-$stage.$format
		expect_status 0 "generate $stage $format" "$XMPPCUT" \
		    -c zones/example.conf generate --stage "$stage" --format "$format"
		same_file "$want is in sync" "$want" "$T/out"
		"$XMPPCUT" -c zones/example.conf generate --stage "$stage" \
		    --format "$format" >"$T/again"
		same_file "$stage $format is deterministic" "$T/out" "$T/again"
	done
done
done_testing
