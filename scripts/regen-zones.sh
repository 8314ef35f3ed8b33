#!/bin/bash
# scripts/regen-zones.sh — rewrite the generated snippets under zones/ from
# zones/example.conf (tests/integration/zones-sync.sh checks they match).
set -eu
cd "$(dirname "$0")/.."
for stage in pre cutover final rollback; do
	./xmppcut -c zones/example.conf generate --stage "$stage" \
	    >"zones/example-$stage.zone"
	./xmppcut -c zones/example.conf generate --stage "$stage" \
	    --format nsupdate >"zones/example-$stage.nsupdate"
done
