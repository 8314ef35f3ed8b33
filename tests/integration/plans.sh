#!/bin/bash
# Every bad plan under tests/plans/ gives exit 3 and a plan-invalid
# finding at the line marked "; <- plan-invalid"; the good ones exit 0.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
need jq

n=0
for f in "$top_srcdir"/tests/plans/bad-*.conf; do
	name=$(basename "$f")
	line=$(grep -n '; <- plan-invalid' "$f" | cut -d: -f1)
	expect_status 3 "$name" "$XMPPCUT" -c "$f" --json generate --stage cutover
	json_ok "$name: plan-invalid at line $line" \
	    "[.findings[] | select(.id == \"plan-invalid\" and .line == $line and .severity == \"error\")] | length >= 1"
	json_ok "$name: every finding is plan-invalid with the file" \
	    "[.findings[] | select(.id != \"plan-invalid\" or .file == null)] | length == 0"
	n=$((n + 1))
done
check "at least 15 bad plans ($n)" test "$n" -ge 15
# Text output: FILE:LINE: error: [plan-invalid] on stderr.
f=$top_srcdir/tests/plans/bad-role.conf
expect_status 3 "bad-role.conf, text output" "$XMPPCUT" -c "$f" generate --stage cutover
check "text finding is FILE:LINE: error: [plan-invalid]" \
    grep -q "bad-role.conf:4: error: \[plan-invalid\] role 'primary'" "$T/err"
for f in "$top_srcdir"/tests/plans/good-*.conf "$top_srcdir/zones/example.conf"; do
	expect_status 0 "$(basename "$f") is accepted" "$XMPPCUT" -c "$f" generate --stage cutover
done
done_testing
